"""Rule secret-cmk-disabled: a secret's key is disabled, so nobody can read the secret."""

from __future__ import annotations

from collections.abc import Iterator

from tfcheck.access import Facts
from tfcheck.findings import Finding, Level, Severity
from tfcheck.rules.base import Rule, key_name


class SecretCmkDisabled(Rule):
    """A secret's KMS key is disabled.

    **Why.** A disabled key cannot be used for any cryptographic operation: every
    `GetSecretValue` fails with `DisabledException`, for the owner and for other accounts
    alike, and rotation cannot write new versions. Disabling a key is sometimes done to test
    what still depends on it; a secret that does is then down.

    **How to fix.** Enable the key, or move the secret to another key first.

    Before:

        resource "aws_kms_key" "secrets" {
          is_enabled = false
        }

    After:

        resource "aws_kms_key" "secrets" {
          is_enabled = true
        }

    **References.** AWS KMS Developer Guide: "Enable and disable keys"; AWS Secrets Manager
    User Guide: "Secret encryption and decryption in AWS Secrets Manager".
    """

    id = "secret-cmk-disabled"
    title = "Secret's KMS key is disabled"
    severity = Severity.HIGH
    level = Level.HARD_MANDATORY

    def check(self, facts: Facts) -> Iterator[Finding]:
        for sk in facts.keyed:
            for label, key in sk.each():
                if key.enabled is not False:
                    continue
                where = f" ({label})" if label else ""
                yield self.finding(
                    sk.secret,
                    f"{sk.secret.address}{where} is encrypted with {key_name(key)}, which is "
                    "disabled: no one can read or rotate the secret.",
                    f"Enable {key_name(key)}, or move {sk.secret.address} to an enabled key.",
                    subject=f"{label} {key_name(key)}", related=key.related, attribute=None,
                )
