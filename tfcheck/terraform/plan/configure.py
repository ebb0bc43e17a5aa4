"""What a plan's `configuration` says of each resource (set attributes, region, links) and its owners."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from tfcheck.model.resource import Resource
from tfcheck.terraform.addresses import arn_account, arn_region, module_segments
from tfcheck.terraform.plan.links import ConfigIndex, LinkResolver, expression_refs, for_each_refs
from tfcheck.terraform.plan.resources import Stub, obj

_SECRET_TYPES = frozenset({"aws_secretsmanager_secret", "aws_secretsmanager_secret_policy"})
_segments = lru_cache(maxsize=1 << 16)(module_segments)


def config_index(doc: dict[str, Any]) -> ConfigIndex:
    return ConfigIndex(obj(obj(doc.get("configuration")).get("root_module")))


def null_variables(doc: dict[str, Any]) -> frozenset[str]:
    """`var.X` of the root variables the plan gives the value null."""
    return frozenset(f"var.{n}" for n, v in obj(doc.get("variables")).items()
                     if isinstance(v, dict) and "value" in v and v["value"] is None)


def _is_null(expression: Any, root: bool, nulls: frozenset[str]) -> bool:
    """Whether a configuration expression is null: a constant null, or (in the root module)
    a root variable alone whose value is null."""
    if not isinstance(expression, dict):
        return False
    if "constant_value" in expression:
        return expression["constant_value"] is None
    refs = expression.get("references")
    return (root and isinstance(refs, list) and len(refs) == 1 and isinstance(refs[0], str)
            and refs[0] in nulls)


def link(res: Resource, config: ConfigIndex, resolver: LinkResolver,
         regions: dict[str, str], nulls: frozenset[str] = frozenset()) -> None:
    """Set what the configuration says of `res`, and the resources its references name."""
    block = configure(res, config, regions, nulls)
    segs = _segments(res.module)
    for attr, refs in expression_refs(obj(block.get("expressions"))).items():
        links = resolver.resolve(refs, segs, res.index, each=for_each_refs(block))
        if links:
            res.links[attr] = tuple(links)


def configure(res: Resource, config: ConfigIndex, regions: dict[str, str],
              nulls: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Set the attributes the configuration sets, their nested constants and the region of
    `res`; its configuration block."""
    segs = _segments(res.module)
    kind = ("data." if res.mode == "data" else "") + f"{res.type}.{res.name}"
    block = config.resource(tuple(n for n, _ in segs), kind)
    expressions = obj(block.get("expressions"))
    # `policy = null` (or a root variable that is null) is, for Terraform, `policy` not set.
    configured = {a for a, e in expressions.items() if not _is_null(e, not segs, nulls)}
    for attr, blocks in expressions.items():
        for i, nested in enumerate(blocks if isinstance(blocks, list) else []):
            for sub, expr in obj(nested).items():
                configured.add(f"{attr}.{i}.{sub}")
                if isinstance(expr, dict) and "constant_value" in expr:
                    res.constants[f"{attr}.{i}.{sub}"] = expr["constant_value"]
    res.configured = frozenset(configured)
    # A known ARN says where the resource is; else the region of its provider configuration.
    res.region = arn_region(res.values.get("arn")) or regions.get(str(block.get("provider_config_key")))
    return block


def provider_regions(doc: dict[str, Any]) -> dict[str, str]:
    """provider_config key (`aws`, `aws.west`, `module.x:aws`) -> its region, when constant."""
    out: dict[str, str] = {}
    variables = obj(doc.get("variables"))
    for key, provider in obj(obj(doc.get("configuration")).get("provider_config")).items():
        expression = obj(obj(obj(provider).get("expressions")).get("region"))
        region = expression.get("constant_value")
        references = expression.get("references")
        if region is None and ":" not in key and isinstance(references, list) and len(references) == 1 \
                and str(references[0]).startswith("var."):
            # A root provider's `region = var.x`: the plan lists the variable's value.
            region = obj(variables.get(str(references[0])[4:])).get("value")
        if isinstance(region, str):
            out[key] = region
    return out


def provider_key(res: Resource | Stub, config: ConfigIndex) -> str | None:
    kind = ("data." if res.mode == "data" else "") + f"{res.type}.{res.name}"
    key = config.resource(tuple(n for n, _ in _segments(res.module)), kind).get("provider_config_key")
    return key if isinstance(key, str) else None


def owner_facts(doc: dict[str, Any], resources: list[Resource | Stub], config: ConfigIndex
                ) -> tuple[list[str], list[str], list[str]]:
    """Accounts the plan proves are the configuration's own, with where each came from: those
    of the provider configurations that create the secrets (the owner of a resource is the
    account of the provider that creates it), of every provider when none is known."""
    secret_keys = {provider_key(r, config) for r in resources
                   if r.mode == "managed" and r.type in _SECRET_TYPES} - {None}

    def creates_secrets(res: Resource | Stub) -> bool:
        return not secret_keys or provider_key(res, config) in secret_keys

    owners: dict[str, str] = {}
    callers: list[str] = []
    for res in resources:
        if res.type == "aws_caller_identity" and res.mode == "data":
            callers.append(res.address)
            if not creates_secrets(res):
                continue  # the identity of another provider: not the secrets' account
            account = res.values.get("account_id")
            if isinstance(account, str) and account.isdigit():
                owners.setdefault(account, res.address)
        elif res.mode == "managed" and res.type.startswith("aws_"):
            account = arn_account(res.values.get("arn"))
            # Whose provider it is, only for an account not found yet (most resources repeat one).
            if account and account not in owners and creates_secrets(res):
                owners[account] = f"the ARN of {res.address}"
    providers = obj(obj(doc.get("configuration")).get("provider_config"))
    for key, provider in sorted(providers.items()):
        if secret_keys and key not in secret_keys:
            continue
        expr = obj(obj(obj(provider).get("expressions")).get("allowed_account_ids"))
        for account in expr.get("constant_value") or []:
            if isinstance(account, str) and account.isdigit():
                owners.setdefault(account, f"allowed_account_ids of provider {key}")
    ordered = sorted(owners)
    return ordered, [f"{a} ({owners[a]})" for a in ordered], sorted(callers)
