"""Rule cross-account-secret-without-cmk: a shared secret on the AWS-managed key cannot be read."""

from __future__ import annotations

from collections.abc import Iterator

from tfcheck.access import Facts
from tfcheck.access.key_facts import KeyKind
from tfcheck.findings import Finding, Level, Severity
from tfcheck.rules.base import Rule, accounts_text, chain


class CrossAccountSecretWithoutCmk(Rule):
    """A secret shared with another account is encrypted with the AWS-managed key.

    **Why.** The AWS-managed key `aws/secretsmanager` cannot be used from another account:
    its key policy is owned by AWS and only lets in the secret's own account. A principal of
    another account that the resource policy allows to call `GetSecretValue` gets
    `AccessDeniedException` from KMS instead of the value (and one allowed `PutSecretValue` or
    `UpdateSecret` cannot write). The resource policy looks right; the access is broken.
    This fires only for secrets actually shared with other accounts, so it is safe to keep on:
    the secret policy is evaluated as AWS does (conditions, Denies such as a guard that denies
    every other account, values known only after apply as variables; see `tfcheck explain
    cmk-missing-cross-account-grant`), and the finding names one request it allows (its witness).

    **How to fix.** Encrypt the secret with a customer-managed key whose key policy allows the
    other account `kms:Decrypt` (and `kms:GenerateDataKey` for writers), preferably restricted
    with `kms:ViaService = secretsmanager.<region>.amazonaws.com`.

    Before:

        resource "aws_secretsmanager_secret" "db" {
          name = "prod/db"                      # no kms_key_id: aws/secretsmanager
        }

    After:

        resource "aws_kms_key" "secrets" {
          description = "secrets shared with 222222222222"
          policy      = data.aws_iam_policy_document.secrets_key.json  # grants kms:Decrypt
        }

        resource "aws_secretsmanager_secret" "db" {
          name       = "prod/db"
          kms_key_id = aws_kms_key.secrets.arn
        }

    **References.** AWS Secrets Manager User Guide: "Access AWS Secrets Manager secrets from a
    different account"; "Secret encryption and decryption in AWS Secrets Manager".
    """

    id = "cross-account-secret-without-cmk"
    title = "Shared secret uses the AWS-managed key"
    severity = Severity.HIGH
    level = Level.HARD_MANDATORY

    def check(self, facts: Facts) -> Iterator[Finding]:
        for sf in facts.secrets:
            if sf.key.kind is not KeyKind.AWS_MANAGED or not sf.accesses or sf.secret is None:
                continue
            found = [(a, w) for a in sf.accesses if (w := sf.refusal(a, sf.key)) is not None]
            if not found:
                continue
            # The strongest witness: certain, and foreign whoever the owner is.
            access, witness = min(found, key=lambda aw: (not aw[1].certain,
                                                         aw[0].foreign is None and not aw[1].caller.fresh))
            who = accounts_text((a.principal for a, _ in found), sf.sensitive, facts.trusted)
            verbs = "write" if all(a.writes and not a.reads for a, _ in found) else "read"
            yield self.finding(
                sf.holder,
                f"{sf.secret.address} is shared with {who}, but it is encrypted with the "
                f"AWS-managed key aws/secretsmanager, which other accounts cannot use: they "
                f"will be denied when they {verbs} the secret value. For example, {witness.text()}.",
                f"Set kms_key_id on {sf.secret.address} to a customer-managed KMS key whose "
                f"policy allows {who} kms:Decrypt.",
                subject=sf.secret.address, related=chain(sf),
                needs_owner=access.foreign is None and not witness.caller.fresh, witness=witness,
            )
