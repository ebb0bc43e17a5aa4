"""Rule cmk-unverifiable: tfcheck could not check a shared secret's key or policy, and says why."""

from __future__ import annotations

from collections.abc import Iterator

from tfcheck.access import Facts, SecretFacts
from tfcheck.access.key_facts import KeyKind
from tfcheck.findings import Finding, Level, Severity
from tfcheck.rules.base import Rule, chain


class CmkUnverifiable(Rule):
    """A shared secret's key or policy cannot be checked from this input.

    **Why.** tfcheck never passes what it cannot see. The key may be in another account or
    outside this configuration (its policy is not in the input), or a value is unknown until
    apply (a `kms_key_id`, or a whole key policy or secret policy). A policy known but for a few
    values (the secret's own ARN as `Resource`, a `Sid`, a role created here, a condition value)
    is not unverifiable: those values are variables, and the access rules decide with them
    (blocking when the result holds whatever they are, advisory when it depends on them). Only
    when the unknown shapes the document itself (a policy built by a function the plan cannot
    show, such as `jsonencode` in a plan read without its source) is the policy unknown. The
    access may work or may not: this advisory says which fact is missing, so you can check it by
    hand or let tfcheck see it.

    **How to fix.** Manage the key (and its policy) in the same configuration, reference it
    (`kms_key_id = aws_kms_key.k.arn`) instead of pasting its ARN, or avoid values that are
    known only after apply in policies (for example, build the policy from known ARNs).

    Before:

        kms_key_id = "arn:aws:kms:us-east-1:333333333333:key/1234abcd-…"

    After:

        kms_key_id = aws_kms_key.secrets.arn

    **References.** AWS KMS Developer Guide: "Allowing users in other accounts to use a KMS key".
    """

    id = "cmk-unverifiable"
    title = "Shared secret's key or policy cannot be verified"
    severity = Severity.INFO
    level = Level.ADVISORY

    def check(self, facts: Facts) -> Iterator[Finding]:
        for sf in facts.secrets:
            reason = _reason(sf)
            if reason is None:
                continue
            what = sf.secret.address if sf.secret else "its secret"
            yield self.finding(
                sf.holder,
                f"Cannot verify that other accounts can use the key of {what}: {reason}.",
                "Manage the key and its policy in this configuration, or check the key policy "
                "by hand.",
                subject=what, related=chain(sf),
            )


def _reason(sf: SecretFacts) -> str | None:
    if sf.policy is None:
        return (f"the policy in {sf.holder.address} is unknown until apply, so who may read "
                "the secret is unknown")
    if not sf.accesses:
        return None
    if sf.secret is None:
        return "the secret is not managed in this configuration"
    for key in sf.keys:
        if key.kind in (KeyKind.EXTERNAL, KeyKind.UNKNOWN):
            return key.reason
        if key.conflicting_policy and key.key is not None:
            return (f"{key.key.address} has both a policy argument and an aws_kms_key_policy; "
                    "they overwrite each other, so which one AWS ends up with depends on apply order")
        if key.kind is KeyKind.CUSTOMER and not sf.decidable(key):
            return key.reason or "the key policy is unknown until apply"
    return None
