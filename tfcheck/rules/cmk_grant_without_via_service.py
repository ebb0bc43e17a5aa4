"""Rule cmk-grant-without-via-service: a key lets another account decrypt outside Secrets Manager."""

from __future__ import annotations

from collections.abc import Iterator

from tfcheck.access import Facts
from tfcheck.access.evaluate import policy_allows
from tfcheck.access.key_facts import KeyKind
from tfcheck.access.match import Known
from tfcheck.access.request import Caller, direct_kms_request
from tfcheck.findings import Finding, Level, Severity
from tfcheck.iam import Policy
from tfcheck.rules.base import Rule, show


class CmkGrantWithoutViaService(Rule):
    """A secret's key lets another account `kms:Decrypt` without a `kms:ViaService` condition.

    **Why.** The other account needs `kms:Decrypt` to read the secret, but only through
    Secrets Manager. Without `kms:ViaService = secretsmanager.<region>.amazonaws.com` the
    statement lets that account decrypt anything encrypted under the key, directly, through
    any service. Narrowing it is AWS's recommended practice for cross-account secrets; it is
    advisory because access works either way.

    **How to fix.** Add the condition to the statement that grants the other account.

    Before:

        {
          Sid       = "ConsumerDecrypt"
          Effect    = "Allow"
          Principal = { AWS = "arn:aws:iam::222222222222:root" }
          Action    = ["kms:Decrypt", "kms:DescribeKey"]
          Resource  = "*"
        }

    After:

        {
          Sid       = "ConsumerDecrypt"
          Effect    = "Allow"
          Principal = { AWS = "arn:aws:iam::222222222222:root" }
          Action    = ["kms:Decrypt", "kms:DescribeKey"]
          Resource  = "*"
          Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.us-east-1.amazonaws.com" } }
        }

    **References.** AWS KMS Developer Guide: "kms:ViaService" (condition keys for AWS KMS);
    AWS Secrets Manager User Guide: "Secret encryption and decryption in AWS Secrets Manager".
    """

    id = "cmk-grant-without-via-service"
    title = "Key lets another account decrypt outside Secrets Manager"
    severity = Severity.LOW
    level = Level.ADVISORY

    def check(self, facts: Facts) -> Iterator[Finding]:
        seen: set[tuple[str, str]] = set()
        for sf in facts.secrets:
            for key, target in ((k, t) for _, k, t in sf.each_key()):
                if key.kind is not KeyKind.CUSTOMER or key.policy is None or key.policy_holder is None:
                    continue
                for access in sf.accesses:
                    holder = key.policy_holder
                    if (holder.address, access.principal.value) in seen:
                        continue
                    sid = _direct(key.policy, access.callers, target.region)
                    if sid is None:
                        continue
                    seen.add((holder.address, access.principal.value))
                    yield self.finding(
                        holder,
                        f"The key policy of {holder.address} lets {show(access.principal, sf.sensitive)} "
                        f"kms:Decrypt (statement {sid}) without a kms:ViaService condition: it "
                        "can decrypt outside Secrets Manager.",
                        "Add Condition StringEquals kms:ViaService = "
                        "secretsmanager.<region>.amazonaws.com to that statement.",
                        subject=access.principal.value, related=[*([sf.secret] if sf.secret else [])],
                    )


def _direct(policy: Policy, callers: tuple[Caller, ...], region: Known) -> str | None:
    """The statement that lets one of the callers decrypt directly, not through Secrets Manager."""
    for caller in callers:
        decision = policy_allows(policy, direct_kms_request(caller, "kms:Decrypt", region))
        if decision.value is True:
            return decision.statement
    return None
