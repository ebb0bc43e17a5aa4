"""Rule secret-cmk-not-symmetric: a secret's key is asymmetric or HMAC, which Secrets Manager cannot use."""

from __future__ import annotations

from collections.abc import Iterator

from tfcheck.access import Facts
from tfcheck.findings import Finding, Level, Severity
from tfcheck.rules.base import Rule, key_name

_SPEC_ATTRIBUTES = ("customer_master_key_spec", "key_spec", "key_usage")


class SecretCmkNotSymmetric(Rule):
    """A secret's KMS key is not a symmetric encryption key.

    **Why.** Secrets Manager encrypts secret values with envelope encryption and supports only
    symmetric encryption KMS keys (`SYMMETRIC_DEFAULT`, `ENCRYPT_DECRYPT`). An RSA, ECC, SM2 or
    HMAC key (or one made for signing or MACs) cannot encrypt a secret: creating or updating the
    secret fails, and a replica on such a key never becomes available. An
    `aws_kms_replica_key` has the key spec of its primary.

    **How to fix.** Use a symmetric key for secrets (it is the default: leave
    `customer_master_key_spec` and `key_usage` unset, or set them explicitly).

    Before:

        resource "aws_kms_key" "secrets" {
          customer_master_key_spec = "RSA_2048"
          key_usage                = "ENCRYPT_DECRYPT"
        }

    After:

        resource "aws_kms_key" "secrets" {
          customer_master_key_spec = "SYMMETRIC_DEFAULT"
          key_usage                = "ENCRYPT_DECRYPT"
        }

    **References.** AWS Secrets Manager User Guide: "Secret encryption and decryption in AWS
    Secrets Manager"; AWS KMS Developer Guide: "Key spec reference".
    """

    id = "secret-cmk-not-symmetric"
    title = "Secret's KMS key is not symmetric"
    severity = Severity.HIGH
    level = Level.HARD_MANDATORY

    def check(self, facts: Facts) -> Iterator[Finding]:
        for sk in facts.keyed:
            for label, key in sk.each():
                if not key.asymmetric:
                    continue
                what = ", ".join(v for v in (key.spec, key.usage) if v)
                holder = key.key or key.source
                if holder is not None and any(holder.is_sensitive(a) for a in _SPEC_ATTRIBUTES):
                    what = "non-symmetric (its key spec is marked sensitive)"
                where = f" ({label})" if label else ""
                yield self.finding(
                    sk.secret,
                    f"{sk.secret.address}{where} is encrypted with {key_name(key)}, a {what} key: "
                    "Secrets Manager can use only symmetric encryption keys.",
                    f"Use a SYMMETRIC_DEFAULT / ENCRYPT_DECRYPT key for {sk.secret.address}.",
                    subject=f"{label} {key_name(key)}", related=key.related, attribute=None,
                )
