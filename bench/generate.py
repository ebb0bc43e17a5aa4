"""Deterministic generator of realistic Terraform plans and matching HCL directories.

    python -m bench.generate N OUT_DIR [--check]

writes OUT_DIR/plan.json (format 1.2, the shape Terraform 1.11 with the AWS provider 5.x
emits: resource_changes with before/after/after_unknown/after_sensitive, planned_values,
prior_state with the data sources read while planning, configuration with expressions and
references) and, beside it, the .tf files it was planned from, with N *units*:

- a KMS key with a key policy (some grant the consumer account kms:Decrypt through Secrets
  Manager, some without kms:ViaService, some not at all) and an alias;
- a secret, encrypted with that key (by key ARN or alias ARN) or with the AWS-managed key;
- a secret policy that grants another account, by its root, a role or a user;

written four ways (one block per unit at the root, `for_each` blocks at the root, a local
module per unit, a `for_each` module call), some already applied (no-op, every value known),
some new (ARNs known only after apply, so tfcheck must follow the configuration's
references). Beside the units: unrelated resources (S3, SQS, SNS, IAM roles, log groups,
SSM parameters), 60% of the resources.

`expected(N)` counts the findings each rule must report; `--check` runs tfcheck on the plan
(without and with its source) and on the directory, and fails unless it finds exactly those.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GENERATOR_VERSION = "1"
OWNER = "111111111111"
REGION = "us-east-1"
ENVIRONMENT = "prod"
CONSUMERS = ("222222222222", "333333333333", "444444444444", "555555555555", "666666666666")
TEAM_SIZE = 10
UNRELATED_PER_UNIT = 6  # 4 resources per unit, 6 unrelated: 60% of the total
PROVIDER = "registry.terraform.io/hashicorp/aws"
TF_VERSION = "1.11.4"
DEFAULT_TAGS = {"Environment": ENVIRONMENT, "ManagedBy": "terraform",
                "Repository": "github.com/example-org/platform-infrastructure", "Service": "platform"}

# How a team of units is written.
ROOT, ROOT_FOR_EACH, MODULE, MODULE_FOR_EACH = "root", "root-for-each", "module", "module-for-each"
KINDS = (ROOT, ROOT_FOR_EACH, MODULE, MODULE_FOR_EACH)


# --------------------------------------------------------------------------- the units


@dataclass(frozen=True)
class Unit:
    index: int
    team: int
    slot: int
    kind: str
    existing: bool
    """Already applied: the plan is a no-op and knows every value."""
    cmk: str
    """How the secret names its key: "key" (key ARN), "alias" (alias ARN) or "none"."""
    principal: str
    """"root", "role" or "user" of the consumer account."""
    consumer: str
    grant: str
    """What the key policy gives the consumer: "via-service", "plain" or "none"."""
    block_public: bool

    @property
    def key(self) -> str:
        return f"u{self.slot:02d}"

    @property
    def label(self) -> str:
        return f"t{self.team:04d}_{self.key}"

    @property
    def team_name(self) -> str:
        return f"team_{self.team:04d}"

    @property
    def reader(self) -> str:
        if self.principal == "root":
            return f"arn:aws:iam::{self.consumer}:root"
        if self.principal == "role":
            return f"arn:aws:iam::{self.consumer}:role/reader-{self.label.replace('_', '-')}"
        return f"arn:aws:iam::{self.consumer}:user/reader-{self.label.replace('_', '-')}"

    @property
    def secret_name(self) -> str:
        return f"{ENVIRONMENT}/{self.label.replace('_', '/')}"


def units(n: int) -> list[Unit]:
    out = []
    for i in range(n):
        team, slot = divmod(i, TEAM_SIZE)
        kind = KINDS[team % len(KINDS)]
        # for_each teams share one secret block: the key choice is the team's.
        choice = team % 5 if kind in (ROOT_FOR_EACH, MODULE_FOR_EACH) else i % 5
        cmk = "none" if choice == 2 else "alias" if choice == 3 else "key"
        if kind in (MODULE, MODULE_FOR_EACH) and cmk == "alias":
            cmk = "key"  # the module names its own key by ARN
        out.append(Unit(
            index=i, team=team, slot=slot, kind=kind, existing=team % 3 == 1, cmk=cmk,
            principal=("root", "role", "user")[i % 3], consumer=CONSUMERS[i % len(CONSUMERS)],
            grant=("via-service", "via-service", "plain", "none")[i % 4],
            block_public=i % 7 != 3,
        ))
    return out


def expected(n: int, plan: bool = True) -> dict[str, int]:
    """Findings per rule that tfcheck must report on the generated inputs (by design); `plan`:
    the input is the plan (a directory has no state before it, so no new access)."""
    found: Counter[str] = Counter()
    for u in units(n):
        if u.cmk == "none":
            found["cross-account-secret-without-cmk"] += 1
        elif u.grant == "none":
            found["cmk-missing-cross-account-grant"] += 1
        elif u.grant == "plain":
            found["cmk-grant-without-via-service"] += 1
        if u.principal != "root":
            found["principal-not-account-root"] += 1
        if not u.block_public:
            found["secret-policy-block-public-disabled"] += 1
        if plan and not u.existing and u.cmk != "none" and u.grant != "none":
            # A secret the plan creates, shared with an account its key lets decrypt: new access.
            found["new-cross-account-access"] += 1
    return dict(sorted(found.items()))


# --------------------------------------------------------------------------- values


def _hash(*parts: object, length: int = 32) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:length]


def _uuid(*parts: object) -> str:
    h = _hash(*parts)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def jsonencode(value: Any) -> str:
    """Terraform's jsonencode: object keys sorted, no spaces."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def admin_statement() -> dict[str, Any]:
    return {"Sid": "KeyAdministration", "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{OWNER}:root"}, "Action": "kms:*", "Resource": "*"}


def grant_statements(u: Unit) -> list[dict[str, Any]]:
    if u.grant == "none":
        return []
    st: dict[str, Any] = {"Sid": "ConsumerDecrypt", "Effect": "Allow",
                          "Principal": {"AWS": f"arn:aws:iam::{u.consumer}:root"},
                          "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*"}
    if u.grant == "via-service":
        st["Condition"] = {"StringEquals": {"kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"}}
    return [st]


