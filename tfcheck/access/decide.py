"""The question behind the rules: is there a request the secret policy allows and the key refuses?"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from tfcheck.access.evaluate import Decision, key_allows, policy_allows
from tfcheck.access.key_facts import KeyFacts
from tfcheck.access.match import tri_all, tri_not
from tfcheck.access.request import (
    KMS_DOCUMENTED_TOO,
    KMS_NEEDED,
    Caller,
    Target,
    kms_request,
    secret_request,
)
from tfcheck.access.witness import Witness
from tfcheck.iam.policy import Policy

PROBED = ("secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret",
          "secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy",
          "secretsmanager:PutResourcePolicy", "secretsmanager:DeleteSecret")
"""Actions asked about for "is anyone else allowed anything" (a public secret)."""


class Asker:
    """Asks policies and keys about requests, remembering answers: one module instantiated many
    times repeats the same policies, targets and callers."""

    def __init__(self) -> None:
        self._secret: dict[tuple[int, Caller, str, object], Decision] = {}
        self._key: dict[tuple[object, ...], Decision] = {}
        self._alive: dict[int, object] = {}
        """What the memo keys' ids name, held so that no id is reused while it is in use."""

    def secret(self, policy: Policy, caller: Caller, action: str, target: Target) -> Decision:
        memo = (id(policy), caller, action, target.region)
        self._alive.setdefault(id(policy), policy)
        found = self._secret.get(memo)
        if found is None:
            found = self._secret[memo] = policy_allows(policy, secret_request(caller, action, target))
        return found

    def key(self, key: KeyFacts, caller: Caller, action: str, target: Target) -> Decision:
        # Keys of one module share their policy text (parsed once): the answer depends on the
        # secret's ARN only when the policy or a grant reads the encryption context.
        holder: object = key.policy if key.policy is not None and not key.grants else key
        reads_arn = key.grants or (key.policy is not None and _reads_context(key.policy))
        memo = (id(holder), key.kind, key.policy_state, caller, action, target.region, target.partition,
                target.arn if reads_arn else None)
        self._alive.setdefault(id(holder), holder)
        found = self._key.get(memo)
        if found is None:
            found = self._key[memo] = key_allows(key, kms_request(caller, action, target))
        return found

    def refusal(self, policy: Policy, key: KeyFacts, callers: Iterable[Caller], target: Target,
                sensitive: bool, actions: tuple[str, ...] = tuple(KMS_NEEDED)) -> Witness | None:
        """The first request (certain ones first) the policy allows and the key refuses.

        Which organization another account is in is not in the configuration: a caller of a
        named account is asked about in each organization the policies name (and in none), and a
        refusal that holds only in some of them depends on it (not certain). Of "anyone else",
        some account is in each.
        """
        maybe: Witness | None = None
        groups: dict[tuple[object, ...], list[Caller]] = {}
        for caller in callers:
            groups.setdefault((caller.arn, caller.kind, caller.session, caller.chosen), []).append(caller)
        for variants in groups.values():
            for action in actions:
                found = [self._one(policy, key, c, action, target, sensitive) for c in variants]
                certain = [w for w in found if w is not None and w.certain]
                if certain and (variants[0].fresh or len(certain) == len(variants)):
                    return certain[0]
                if certain and maybe is None:
                    w = certain[0]
                    org = w.caller.org_id or "no organization"
                    maybe = replace(w, certain=False, unknown=f"whether {w.caller.account} is in {org} "
                                    "(the configuration does not say)")
                maybe = maybe or next((w for w in found if w is not None), None)
        return maybe

    def _one(self, policy: Policy, key: KeyFacts, caller: Caller, action: str, target: Target,
             sensitive: bool) -> Witness | None:
        allowed = self.secret(policy, caller, action, target)
        if allowed.value is False:
            return None
        maybe: Witness | None = None
        for kms_action in KMS_NEEDED[action]:
            refused = self.key(key, caller, kms_action, target)
            if refused.value is True:
                continue
            broken = tri_all([allowed.value, tri_not(refused.value)])
            unknown = "" if broken else (allowed.why if allowed.value is None else refused.why)
            w = Witness(caller, action, allowed.why, kms_request(caller, kms_action, target),
                        refused.why, refused.statement, broken is True, unknown, sensitive,
                        allowed.statement)
            if broken:
                return w
            maybe = maybe or w
        if maybe is None and allowed.value is True:
            maybe = self._documented(key, caller, action, allowed, target, sensitive)
        return maybe

    def _documented(self, key: KeyFacts, caller: Caller, action: str, allowed: Decision, target: Target,
                    sensitive: bool) -> Witness | None:
        """AWS documents kms:Decrypt for some writes too: refused, that is worth an advisory."""
        for kms_action in KMS_DOCUMENTED_TOO.get(action, ()):
            refused = self.key(key, caller, kms_action, target)
            if refused.value is False:
                return Witness(caller, action, allowed.why, kms_request(caller, kms_action, target),
                               refused.why, refused.statement, False,
                               f"whether {action} needs {kms_action} (AWS documents it for some writes only)",
                               sensitive, allowed.statement)
        return None

    def allowed(self, policy: Policy, callers: Iterable[Caller], actions: Iterable[str], target: Target,
                sensitive: bool) -> Witness | None:
        """The first request (certain ones first) the secret policy allows at all."""
        maybe: Witness | None = None
        acts = tuple(actions)
        for caller in callers:
            for action in acts:
                allowed = self.secret(policy, caller, action, target)
                if allowed.value is True:
                    return Witness(caller, action, allowed.why, sensitive=sensitive,
                                   allowing=allowed.statement)
                if allowed.value is None and maybe is None:
                    maybe = Witness(caller, action, "", certain=False, unknown=allowed.why,
                                    sensitive=sensitive, allowing=allowed.statement)
        return maybe


def _reads_context(policy: Policy) -> bool:
    return any(c.key.startswith("kms:encryptioncontext") or c.operator == "?"
               or any(not isinstance(v, str) or "${" in v for v in c.values)
               for st in policy.statements for c in st.conditions)
