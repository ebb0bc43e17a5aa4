"""Which account each provider configuration of a plan manages, and so each resource's account."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tfcheck.model.resource import Resource
from tfcheck.terraform.addresses import arn_account
from tfcheck.terraform.plan.configure import provider_key
from tfcheck.terraform.plan.links import ConfigIndex
from tfcheck.terraform.plan.resources import Stub, obj


def set_accounts(doc: dict[str, Any], resources: Sequence[Resource | Stub], config: ConfigIndex) -> None:
    """Each Resource's account: its ARN's, else the one its provider configuration manages."""
    accounts = provider_accounts(doc, resources, config)
    keys: dict[tuple[str, str, str, str], str | None] = {}  # the instances of a block share its provider
    for res in resources:
        if isinstance(res, Resource):
            res.account = arn_account(res.values.get("arn"))
            if res.account is None and accounts:
                block = (res.module, res.mode, res.type, res.name)
                key = keys[block] if block in keys else keys.setdefault(block, provider_key(res, config))
                res.account = accounts.get(key) if key else None


def provider_accounts(doc: dict[str, Any], resources: Sequence[Resource | Stub], config: ConfigIndex
                      ) -> dict[str, str]:
    """provider_config key -> the one account it manages, where the plan says so and agrees with
    itself: `allowed_account_ids` of one account, the account of its `assume_role`, its
    `aws_caller_identity`, the ARNs of the resources it manages. (Which account a role or policy
    is created in decides whether it is another account's: the consumer side of a share.)"""
    said: dict[str, set[str]] = {}
    for key, provider in obj(obj(doc.get("configuration")).get("provider_config")).items():
        expressions = obj(obj(provider).get("expressions"))
        allowed = obj(expressions.get("allowed_account_ids")).get("constant_value")
        if isinstance(allowed, list) and len(allowed) == 1 and _is_account(allowed[0]):
            said.setdefault(key, set()).add(str(allowed[0]))
        for assume in expressions.get("assume_role") or []:
            assumed = arn_account(obj(obj(assume).get("role_arn")).get("constant_value"))
            if assumed:
                said.setdefault(key, set()).add(assumed)
    for res in resources:
        found: object = None
        if res.type == "aws_caller_identity" and res.mode == "data":
            found = res.values.get("account_id")
        elif res.mode == "managed" and res.type.startswith("aws_"):
            found = arn_account(res.values.get("arn"))
        used = provider_key(res, config) if isinstance(found, str) and _is_account(found) else None
        if used is not None:
            said.setdefault(used, set()).add(str(found))
    return {key: next(iter(accounts)) for key, accounts in said.items() if len(accounts) == 1}


def _is_account(value: object) -> bool:
    return isinstance(value, str) and len(value) == 12 and value.isdigit()
