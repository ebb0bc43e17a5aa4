"""Rule secret-cmk-being-destroyed: the plan deletes a key that a remaining secret still uses."""

from __future__ import annotations

from collections.abc import Iterator

from tfcheck.access import Facts
from tfcheck.findings import Finding, Level, Severity
from tfcheck.rules.base import Rule


class SecretCmkBeingDestroyed(Rule):
    """The plan destroys a KMS key that a secret (or a replica) that stays still uses.

    **Why.** Destroying an `aws_kms_key` schedules its deletion (7 to 30 days). During the
    window the key is disabled, so the secret is already unreadable; after it, every version
    encrypted under the key is lost for good. This happens when a key is removed from the
    configuration while a secret still names it by ARN (a literal, a variable, another
    stack's output), so Terraform sees no dependency.

    **How to fix.** Move the secret to another key first (apply that), then remove the key;
    or keep the key.

    Before:

        # aws_kms_key.legacy removed from the configuration
        resource "aws_secretsmanager_secret" "db" {
          kms_key_id = var.legacy_key_arn     # still the key being destroyed
        }

    After:

        resource "aws_secretsmanager_secret" "db" {
          kms_key_id = aws_kms_key.current.arn
        }

    **References.** AWS KMS Developer Guide: "Delete an AWS KMS key" (waiting period);
    AWS Secrets Manager User Guide: "Secret encryption and decryption in AWS Secrets Manager".
    """

    id = "secret-cmk-being-destroyed"
    title = "Secret's KMS key is being destroyed"
    severity = Severity.HIGH
    level = Level.HARD_MANDATORY

    def check(self, facts: Facts) -> Iterator[Finding]:
        for secret, key in facts.doomed:
            yield self.finding(
                secret,
                f"This plan destroys {key.address}, but {secret.address} still uses it: the "
                "secret becomes unreadable now and its versions are lost after the deletion "
                "window.",
                f"Move {secret.address} to another key in an earlier apply, or keep {key.address}.",
                subject=key.address, related=[key], attribute=None,
            )
