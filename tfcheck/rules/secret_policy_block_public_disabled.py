"""Rule secret-policy-block-public-disabled: a shared secret's policy is put without the public check."""

from __future__ import annotations

from collections.abc import Iterator

from tfcheck.access import SECRET_POLICY, Facts
from tfcheck.findings import Finding, Level, Severity
from tfcheck.rules.base import Rule


class SecretPolicyBlockPublicDisabled(Rule):
    """A shared secret's policy does not set `block_public_policy = true`.

    **Why.** With `block_public_policy = true`, Secrets Manager validates the policy with
    Zelkova (automated reasoning) before accepting it and refuses one that grants broad
    access. A secret shared with other accounts is the one whose policy changes most often;
    the check catches an accidental `*` at apply time, even when it was built in a way no
    linter can see. It is advisory: nothing is broken without it.

    **How to fix.**

    Before:

        resource "aws_secretsmanager_secret_policy" "db" {
          secret_arn = aws_secretsmanager_secret.db.arn
          policy     = data.aws_iam_policy_document.db.json
        }

    After:

        resource "aws_secretsmanager_secret_policy" "db" {
          secret_arn          = aws_secretsmanager_secret.db.arn
          policy              = data.aws_iam_policy_document.db.json
          block_public_policy = true
        }

    **References.** AWS Secrets Manager User Guide: "Attach a permissions policy to an AWS
    Secrets Manager secret" (block public access); Secrets Manager API Reference:
    "PutResourcePolicy".
    """

    id = "secret-policy-block-public-disabled"
    title = "Shared secret's policy skips the public-access check"
    severity = Severity.LOW
    level = Level.ADVISORY

    def check(self, facts: Facts) -> Iterator[Finding]:
        for sf in facts.secrets:
            holder = sf.holder
            if (holder.type != SECRET_POLICY or not sf.accesses or holder.is_unknown("block_public_policy")
                    or holder.get("block_public_policy") is True):
                continue
            state = "false" if holder.get("block_public_policy") is False else "not set"
            yield self.finding(
                holder,
                f"block_public_policy is {state} on a policy that shares a secret with other "
                "accounts: Secrets Manager will not reject a policy that opens it to everyone.",
                f"Set block_public_policy = true on {holder.address}.",
                subject=holder.address,
            )
