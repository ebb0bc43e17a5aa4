"""Rule cmk-grant-without-via-service: a key lets another account decrypt outside Secrets Manager."""

from __future__ import annotations

from collections.abc import Iterator

from tfcheck.access import Facts
from tfcheck.findings import Finding, Level, Severity
from tfcheck.iam import Policy, allows, grantees
from tfcheck.key_facts import KeyKind
from tfcheck.rules.base import Rule, show

VIA_SERVICE = "kms:viaservice"


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
            for key in sf.keys:
                if key.kind is not KeyKind.CUSTOMER or key.policy is None or key.policy_holder is None:
                    continue
                for access in sf.accesses:
                    granting = [g.statement for g in grantees(key.policy, "kms:Decrypt")
                                if allows(Policy(None, (g.statement,)), access.grantee, "kms:Decrypt")]
                    if not granting or any(c.key == VIA_SERVICE for st in granting
                                           for c in st.conditions):
                        continue
                    holder = key.policy_holder
                    if (holder.address, access.principal.value) in seen:
                        continue
                    seen.add((holder.address, access.principal.value))
                    sids = ", ".join(st.sid or f"#{st.index}" for st in dict.fromkeys(granting))
                    yield self.finding(
                        holder,
                        f"The key policy of {holder.address} lets {show(access.principal, sf.sensitive)} "
                        f"kms:Decrypt (statement {sids}) without a kms:ViaService condition: it "
                        "can decrypt outside Secrets Manager.",
                        "Add Condition StringEquals kms:ViaService = "
                        "secretsmanager.<region>.amazonaws.com to that statement.",
                        subject=access.principal.value, related=[*([sf.secret] if sf.secret else [])],
                    )
