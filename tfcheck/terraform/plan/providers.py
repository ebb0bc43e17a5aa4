"""What a plan's provider configurations say: each one's region and account, and the owner accounts."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Protocol

from tfcheck.terraform.addresses import arn_account, module_segments
from tfcheck.terraform.plan.links import ConfigIndex

_SECRET_TYPES = frozenset({"aws_secretsmanager_secret", "aws_secretsmanager_secret_policy"})
_segments = lru_cache(maxsize=1 << 16)(module_segments)


class Instance(Protocol):
    """What these functions read of a resource instance (a Resource or a plan.read Stub)."""

    mode: str
    type: str
    name: str
    module: str
    values: dict[str, Any]
    address: str


def provider_regions(doc: dict[str, Any]) -> dict[str, str]:
    """provider_config key (`aws`, `aws.west`, `module.x:aws`) -> its region, when constant."""
    out: dict[str, str] = {}
    variables = _obj(doc.get("variables"))
    for key, provider in _providers(doc).items():
        expression = _obj(_obj(_obj(provider).get("expressions")).get("region"))
        region = expression.get("constant_value")
        references = expression.get("references")
        if region is None and ":" not in key and isinstance(references, list) and len(references) == 1 \
                and str(references[0]).startswith("var."):
            # A root provider's `region = var.x`: the plan lists the variable's value.
            region = _obj(variables.get(str(references[0])[4:])).get("value")
        if isinstance(region, str):
            out[key] = region
    return out


def provider_key(res: Instance, config: ConfigIndex) -> str | None:
    kind = ("data." if res.mode == "data" else "") + f"{res.type}.{res.name}"
    key = config.resource(tuple(n for n, _ in _segments(res.module)), kind).get("provider_config_key")
    return key if isinstance(key, str) else None


def provider_accounts(doc: dict[str, Any], resources: Sequence[Instance], config: ConfigIndex
                      ) -> dict[str, str]:
    """provider_config key -> the one account it manages, where the plan says so and agrees with
    itself: `allowed_account_ids` of one account, the account of its `assume_role`, its
    `aws_caller_identity`, the ARNs of the resources it manages. (Which account a role or policy
    is created in decides whether it is another account's: the consumer side of a share.)"""
    said: dict[str, set[str]] = {}
    for key, provider in _providers(doc).items():
        expressions = _obj(_obj(provider).get("expressions"))
        allowed = _obj(expressions.get("allowed_account_ids")).get("constant_value")
        if isinstance(allowed, list) and len(allowed) == 1 and _is_account(allowed[0]):
            said.setdefault(key, set()).add(str(allowed[0]))
        for assume in expressions.get("assume_role") or []:
            assumed = arn_account(_obj(_obj(assume).get("role_arn")).get("constant_value"))
            if assumed:
                said.setdefault(key, set()).add(assumed)
    for res in resources:
        used = provider_key(res, config)
        if used is None:
            continue
        found: object = None
        if res.type == "aws_caller_identity" and res.mode == "data":
            found = res.values.get("account_id")
        elif res.mode == "managed" and res.type.startswith("aws_"):
            found = arn_account(res.values.get("arn"))
        if isinstance(found, str) and _is_account(found):
            said.setdefault(used, set()).add(found)
    return {key: next(iter(accounts)) for key, accounts in said.items() if len(accounts) == 1}


def owner_facts(doc: dict[str, Any], resources: Sequence[Instance], config: ConfigIndex
                ) -> tuple[list[str], list[str], list[str]]:
    """Accounts the plan proves are the configuration's own, with where each came from: those
    of the provider configurations that create the secrets (the owner of a resource is the
    account of the provider that creates it), of every provider when none is known."""
    secret_keys = {provider_key(r, config) for r in resources
                   if r.mode == "managed" and r.type in _SECRET_TYPES} - {None}

    def creates_secrets(res: Instance) -> bool:
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
        elif res.mode == "managed" and res.type.startswith("aws_") and creates_secrets(res):
            account = arn_account(res.values.get("arn"))
            if account:
                owners.setdefault(account, f"the ARN of {res.address}")
    for key, provider in sorted(_providers(doc).items()):
        if secret_keys and key not in secret_keys:
            continue
        expr = _obj(_obj(_obj(provider).get("expressions")).get("allowed_account_ids"))
        for account in expr.get("constant_value") or []:
            if isinstance(account, str) and account.isdigit():
                owners.setdefault(account, f"allowed_account_ids of provider {key}")
    ordered = sorted(owners)
    return ordered, [f"{a} ({owners[a]})" for a in ordered], sorted(callers)


def _providers(doc: dict[str, Any]) -> dict[str, Any]:
    return _obj(_obj(doc.get("configuration")).get("provider_config"))


def _is_account(value: object) -> bool:
    return isinstance(value, str) and len(value) == 12 and value.isdigit()


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
