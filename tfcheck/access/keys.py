"""Which KMS key encrypts a secret (and each replica), and its policy and grants: resolved in the graph."""

from __future__ import annotations

import re
from collections import defaultdict

from tfcheck.access.key_facts import KeyFacts, KeyKind, PolicyState, key_properties
from tfcheck.access.partial import partial_document
from tfcheck.errors import InputError, PolicyError
from tfcheck.iam import Policy, parse_policy
from tfcheck.model.graph import Graph
from tfcheck.model.resource import Resource
from tfcheck.terraform.addresses import arn_account, arn_region

KEY_TYPES = ("aws_kms_key", "aws_kms_replica_key", "aws_kms_external_key")
ALIAS_TYPES = ("aws_kms_alias",)
# `alias/aws/…` names are reserved for AWS-managed keys; Secrets Manager's own is aws/secretsmanager.
_AWS_ALIAS = re.compile(r"^(?:arn:[\w-]+:kms:[\w-]*:\d*:)?alias/aws/")
_ALIAS_ARN = re.compile(r"^arn:[\w-]+:kms:(?P<region>[\w-]+):(?P<account>\d{12}):(?P<name>alias/.+)$")


class KeyResolver:
    """Resolves `kms_key_id` values and references; indexes key policies and grants once."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._policies: dict[str, list[Resource]] = defaultdict(list)
        self._grants: dict[str, list[Resource]] = defaultdict(list)
        self._parsed: dict[tuple[str, str], Policy] = {}
        # Policies repeat (one module, many instances): each distinct text is parsed once.
        self._by_text: dict[tuple[str, bool], Policy] = {}
        for res in graph.of_type("aws_kms_key_policy"):
            for key in self.keys_named(res, "key_id"):
                self._policies[key.address].append(res)
        for res in graph.of_type("aws_kms_grant"):
            for key in self.keys_named(res, "key_id"):
                self._grants[key.address].append(res)

    def resolve(self, res: Resource, attribute: str = "kms_key_id") -> KeyFacts:
        """The key that `res.attribute` names."""
        if not res.is_unknown(attribute):
            return self._from_value(res.get(attribute), (), res.region)
        return self._configured(res, attribute, res.region)

    def _configured(self, res: Resource, link_name: str, region: str | None) -> KeyFacts:
        """The key an attribute unknown until apply names, by the configuration's references."""
        if link_name not in res.configured:
            # Optional+computed attributes are unknown in a plan even when never set: unset
            # means the AWS-managed key.
            return KeyFacts(KeyKind.AWS_MANAGED, region=region)
        targets = self.graph.targets(res, link_name, KEY_TYPES + ALIAS_TYPES)
        if not targets:
            return KeyFacts(KeyKind.UNKNOWN, reason=f"{link_name} is unknown until apply and "
                            "does not refer to a key in this configuration")
        return self._from_resource(targets[0], (), region)

    def replicas(self, secret: Resource) -> list[tuple[str | None, KeyFacts]]:
        """Each replica's region and key. A plan lists replicas (a set) in its own order, so
        each is matched to its configuration block by region."""
        out: list[tuple[str | None, KeyFacts]] = []
        entries = secret.get("replica")
        for j, entry in enumerate(entries if isinstance(entries, list) else []):
            region = entry.get("region") if isinstance(entry, dict) else None
            if not isinstance(region, str):
                out.append((None, KeyFacts(KeyKind.UNKNOWN, reason="a replica's region is unknown")))
                continue
            if not secret.is_unknown("replica", j, "kms_key_id"):
                out.append((region, self._from_value(entry.get("kms_key_id"), (), region)))
                continue
            block = next((i for i in range(len(entries))
                          if secret.constants.get(f"replica.{i}.region") == region), j)
            out.append((region, self._configured(secret, f"replica.{block}.kms_key_id", region)))
        return out

    def _from_value(self, value: object, via: tuple[Resource, ...], region: str | None) -> KeyFacts:
        if value is None or value == "":
            return KeyFacts(KeyKind.AWS_MANAGED, via=via, region=region)
        if not isinstance(value, str):
            return KeyFacts(KeyKind.UNKNOWN, via=via, reason="kms_key_id is not a string")
        if _AWS_ALIAS.match(value):
            return KeyFacts(KeyKind.AWS_MANAGED, via=via, region=arn_region(value) or region)
        found = self.graph.by_value(value, KEY_TYPES + ALIAS_TYPES)
        alias_arn = _ALIAS_ARN.match(value)
        if not found and alias_arn and alias_arn["account"] in self.graph.owner_accounts:
            # An alias ARN written out names the alias of that name in its region, when the
            # account is the owner's (issue 15).
            found = [r for r in self.graph.by_value(alias_arn["name"], ALIAS_TYPES)
                     if r.region in (None, alias_arn["region"])]
        if region is not None and not value.startswith("arn:"):
            # A bare key id or alias name is looked up in the region that uses it.
            found = [r for r in found if r.region in (None, region)] or found
        if found:
            # A key's ARN is also the target_key_arn of its aliases: the key answers first
            # (else the alias would lead back to itself).
            found = sorted(found, key=lambda r: r.type in ALIAS_TYPES)
            return self._from_resource(found[0], via, region)
        account = arn_account(value)
        owners = self.graph.owner_accounts
        if account and owners and account not in owners:
            return KeyFacts(KeyKind.EXTERNAL, via=via, region=arn_region(value),
                            reason=f"the key is in account {account}, outside this configuration")
        return KeyFacts(KeyKind.UNKNOWN, via=via, region=arn_region(value),
                        reason=f"the key {value} is not managed in this configuration")

    def _from_resource(self, target: Resource, via: tuple[Resource, ...],
                       region: str | None) -> KeyFacts:
        if target in via or len(via) > 8:
            return KeyFacts(KeyKind.UNKNOWN, via=via, reason="alias chain does not end at a key")
        if target.type in ALIAS_TYPES:
            chain = via + (target,)
            name = target.get("name")
            if isinstance(name, str) and _AWS_ALIAS.match(name):
                return KeyFacts(KeyKind.AWS_MANAGED, via=chain, region=target.region or region)
            if target.mode == "data" or not target.is_unknown("target_key_id"):
                value = target.get("target_key_arn") or target.get("target_key_id")
                return self._from_value(value, chain, target.region or region)
            keys = self.graph.targets(target, "target_key_id", KEY_TYPES + ALIAS_TYPES)
            if keys:
                return self._from_resource(keys[0], chain, region)
            return KeyFacts(KeyKind.UNKNOWN, via=chain,
                            reason=f"the target of {target.address} is unknown until apply")
        spec, usage, enabled = self._properties(target)
        described = KeyFacts(KeyKind.EXTERNAL, region=target.region, spec=spec, usage=usage,
                             enabled=enabled, source=target)
        if target.mode == "data":
            if target.get("key_manager") == "AWS":
                return described.replace(kind=KeyKind.AWS_MANAGED, via=via + (target,))
            return described.replace(via=via + (target,),
                                     reason=f"the key comes from {target.address}; its policy is not "
                                            "in this configuration")
        return self._customer_key(target, via, described)

    def _properties(self, key: Resource) -> tuple[str | None, str | None, bool | None]:
        spec, usage, enabled = key_properties(key.values)
        if key.type == "aws_kms_replica_key" and (spec is None or usage is None):
            # A replica key has the key spec and usage of its multi-Region primary.
            primaries = (self.graph.targets(key, "primary_key_arn", KEY_TYPES)
                         if key.is_unknown("primary_key_arn")
                         else self.graph.by_value(str(key.get("primary_key_arn")), KEY_TYPES))
            if primaries:
                p_spec, p_usage, _ = key_properties(primaries[0].values)
                spec, usage = spec or p_spec, usage or p_usage
        return spec, usage, enabled

    def _customer_key(self, key: Resource, via: tuple[Resource, ...], described: KeyFacts) -> KeyFacts:
        attached = self._policies.get(key.address, [])
        holder = attached[0] if attached else key
        facts = described.replace(kind=KeyKind.CUSTOMER, key=key, via=via, policy_holder=holder,
                                  conflicting_policy=bool(attached) and "policy" in key.configured,
                                  grants=tuple(self._grants.get(key.address, ())), reason="")
        if holder.is_unknown("policy"):
            if holder is key and "policy" not in key.configured:
                return facts.replace(policy_state=PolicyState.DEFAULT)
            partial = self.document(holder, "policy")
            if partial is not None:  # known but for a few values: those are variables
                return facts.replace(policy=partial, policy_state=PolicyState.SET)
            return facts.replace(policy_state=PolicyState.UNKNOWN,
                                 reason=f"the policy of {holder.address} is unknown until apply")
        if not holder.get("policy"):
            return facts.replace(policy_state=PolicyState.DEFAULT)
        return facts.replace(policy=self.parse(holder, "policy"), policy_state=PolicyState.SET)

    def document(self, holder: Resource, attribute: str) -> Policy | None:
        """The policy of an attribute: known, or known but for some leaves (None: not even that)."""
        if not holder.is_unknown(attribute):
            return self.parse(holder, attribute) if holder.get(attribute) else None
        cache_key = (holder.address, attribute)
        if cache_key not in self._parsed:
            doc = partial_document(self.graph, holder, attribute)
            if not isinstance(doc, dict):
                return None
            try:
                self._parsed[cache_key] = parse_policy(doc, holder.is_sensitive(attribute))
            except PolicyError:
                return None  # the unknowns shape the document itself: nothing to decide on
        return self._parsed[cache_key]

    def parse(self, holder: Resource, attribute: str) -> Policy:
        """Parse a policy attribute once, turning a malformed document into a clear InputError."""
        cache_key = (holder.address, attribute)
        if cache_key not in self._parsed:
            doc = holder.get(attribute)
            sensitive = holder.is_sensitive(attribute)
            text_key = (doc, sensitive) if isinstance(doc, str) else None
            policy = self._by_text.get(text_key) if text_key else None
            if policy is None:
                try:
                    policy = parse_policy(doc, sensitive)
                except PolicyError as err:
                    raise InputError(f"{holder.address}.{attribute}: {err}", self.graph.source) from None
                if text_key:
                    self._by_text[text_key] = policy
            self._parsed[cache_key] = policy
        return self._parsed[cache_key]

    def keys_named(self, res: Resource, attribute: str, deleted: bool = False) -> list[Resource]:
        """The key resources `res.attribute` names by reference or known value (ARN or id)."""
        if res.is_unknown(attribute):
            return self.graph.targets(res, attribute, KEY_TYPES)
        value = res.get(attribute)
        return self.keys_for_value(value, deleted) if isinstance(value, str) else []

    def keys_for_value(self, value: str, deleted: bool = False) -> list[Resource]:
        """Key resources a value names: their ARN or id, or an alias that targets them."""
        found = self.graph.by_value(value, KEY_TYPES + ALIAS_TYPES, deleted=deleted)
        keys = [r for r in found if r.mode == "managed" and r.type in KEY_TYPES]
        for alias in (r for r in found if r.type in ALIAS_TYPES):
            if alias.is_unknown("target_key_id"):
                keys += self.graph.targets(alias, "target_key_id", KEY_TYPES)
            elif isinstance(target := alias.get("target_key_id"), str):
                keys += [r for r in self.graph.by_value(target, KEY_TYPES, deleted=deleted)
                         if r.mode == "managed"]
        return keys
