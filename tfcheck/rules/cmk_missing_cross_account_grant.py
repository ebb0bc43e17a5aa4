"""Rule cmk-missing-cross-account-grant: the secret's key does not let the other account decrypt."""

from __future__ import annotations

from collections.abc import Iterator

from tfcheck.access import Access, Facts, SecretFacts
from tfcheck.findings import Finding, Level, Severity
from tfcheck.key_facts import KeyFacts
from tfcheck.rules.base import Rule, chain, show


class CmkMissingCrossAccountGrant(Rule):
    """A shared secret's customer-managed key does not allow the other account to decrypt.

    **Why.** Reading a secret needs two permissions: the secret's resource policy must allow
    `secretsmanager:GetSecretValue`, and the KMS key that encrypts it must allow `kms:Decrypt`
    to the same principal (writers also need `kms:GenerateDataKey`). When the key policy
    (or an `aws_kms_grant`) leaves the other account out, the resource policy grants an
    access that fails at run time with a KMS `AccessDeniedException`. A key with no `policy`
    gets AWS's default key policy, which lets in only the key's own account.

    **How to fix.** Add a statement to the key policy for the same principal (preferably its
    account root) with `kms:Decrypt` (plus `kms:GenerateDataKey` for writers) and
    `kms:DescribeKey`, restricted with `kms:ViaService`.

    Before:

        statement {
          sid       = "OwnerAdmin"
          actions   = ["kms:*"]
          resources = ["*"]
          principals {
            type        = "AWS"
            identifiers = ["arn:aws:iam::111111111111:root"]
          }
        }

    After (add):

        statement {
          sid       = "ConsumerDecryptViaSecretsManager"
          actions   = ["kms:Decrypt", "kms:DescribeKey"]
          resources = ["*"]
          principals {
            type        = "AWS"
            identifiers = ["arn:aws:iam::222222222222:root"]
          }
          condition {
            test     = "StringEquals"
            variable = "kms:ViaService"
            values   = ["secretsmanager.us-east-1.amazonaws.com"]
          }
        }

    **References.** AWS KMS Developer Guide: "Allowing users in other accounts to use a KMS
    key"; AWS Secrets Manager User Guide: "Access AWS Secrets Manager secrets from a
    different account".
    """

    id = "cmk-missing-cross-account-grant"
    title = "Secret's KMS key does not allow the other account"
    severity = Severity.HIGH
    level = Level.HARD_MANDATORY

    def check(self, facts: Facts) -> Iterator[Finding]:
        for sf in facts.secrets:
            if sf.secret is None:
                continue
            for (region, key) in [(None, sf.key), *sf.replicas]:
                if key.key is None:
                    continue
                for access in sf.accesses:
                    if sf.kms_allows(access, key) is False:
                        yield self._finding(sf, key, access, region)

    def _finding(self, sf: SecretFacts, key: KeyFacts, access: Access, region: str | None) -> Finding:
        assert sf.secret is not None and key.key is not None
        who = show(access.principal, sf.sensitive)
        needed = " and ".join(access.kms_actions)
        name = key.key.address
        if key.policy is None:
            why = (f"its key {name} has no key policy, so AWS's default policy applies, "
                   "which lets in only the key's own account")
        else:
            holder = key.policy_holder or key.key
            where = "" if holder.address == name else f" (set by {holder.address})"
            why = f"the key policy of {name}{where} does not allow it {needed}"
        replica = f" (its replica in {region})" if region else ""
        return self.finding(
            sf.holder,
            f"{who} may {'write' if access.writes else 'read'} {sf.secret.address}{replica}, "
            f"but {why}.",
            f"Allow {who} {needed} in the key policy of {name} (restricted with kms:ViaService).",
            subject=access.principal.value + (f" {name}" if region else ""), related=chain(sf),
            needs_owner=access.foreign is None,
        )