def key_policy(u: Unit) -> str:
    return jsonencode({"Version": "2012-10-17", "Statement": [admin_statement(), *grant_statements(u)]})


def secret_policy(u: Unit) -> str:
    return jsonencode({"Version": "2012-10-17", "Statement": [{
        "Sid": "CrossAccountRead", "Effect": "Allow", "Principal": {"AWS": u.reader},
        "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        "Resource": "*"}]})


# --------------------------------------------------------------------------- plan pieces


@dataclass
class Instance:
    """One resource instance of the plan, with what each section of the plan needs."""

    address: str
    module: str
    mode: str
    type: str
    name: str
    index: str | None
    after: dict[str, Any]
    unknown: dict[str, Any]
    sensitive: dict[str, Any]
    existing: bool

    def change(self) -> dict[str, Any]:
        out: dict[str, Any] = {"address": self.address}
        if self.module:
            out["module_address"] = self.module
        out.update(mode=self.mode, type=self.type, name=self.name)
        if self.index is not None:
            out["index"] = self.index
        out["provider_name"] = PROVIDER
        if self.existing:
            out["change"] = {"actions": ["no-op"], "before": self.after, "after": self.after,
                             "after_unknown": {}, "before_sensitive": self.sensitive,
                             "after_sensitive": self.sensitive}
        else:
            out["change"] = {"actions": ["create"], "before": None, "after": self.after,
                             "after_unknown": self.unknown, "before_sensitive": False,
                             "after_sensitive": self.sensitive}
        return out

    def state(self) -> dict[str, Any]:
        out: dict[str, Any] = {"address": self.address, "mode": self.mode, "type": self.type,
                               "name": self.name}
        if self.index is not None:
            out["index"] = self.index
        out.update(provider_name=PROVIDER, schema_version=0, values=self.after,
                   sensitive_values=self.sensitive)
        return out


class Addr:
    """Where an instance lives: its module instance and its resource name and key."""

    def __init__(self, module: str, type_: str, name: str, index: str | None = None,
                 mode: str = "managed") -> None:
        self.module, self.type, self.name, self.index, self.mode = module, type_, name, index, mode

    @property
    def address(self) -> str:
        base = ("data." if self.mode == "data" else "") + f"{self.type}.{self.name}"
        if self.index is not None:
            base += f'["{self.index}"]'
        return f"{self.module}.{base}" if self.module else base


def _inst(at: Addr, after: dict[str, Any], unknown: dict[str, Any], sensitive: dict[str, Any],
          existing: bool) -> Instance:
    return Instance(at.address, at.module, at.mode, at.type, at.name, at.index, after, unknown,
                    sensitive, existing)


def _arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{OWNER}:{resource}"


def kms_key(at: Addr, description: str, policy: str, existing: bool) -> Instance:
    if existing:
        key_id = _uuid("key", at.address)
        after = {"arn": _arn("kms", f"key/{key_id}"), "bypass_policy_lockout_safety_check": False,
                 "custom_key_store_id": "", "customer_master_key_spec": "SYMMETRIC_DEFAULT",
                 "deletion_window_in_days": None, "description": description,
                 "enable_key_rotation": True, "id": key_id, "is_enabled": True, "key_id": key_id,
                 "key_usage": "ENCRYPT_DECRYPT", "multi_region": False, "policy": policy,
                 "rotation_period_in_days": 365, "tags": {}, "tags_all": dict(DEFAULT_TAGS),
                 "timeouts": None, "xks_key_id": ""}
        return _inst(at, after, {}, {"tags": {}, "tags_all": {}}, True)
    after = {"bypass_policy_lockout_safety_check": False, "custom_key_store_id": None,
             "customer_master_key_spec": "SYMMETRIC_DEFAULT", "deletion_window_in_days": None,
             "description": description, "enable_key_rotation": True, "is_enabled": True,
             "key_usage": "ENCRYPT_DECRYPT", "policy": policy, "tags": None,
             "tags_all": dict(DEFAULT_TAGS), "timeouts": None, "xks_key_id": None}
    unknown = {"arn": True, "id": True, "key_id": True, "multi_region": True,
               "rotation_period_in_days": True, "tags_all": {}}
    return _inst(at, after, unknown, {"tags_all": {}}, False)


def key_arn(key: Instance) -> str:
    return str(key.after["arn"])


def kms_alias(at: Addr, name: str, key: Instance, existing: bool) -> Instance:
    if existing:
        after = {"arn": _arn("kms", name), "id": name, "name": name, "name_prefix": "",
                 "target_key_arn": key.after["arn"], "target_key_id": key.after["key_id"]}
        return _inst(at, after, {}, {}, True)
    unknown = {"arn": True, "id": True, "name_prefix": True, "target_key_arn": True,
               "target_key_id": True}
    return _inst(at, {"name": name}, unknown, {}, False)


def secret(at: Addr, name: str, description: str, kms: Instance | None, policy: str,
           existing: bool) -> Instance:
    if existing:
        arn = _arn("secretsmanager", f"secret:{name}-{_hash('secret', at.address, length=6)}")
        after: dict[str, Any] = {
                 "arn": arn, "description": description, "force_overwrite_replica_secret": False,
                 "id": arn, "kms_key_id": kms.after["arn"] if kms else "", "name": name,
                 "name_prefix": "", "policy": policy, "recovery_window_in_days": 30,
                 "replica": [], "tags": {}, "tags_all": dict(DEFAULT_TAGS)}
        return _inst(at, after, {}, {"replica": [], "tags": {}, "tags_all": {}}, True)
    after = {"description": description, "force_overwrite_replica_secret": False, "name": name,
             "recovery_window_in_days": 30, "tags": None, "tags_all": dict(DEFAULT_TAGS)}
    unknown = {"arn": True, "id": True, "name_prefix": True, "policy": True, "replica": True,
               "tags_all": {}}
    if kms is None:
        after["kms_key_id"] = None
    else:
        unknown["kms_key_id"] = True
    return _inst(at, dict(sorted(after.items())), dict(sorted(unknown.items())),
                 {"replica": [], "tags_all": {}}, False)


def secret_policy_res(at: Addr, sec: Instance, policy: str, block_public: bool | None,
                      existing: bool) -> Instance:
    if existing:
        after = {"block_public_policy": block_public, "id": sec.after["arn"], "policy": policy,
                 "secret_arn": sec.after["arn"]}
        return _inst(at, after, {}, {}, True)
    return _inst(at, {"block_public_policy": block_public, "policy": policy},
                 {"id": True, "secret_arn": True}, {}, False)


def unrelated(module: str, label: str, existing: bool) -> list[Instance]:
    """Six resources no tfcheck rule reads, as the AWS provider plans them."""
    dash = label.replace("_", "-")
    tags = dict(DEFAULT_TAGS)
    out = []
    after: dict[str, Any]
    unknown: dict[str, Any]
    sens: dict[str, Any]
    # S3 bucket
    at = Addr(module, "aws_s3_bucket", label)
    bucket = f"{ENVIRONMENT}-{dash}-artifacts"
    if existing:
        after = {"acceleration_status": "", "acl": None, "arn": f"arn:aws:s3:::{bucket}",
                 "bucket": bucket, "bucket_domain_name": f"{bucket}.s3.amazonaws.com",
                 "bucket_prefix": "", "bucket_regional_domain_name": f"{bucket}.s3.us-east-1.amazonaws.com",
                 "cors_rule": [], "force_destroy": False, "grant": [{
                     "id": _hash("canonical", OWNER, length=64), "permissions": ["FULL_CONTROL"],
                     "type": "CanonicalUser", "uri": ""}],
                 "hosted_zone_id": "Z3AQBSTGFYJSTF", "id": bucket, "lifecycle_rule": [], "logging": [],
                 "object_lock_configuration": [], "object_lock_enabled": False, "policy": "",
                 "region": REGION, "replication_configuration": [], "request_payer": "BucketOwner",
                 "server_side_encryption_configuration": [{"rule": [{
                     "apply_server_side_encryption_by_default": [{"kms_master_key_id": "",
                                                                 "sse_algorithm": "AES256"}],
                     "bucket_key_enabled": False}]}],
                 "tags": {}, "tags_all": tags, "timeouts": None, "versioning": [
                     {"enabled": False, "mfa_delete": False}], "website": [],
                 "website_domain": None, "website_endpoint": None}
        sens = {"cors_rule": [], "grant": [{"permissions": [False]}], "lifecycle_rule": [],
                "logging": [], "object_lock_configuration": [], "replication_configuration": [],
                "server_side_encryption_configuration": [{"rule": [{
                    "apply_server_side_encryption_by_default": [{}]}]}],
                "tags": {}, "tags_all": {}, "versioning": [{}], "website": []}
        out.append(_inst(at, after, {}, sens, True))
    else:
        after = {"bucket": bucket, "force_destroy": False, "tags": None, "tags_all": tags,
                 "timeouts": None}
        unknown = {k: True for k in (
            "acceleration_status", "acl", "arn", "bucket_domain_name", "bucket_prefix",
            "bucket_regional_domain_name", "cors_rule", "grant", "hosted_zone_id", "id",
            "lifecycle_rule", "logging", "object_lock_configuration", "object_lock_enabled", "policy",
            "region", "replication_configuration", "request_payer",
            "server_side_encryption_configuration", "versioning", "website", "website_domain",
            "website_endpoint")}
        unknown["tags_all"] = {}
        sens = {"cors_rule": [], "grant": [], "lifecycle_rule": [], "logging": [],
                "object_lock_configuration": [], "replication_configuration": [],
                "server_side_encryption_configuration": [], "tags_all": {}, "versioning": [],
                "website": []}
        out.append(_inst(at, dict(sorted(after.items())), dict(sorted(unknown.items())), sens, False))
    # SQS queue
    at = Addr(module, "aws_sqs_queue", label)
    qname = f"{dash}-jobs"
    after = {"content_based_deduplication": False, "delay_seconds": 0, "fifo_queue": False,
             "kms_data_key_reuse_period_seconds": 300, "kms_master_key_id": None,
             "max_message_size": 262144, "message_retention_seconds": 345600, "name": qname,
             "receive_wait_time_seconds": 0, "sqs_managed_sse_enabled": True, "tags": None,
             "tags_all": tags, "timeouts": None, "visibility_timeout_seconds": 60}
    if existing:
        arn = _arn("sqs", qname)
        after.update(arn=arn, deduplication_scope="", fifo_throughput_limit="", id=
                     f"https://sqs.{REGION}.amazonaws.com/{OWNER}/{qname}", kms_master_key_id="",
                     name_prefix="", policy="", redrive_allow_policy="", redrive_policy="", tags={},
                     url=f"https://sqs.{REGION}.amazonaws.com/{OWNER}/{qname}")
        out.append(_inst(at, dict(sorted(after.items())), {}, {"tags": {}, "tags_all": {}}, True))
    else:
        unknown = {k: True for k in ("arn", "deduplication_scope", "fifo_throughput_limit", "id",
                                     "name_prefix", "policy", "redrive_allow_policy",
                                     "redrive_policy", "url")}
        unknown["tags_all"] = {}
        out.append(_inst(at, after, dict(sorted(unknown.items())), {"tags_all": {}}, False))
    # IAM role
    at = Addr(module, "aws_iam_role", label)
    rname = f"{dash}-task"
    assume = jsonencode({"Version": "2012-10-17", "Statement": [{
        "Action": "sts:AssumeRole", "Effect": "Allow",
        "Principal": {"Service": "ecs-tasks.amazonaws.com"},
        "Condition": {"StringEquals": {"aws:SourceAccount": OWNER}}}]})
    after = {"assume_role_policy": assume, "description": None, "force_detach_policies": False,
             "max_session_duration": 3600, "name": rname, "path": "/", "permissions_boundary": None,
             "tags": None, "tags_all": tags}
    if existing:
        after.update(arn=f"arn:aws:iam::{OWNER}:role/{rname}", create_date="2025-06-02T09:14:11Z",
                     description="", id=rname, inline_policy=[], managed_policy_arns=[],
                     name_prefix="", permissions_boundary="", tags={},
                     unique_id="AROA" + _hash("role", label, length=17).upper())
        out.append(_inst(at, dict(sorted(after.items())), {}, {
            "inline_policy": [], "managed_policy_arns": [], "tags": {}, "tags_all": {}}, True))
    else:
        unknown = {k: True for k in ("arn", "create_date", "id", "inline_policy",
                                     "managed_policy_arns", "name_prefix", "unique_id")}
        unknown["tags_all"] = {}
        out.append(_inst(at, after, dict(sorted(unknown.items())),
                         {"inline_policy": [], "managed_policy_arns": [], "tags_all": {}}, False))
    # CloudWatch log group
    at = Addr(module, "aws_cloudwatch_log_group", label)
    lname = f"/{ENVIRONMENT}/{dash}"
    after = {"name": lname, "retention_in_days": 30, "skip_destroy": False, "tags": None,
             "tags_all": tags}
    if existing:
        after.update(arn=_arn("logs", f"log-group:{lname}"), id=lname, kms_key_id="",
                     log_group_class="STANDARD", name_prefix="", tags={})
        out.append(_inst(at, dict(sorted(after.items())), {}, {"tags": {}, "tags_all": {}}, True))
    else:
        unknown = {"arn": True, "id": True, "kms_key_id": True, "log_group_class": True,
                   "name_prefix": True, "tags_all": {}}
        out.append(_inst(at, after, unknown, {"tags_all": {}}, False))
    # SSM parameter
    at = Addr(module, "aws_ssm_parameter", label)
    pname = f"/{ENVIRONMENT}/{dash}/endpoint"
    after = {"allowed_pattern": None, "description": None, "name": pname, "overwrite": None,
             "tags": None, "tags_all": tags, "type": "String",
             "value": f"https://{dash}.internal.example.com", "value_wo": None,
             "value_wo_version": None}
    if existing:
        after.update(allowed_pattern="", arn=_arn("ssm", f"parameter{pname}"), data_type="text",
                     description="", has_value_wo=False, id=pname, insecure_value=None, key_id="",
                     tags={}, tier="Standard", version=1)
        out.append(_inst(at, dict(sorted(after.items())), {},
                         {"tags": {}, "tags_all": {}, "value": True, "value_wo": True}, True))
    else:
        unknown = {k: True for k in ("arn", "data_type", "has_value_wo", "id", "insecure_value",
                                     "key_id", "tier", "version")}
        unknown["tags_all"] = {}
        out.append(_inst(at, after, dict(sorted(unknown.items())),
                         {"tags_all": {}, "value": True, "value_wo": True}, False))
    # SNS topic
    at = Addr(module, "aws_sns_topic", label)
    tname = f"{dash}-events"
    after = {k: None for k in (
        "application_failure_feedback_role_arn", "application_success_feedback_role_arn",
        "application_success_feedback_sample_rate", "archive_policy", "delivery_policy",
        "display_name", "firehose_failure_feedback_role_arn", "firehose_success_feedback_role_arn",
        "firehose_success_feedback_sample_rate", "http_failure_feedback_role_arn",
        "http_success_feedback_role_arn", "http_success_feedback_sample_rate", "kms_master_key_id",
        "lambda_failure_feedback_role_arn", "lambda_success_feedback_role_arn",
        "lambda_success_feedback_sample_rate", "sqs_failure_feedback_role_arn",
        "sqs_success_feedback_role_arn", "sqs_success_feedback_sample_rate", "tags")}
    after.update(content_based_deduplication=False, fifo_topic=False, name=tname, tags_all=tags)
    if existing:
        arn = _arn("sns", tname)
        after.update(arn=arn, beginning_archive_time="", fifo_throughput_scope="", id=arn,
                     name_prefix="", owner=OWNER, policy=jsonencode({
                         "Version": "2008-10-17", "Id": "__default_policy_ID", "Statement": [{
                             "Sid": "__default_statement_ID", "Effect": "Allow",
                             "Principal": {"AWS": "*"}, "Action": ["SNS:GetTopicAttributes",
                                                                   "SNS:Publish"],
                             "Resource": arn,
                             "Condition": {"StringEquals": {"AWS:SourceOwner": OWNER}}}]}),
                     signature_version=0, tags={}, tracing_config="")
        out.append(_inst(at, dict(sorted(after.items())), {}, {"tags": {}, "tags_all": {}}, True))
    else:
        unknown = {k: True for k in ("arn", "beginning_archive_time", "fifo_throughput_scope", "id",
                                     "name_prefix", "owner", "policy", "signature_version",
                                     "tracing_config")}
        unknown["tags_all"] = {}
        out.append(_inst(at, dict(sorted(after.items())), dict(sorted(unknown.items())),
                         {"tags_all": {}}, False))
    return out


# --------------------------------------------------------------------------- configuration


def refs(*names: str) -> dict[str, Any]:
    return {"references": list(names)}


def const(value: Any) -> dict[str, Any]:
    return {"constant_value": value}


def res_config(type_: str, name: str, expressions: dict[str, Any], for_each: str | None = None,
               mode: str = "managed") -> dict[str, Any]:
    address = ("data." if mode == "data" else "") + f"{type_}.{name}"
    out: dict[str, Any] = {"address": address, "mode": mode, "type": type_, "name": name,
                           "provider_config_key": "aws"}
    if expressions:
        out["expressions"] = expressions
    out["schema_version"] = 0
    if for_each:
        out["for_each_expression"] = refs(for_each)
    return out


def unrelated_config(label: str) -> list[dict[str, Any]]:
    return [
        res_config("aws_s3_bucket", label, {"bucket": refs("var.environment")}),
        res_config("aws_sqs_queue", label, {"name": const(f"{label.replace('_', '-')}-jobs"),
                                            "sqs_managed_sse_enabled": const(True),
                                            "visibility_timeout_seconds": const(60)}),
        res_config("aws_iam_role", label, {
            "assume_role_policy": refs("data.aws_caller_identity.current.account_id",
                                       "data.aws_caller_identity.current"),
            "name": const(f"{label.replace('_', '-')}-task")}),
        res_config("aws_cloudwatch_log_group", label, {"name": refs("var.environment"),
                                                       "retention_in_days": const(30)}),
        res_config("aws_ssm_parameter", label, {"name": refs("var.environment"),
                                                "type": const("String"),
                                                "value": const(f"https://{label.replace('_', '-')}"
                                                               ".internal.example.com")}),
        res_config("aws_sns_topic", label, {"name": const(f"{label.replace('_', '-')}-events")}),
    ]


def module_config(cmk: bool) -> dict[str, Any]:
    """The `module` part of a module call: the configuration of ./modules/secret_{cmk,default}."""
    secret_expr = {"description": refs("var.reader"), "name": refs("var.name")}
    if cmk:
        secret_expr["kms_key_id"] = refs("aws_kms_key.this.arn", "aws_kms_key.this")
    return {
        "outputs": {
            "key_arn": {"expression": refs("aws_kms_key.this.arn", "aws_kms_key.this")},
            "secret_arn": {"expression": refs("aws_secretsmanager_secret.this.arn",
                                              "aws_secretsmanager_secret.this")},
        },
        "resources": [
            res_config("aws_kms_alias", "this", {
                "name": refs("var.name"),
                "target_key_id": refs("aws_kms_key.this.key_id", "aws_kms_key.this")}),
            res_config("aws_kms_key", "this", {
                "description": refs("var.name"), "enable_key_rotation": const(True),
                "policy": refs("data.aws_caller_identity.current.account_id",
                               "data.aws_caller_identity.current", "var.key_statements")}),
            res_config("aws_secretsmanager_secret", "this", dict(sorted(secret_expr.items()))),
            res_config("aws_secretsmanager_secret_policy", "this", {
                "block_public_policy": refs("var.block_public_policy"),
                "policy": refs("var.reader"),
                "secret_arn": refs("aws_secretsmanager_secret.this.arn",
                                   "aws_secretsmanager_secret.this")}),
            res_config("aws_caller_identity", "current", {}, mode="data"),
        ],
        "variables": {
            "block_public_policy": {"default": True},
            "key_statements": {"default": [], "description": "Key policy statements for consumers"},
            "name": {"description": "Secret name; also names the key alias"},
            "reader": {"description": "The principal (another account) that reads the secret"},
        },
    }


# --------------------------------------------------------------------------- HCL text


class Raw(str):
    """HCL source written as is (an expression), not quoted."""


def hcl(value: Any, indent: int = 0) -> str:
    pad = "  " * indent
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        if not value:
            return "[]"
        if all(not isinstance(v, (dict, list)) for v in value):
            return "[" + ", ".join(hcl(v) for v in value) + "]"
        return "[\n" + ",\n".join(f"{pad}  {hcl(v, indent + 1)}" for v in value) + f",\n{pad}]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        width = max(len(_hcl_key(k)) for k in value)
        lines = [f"{pad}  {_hcl_key(k):<{width}} = {hcl(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + "\n".join(lines) + f"\n{pad}}}"
    raise TypeError(type(value))


def _hcl_key(key: str) -> str:
    return key if key.replace("_", "a").isalnum() and not key[0].isdigit() else json.dumps(key)


def block(head: str, body: dict[str, Any]) -> str:
    width = max((len(k) for k in body), default=0)
    lines = [f"  {k:<{width}} = {hcl(v, 1)}" for k, v in body.items()]
    return f"{head} {{\n" + "\n".join(lines) + "\n}\n"


def hcl_grants(u: Unit) -> list[dict[str, Any]]:
    out = []
    for st in grant_statements(u):
        st = dict(st)
        if "Condition" in st:
            st["Condition"] = {"StringEquals": {
                "kms:ViaService": Raw('"secretsmanager.${var.region}.amazonaws.com"')}}
        out.append(st)
    return out


ADMIN_HCL = {"Sid": "KeyAdministration", "Effect": "Allow",
             "Principal": {"AWS": Raw('"arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"')},
             "Action": "kms:*", "Resource": "*"}


def hcl_secret_policy(reader: Any) -> Raw:
    return Raw("jsonencode(" + hcl({"Version": "2012-10-17", "Statement": [{
        "Sid": "CrossAccountRead", "Effect": "Allow", "Principal": {"AWS": reader},
        "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        "Resource": "*"}]}, 1) + ")")


def hcl_unrelated(label: str) -> str:
    dash = label.replace("_", "-")
    return "\n".join([
        block(f'resource "aws_s3_bucket" "{label}"',
              {"bucket": Raw(f'"${{var.environment}}-{dash}-artifacts"')}),
        block(f'resource "aws_sqs_queue" "{label}"',
              {"name": f"{dash}-jobs", "visibility_timeout_seconds": 60,
               "sqs_managed_sse_enabled": True}),
        block(f'resource "aws_iam_role" "{label}"', {
            "name": f"{dash}-task",
            "assume_role_policy": Raw("jsonencode(" + hcl({"Version": "2012-10-17", "Statement": [{
                "Action": "sts:AssumeRole", "Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Condition": {"StringEquals": {
                    "aws:SourceAccount": Raw("data.aws_caller_identity.current.account_id")}}}]},
                1) + ")")}),
        block(f'resource "aws_cloudwatch_log_group" "{label}"',
              {"name": Raw(f'"/${{var.environment}}/{dash}"'), "retention_in_days": 30}),
        block(f'resource "aws_ssm_parameter" "{label}"',
              {"name": Raw(f'"/${{var.environment}}/{dash}/endpoint"'), "type": "String",
               "value": f"https://{dash}.internal.example.com"}),
        block(f'resource "aws_sns_topic" "{label}"', {"name": f"{dash}-events"}),
    ])


MODULE_MAIN = '''data "aws_caller_identity" "current" {}

resource "aws_kms_key" "this" {
  description         = var.name
  enable_key_rotation = true

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([{
      Sid       = "KeyAdministration"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }], var.key_statements)
  })
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}

resource "aws_secretsmanager_secret" "this" {
  name        = var.name
  description = "Read by ${var.reader}"
%KMS%}

resource "aws_secretsmanager_secret_policy" "this" {
  secret_arn          = aws_secretsmanager_secret.this.arn
  block_public_policy = var.block_public_policy

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "CrossAccountRead"
      Effect    = "Allow"
      Principal = { AWS = var.reader }
      Action    = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
      Resource  = "*"
    }]
  })
}
'''

MODULE_VARIABLES = '''variable "name" {
  description = "Secret name; also names the key alias"
  type        = string
}

variable "reader" {
  description = "The principal (another account) that reads the secret"
  type        = string
}

variable "key_statements" {
  description = "Key policy statements for consumers"
  type        = any
  default     = []
}

variable "block_public_policy" {
  type    = bool
  default = true
}
'''

MODULE_OUTPUTS = '''output "key_arn" {
  value = aws_kms_key.this.arn
}

output "secret_arn" {
  value = aws_secretsmanager_secret.this.arn
}
'''

ROOT_MAIN = f'''terraform {{
  required_version = ">= 1.6.0"

  required_providers {{
    aws = {{
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }}
  }}
}}

provider "aws" {{
  region = var.region

  default_tags {{
    tags = {{
      Environment = var.environment
      ManagedBy   = "terraform"
      Repository  = "github.com/example-org/platform-infrastructure"
      Service     = "platform"
    }}
  }}
}}

variable "region" {{
  type    = string
  default = "{REGION}"
}}

variable "environment" {{
  type    = string
  default = "{ENVIRONMENT}"
}}

data "aws_caller_identity" "current" {{}}
'''


# --------------------------------------------------------------------------- the generator


class Plan:
    def __init__(self) -> None:
        self.instances: list[Instance] = []
        self.data: list[Instance] = []
        self.config_resources: list[dict[str, Any]] = []
        self.module_calls: dict[str, Any] = {}

    def add(self, *items: Instance) -> None:
        self.instances.extend(items)

    def document(self) -> dict[str, Any]:
        changes = sorted(self.instances, key=lambda x: x.address)
        return {
            "format_version": "1.2",
            "terraform_version": TF_VERSION,
            "variables": {"environment": {"value": ENVIRONMENT}, "region": {"value": REGION}},
            "planned_values": {"root_module": _tree(
                [i for i in changes], lambda i: _planned(i))},
            "resource_changes": [i.change() for i in changes],
            "prior_state": {"format_version": "1.0", "terraform_version": TF_VERSION,
                            "values": {"root_module": _tree(
                                sorted([*self.data, *(i for i in changes if i.existing)],
                                       key=lambda x: x.address),
                                lambda i: i.state())}},
            "configuration": {
                "provider_config": {"aws": {
                    "name": "aws", "full_name": PROVIDER, "version_constraint": "~> 5.100",
                    "expressions": {
                        "default_tags": [{"tags": refs("var.environment")}],
                        "region": refs("var.region")}}},
                "root_module": {
                    "resources": sorted(self.config_resources, key=lambda r: r["address"]),
                    "module_calls": dict(sorted(self.module_calls.items())),
                    "variables": {"environment": {"default": ENVIRONMENT},
                                  "region": {"default": REGION}},
                },
            },
            "timestamp": "2025-06-02T09:30:00Z",
            "applyable": True,
            "complete": True,
            "errored": False,
        }


def _planned(i: Instance) -> dict[str, Any]:
    state = i.state()
    if not i.existing:
        state["values"] = {k: v for k, v in i.after.items() if i.unknown.get(k) is not True}
    return state


def _tree(items: list[Instance], render: Any) -> dict[str, Any]:
    """Instances grouped into root_module / child_modules as Terraform nests them."""
    root: dict[str, Any] = {"resources": []}
    children: dict[str, dict[str, Any]] = {}
    for item in items:
        if item.module:
            children.setdefault(item.module, {"resources": [], "address": item.module})
            children[item.module]["resources"].append(render(item))
        else:
            root["resources"].append(render(item))
    if children:
        root["child_modules"] = [children[k] for k in sorted(children)]
    return root


def caller_identity(module: str) -> Instance:
    at = Addr(module, "aws_caller_identity", "current", mode="data")
    return _inst(at, {"account_id": OWNER, "arn": f"arn:aws:sts::{OWNER}:assumed-role/terraform/ci",
                      "id": OWNER, "user_id": "AROAEXAMPLETERRAFORM:ci"}, {}, {}, False)


def generate(n: int, out: Path) -> dict[str, int]:
    """Write plan.json and the .tf files for n units into `out`; the expected findings."""
    if out.exists():
        shutil.rmtree(out)
    (out / "modules" / "secret_cmk").mkdir(parents=True)
    (out / "modules" / "secret_default").mkdir(parents=True)
    for name, kms in (("secret_cmk", "  kms_key_id  = aws_kms_key.this.arn\n"), ("secret_default", "")):
        (out / "modules" / name / "main.tf").write_text(MODULE_MAIN.replace("%KMS%", kms))
        (out / "modules" / name / "variables.tf").write_text(MODULE_VARIABLES)
        (out / "modules" / name / "outputs.tf").write_text(MODULE_OUTPUTS)
    (out / "main.tf").write_text(ROOT_MAIN)
    plan = Plan()
    plan.data.append(caller_identity(""))
    plan.config_resources.append(res_config("aws_caller_identity", "current", {}, mode="data"))
    teams: dict[int, list[Unit]] = {}
    for u in units(n):
        teams.setdefault(u.team, []).append(u)
    for team, members in teams.items():
        writer = {ROOT: _root_units, ROOT_FOR_EACH: _root_for_each, MODULE: _module_units,
                  MODULE_FOR_EACH: _module_for_each}[members[0].kind]
        text = writer(plan, members)
        (out / f"team_{team:04d}.tf").write_text(text)
        apps = []
        for u in members:
            plan.add(*unrelated("", u.label, u.existing))
            plan.config_resources.extend(unrelated_config(u.label))
            apps.append(hcl_unrelated(u.label))
        (out / f"apps_{team:04d}.tf").write_text("\n".join(apps))
    with open(out / "plan.json", "w", encoding="utf-8") as f:
        json.dump(plan.document(), f, indent=None, separators=(",", ":"))
    return expected(n)


def _key_hcl_policy(statements: Any) -> Raw:
    return Raw("jsonencode(" + hcl({"Version": "2012-10-17", "Statement": statements}, 1) + ")")


def _root_units(plan: Plan, members: list[Unit]) -> str:
    """One block of each type per unit, at the root."""
    text = []
    for u in members:
        label, dash = u.label, u.label.replace("_", "-")
        key = kms_key(Addr("", "aws_kms_key", label), f"Secrets of {dash}", key_policy(u), u.existing)
        alias = kms_alias(Addr("", "aws_kms_alias", label), f"alias/{dash}", key, u.existing)
        target = {"key": key, "alias": alias, "none": None}[u.cmk]
        sec = secret(Addr("", "aws_secretsmanager_secret", label), u.secret_name,
                     f"Read by {u.reader}", target, secret_policy(u), u.existing)
        pol = secret_policy_res(Addr("", "aws_secretsmanager_secret_policy", label), sec,
                                secret_policy(u), True if u.block_public else None, u.existing)
        plan.add(key, alias, sec, pol)
        key_refs = ["data.aws_caller_identity.current.account_id", "data.aws_caller_identity.current"]
        if u.grant == "via-service":
            key_refs.append("var.region")
        sec_expr = {"description": const(f"Read by {u.reader}"), "name": refs("var.environment")}
        if u.cmk != "none":
            t = f"aws_kms_{u.cmk}.{label}"
            sec_expr["kms_key_id"] = refs(f"{t}.arn", t)
        # Terraform writes `{}` for an expression of function calls over constants.
        pol_expr: dict[str, Any] = {"policy": {},
                                    "secret_arn": refs(f"aws_secretsmanager_secret.{label}.arn",
                                                       f"aws_secretsmanager_secret.{label}")}
        if u.block_public:
            pol_expr = {"block_public_policy": const(True), **pol_expr}
        plan.config_resources += [
            res_config("aws_kms_key", label, {"description": const(f"Secrets of {dash}"),
                                              "enable_key_rotation": const(True),
                                              "policy": refs(*key_refs)}),
            res_config("aws_kms_alias", label, {"name": const(f"alias/{dash}"),
                                                "target_key_id": refs(f"aws_kms_key.{label}.key_id",
                                                                      f"aws_kms_key.{label}")}),
            res_config("aws_secretsmanager_secret", label, dict(sorted(sec_expr.items()))),
            res_config("aws_secretsmanager_secret_policy", label, pol_expr),
        ]
        text.append(block(f'resource "aws_kms_key" "{label}"', {
            "description": f"Secrets of {dash}", "enable_key_rotation": True,
            "policy": _key_hcl_policy([ADMIN_HCL, *hcl_grants(u)])}))
        text.append(block(f'resource "aws_kms_alias" "{label}"', {
            "name": f"alias/{dash}", "target_key_id": Raw(f"aws_kms_key.{label}.key_id")}))
        body: dict[str, Any] = {"name": Raw(f'"${{var.environment}}/{label.replace("_", "/")}"'),
                                "description": f"Read by {u.reader}"}
        if u.cmk != "none":
            body["kms_key_id"] = Raw(f"aws_kms_{u.cmk}.{label}.arn")
        text.append(block(f'resource "aws_secretsmanager_secret" "{label}"', body))
        body = {"secret_arn": Raw(f"aws_secretsmanager_secret.{label}.arn")}
        if u.block_public:
            body["block_public_policy"] = True
        body["policy"] = hcl_secret_policy(u.reader)
        text.append(block(f'resource "aws_secretsmanager_secret_policy" "{label}"', body))
    return "\n".join(text)


def _team_local(members: list[Unit]) -> dict[str, Any]:
    return {u.key: {"reader": u.reader, "block_public": u.block_public,
                    "key_statements": hcl_grants(u)} for u in members}


def _root_for_each(plan: Plan, members: list[Unit]) -> str:
    """One block of each type with for_each over a local map of the team's units."""
    team = members[0].team_name
    cmk = members[0].cmk
    for u in members:
        dash = u.label.replace("_", "-")
        key = kms_key(Addr("", "aws_kms_key", team, u.key), f"Secrets of {dash}", key_policy(u),
                      u.existing)
        alias = kms_alias(Addr("", "aws_kms_alias", team, u.key), f"alias/{dash}", key, u.existing)
        target = {"key": key, "alias": alias, "none": None}[cmk]
        sec = secret(Addr("", "aws_secretsmanager_secret", team, u.key), u.secret_name,
                     f"Read by {u.reader}", target, secret_policy(u), u.existing)
        pol = secret_policy_res(Addr("", "aws_secretsmanager_secret_policy", team, u.key), sec,
                                secret_policy(u), u.block_public, u.existing)
        plan.add(key, alias, sec, pol)
    each = f"local.{team}"
    sec_expr = {"description": refs("each.value.reader", "each.value"),
                "name": refs("var.environment", "each.key")}
    if cmk != "none":
        sec_expr["kms_key_id"] = refs(f"aws_kms_{cmk}.{team}", "each.key")
    plan.config_resources += [
        res_config("aws_kms_key", team, {
            "description": refs("each.key"), "enable_key_rotation": const(True),
            "policy": refs("data.aws_caller_identity.current.account_id",
                           "data.aws_caller_identity.current", "each.value.key_statements",
                           "each.value")}, for_each=each),
        res_config("aws_kms_alias", team, {"name": refs("each.key"),
                                           "target_key_id": refs(f"aws_kms_key.{team}", "each.key")},
                   for_each=each),
        res_config("aws_secretsmanager_secret", team, dict(sorted(sec_expr.items())), for_each=each),
        res_config("aws_secretsmanager_secret_policy", team, {
            "block_public_policy": refs("each.value.block_public", "each.value"),
            "policy": refs("each.value.reader", "each.value"),
            "secret_arn": refs(f"aws_secretsmanager_secret.{team}", "each.key")}, for_each=each),
    ]
    t = team.replace("team_", "t")
    text = [f"locals {{\n  {team} = {hcl(_team_local(members), 1)}\n}}\n"]
    text.append(block(f'resource "aws_kms_key" "{team}"', {
        "for_each": Raw(each), "description": Raw(f'"Secrets of {t}-${{each.key}}"'),
        "enable_key_rotation": True,
        "policy": Raw("jsonencode(" + hcl({"Version": "2012-10-17", "Statement": Raw(
            "concat([" + hcl(ADMIN_HCL, 2) + "], each.value.key_statements)")}, 1) + ")")}))
    text.append(block(f'resource "aws_kms_alias" "{team}"', {
        "for_each": Raw(each), "name": Raw(f'"alias/{t}-${{each.key}}"'),
        "target_key_id": Raw(f"aws_kms_key.{team}[each.key].key_id")}))
    body: dict[str, Any] = {"for_each": Raw(each),
                            "name": Raw(f'"${{var.environment}}/{t}/${{each.key}}"'),
                            "description": Raw('"Read by ${each.value.reader}"')}
    if cmk != "none":
        body["kms_key_id"] = Raw(f"aws_kms_{cmk}.{team}[each.key].arn")
    text.append(block(f'resource "aws_secretsmanager_secret" "{team}"', body))
    text.append(block(f'resource "aws_secretsmanager_secret_policy" "{team}"', {
        "for_each": Raw(each), "secret_arn": Raw(f"aws_secretsmanager_secret.{team}[each.key].arn"),
        "block_public_policy": Raw("each.value.block_public"),
        "policy": hcl_secret_policy(Raw("each.value.reader"))}))
    return "\n".join(text)


def _module_instances(plan: Plan, module: str, u: Unit, name: str, cmk: bool) -> None:
    key = kms_key(Addr(module, "aws_kms_key", "this"), name, key_policy(u), u.existing)
    alias = kms_alias(Addr(module, "aws_kms_alias", "this"), f"alias/{name}", key, u.existing)
    sec = secret(Addr(module, "aws_secretsmanager_secret", "this"), name, f"Read by {u.reader}",
                 key if cmk else None, secret_policy(u), u.existing)
    pol = secret_policy_res(Addr(module, "aws_secretsmanager_secret_policy", "this"), sec,
                            secret_policy(u), u.block_public, u.existing)
    plan.add(key, alias, sec, pol)
    plan.data.append(caller_identity(module))


def _module_units(plan: Plan, members: list[Unit]) -> str:
    """One module call per unit."""
    text = []
    for u in members:
        cmk = u.cmk != "none"
        name = f"{ENVIRONMENT}-{u.label.replace('_', '-')}"
        _module_instances(plan, f"module.{u.label}", u, name, cmk)
        grants = grant_statements(u)
        key_statements = refs("var.region") if u.grant == "via-service" else const(grants)
        plan.module_calls[u.label] = {
            "source": f"./modules/secret_{'cmk' if cmk else 'default'}",
            "expressions": {"block_public_policy": const(u.block_public),
                            "key_statements": key_statements,
                            "name": refs("var.environment"), "reader": const(u.reader)},
            "module": module_config(cmk),
        }
        text.append(block(f'module "{u.label}"', {
            "source": f"./modules/secret_{'cmk' if cmk else 'default'}",
            "name": Raw(f'"${{var.environment}}-{u.label.replace("_", "-")}"'),
            "reader": u.reader, "key_statements": hcl_grants(u),
            "block_public_policy": u.block_public}))
    return "\n".join(text)


def _module_for_each(plan: Plan, members: list[Unit]) -> str:
    """One module call with for_each over a local map of the team's units."""
    team = members[0].team_name
    cmk = members[0].cmk != "none"
    t = team.replace("team_", "t")
    for u in members:
        _module_instances(plan, f'module.{team}["{u.key}"]', u, f"{ENVIRONMENT}-{t}-{u.key}", cmk)
    plan.module_calls[team] = {
        "source": f"./modules/secret_{'cmk' if cmk else 'default'}",
        "expressions": {"block_public_policy": refs("each.value.block_public", "each.value"),
                        "key_statements": refs("each.value.key_statements", "each.value"),
                        "name": refs("var.environment", "each.key"),
                        "reader": refs("each.value.reader", "each.value")},
        "for_each_expression": refs(f"local.{team}"),
        "module": module_config(cmk),
    }
    return (f"locals {{\n  {team} = {hcl(_team_local(members), 1)}\n}}\n\n"
            + block(f'module "{team}"', {
                "source": f"./modules/secret_{'cmk' if cmk else 'default'}",
                "for_each": Raw(f"local.{team}"),
                "name": Raw(f'"${{var.environment}}-{t}-${{each.key}}"'),
                "reader": Raw("each.value.reader"), "key_statements": Raw("each.value.key_statements"),
                "block_public_policy": Raw("each.value.block_public")}))


# --------------------------------------------------------------------------- the check


def tfcheck_command() -> list[str]:
    script = Path(sys.executable).parent / "tfcheck"
    return [str(script)] if script.exists() else [sys.executable, "-m", "tfcheck"]


def counts(args: list[str]) -> dict[str, int]:
    """Findings per rule of one tfcheck run (JSON report)."""
    done = subprocess.run([*tfcheck_command(), *args, "--format", "json"], capture_output=True,
                          text=True, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"tfcheck {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    report = json.loads(done.stdout)
    return dict(sorted(Counter(f["rule"] for f in report["findings"]).items()))


def check(n: int, out: Path, modes: tuple[str, ...] = ("plan", "plan+source", "hcl")) -> list[str]:
    """Problems: each mode's findings per rule against `expected(n)`."""
    args = {"plan": [str(out / "plan.json"), "--no-source"],
            "plan+source": [str(out / "plan.json")],
            "hcl": [str(out), "--account-id", OWNER]}
    problems = []
    for mode in modes:
        got = counts(args[mode])
        want = expected(n, plan=mode != "hcl")
        if got != want:
            problems.append(f"{mode}: expected {want}, tfcheck found {got}")
    return problems


def stamp(n: int) -> str:
    return f"generator {GENERATOR_VERSION}, {n} units"


def ensure(n: int, root: Path) -> Path:
    """The generated inputs for n units under `root`, generated once (deterministic)."""
    out = root / f"units-{n}"
    marker = out / ".generated"
    if not (marker.exists() and marker.read_text() == stamp(n)):
        generate(n, out)
        marker.write_text(stamp(n))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("units", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--check", action="store_true",
                        help="run tfcheck on the result and compare with the expected findings")
    args = parser.parse_args(argv)
    want = generate(args.units, args.out)
    size = os.path.getsize(args.out / "plan.json")
    print(f"{args.out}: {args.units} units, plan.json {size / 1e6:.1f} MB, expected {want}")
    if args.check:
        problems = check(args.units, args.out)
        for p in problems:
            print(p, file=sys.stderr)
        if problems:
            return 1
        print("tfcheck finds exactly the expected findings (plan, plan+source, directory)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
