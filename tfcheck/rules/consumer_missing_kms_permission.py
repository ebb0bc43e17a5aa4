"""Rule consumer-missing-kms-permission: a reader's own policies do not let it decrypt the shared secret."""

from __future__ import annotations

from collections.abc import Iterator

from tfcheck.access import Facts
from tfcheck.access.consumers import KMS, consumer_gaps
from tfcheck.findings import Finding, Level, Severity
from tfcheck.rules.base import Rule
from tfcheck.rules.consumer_missing_secret_permission import gap_finding


class ConsumerMissingKmsPermission(Rule):
    """A reader of a shared secret cannot decrypt it: its own policies lack `kms:Decrypt` on the key.

    **Why.** Reading a secret of another account takes three permissions in two accounts
    (Secrets Manager User Guide, "Access AWS Secrets Manager secrets from a different
    account"): the secret's resource policy and the KMS key policy in the owner's account, and,
    in the reader's own account, an identity policy allowing `secretsmanager:GetSecretValue` on
    the secret and `kms:Decrypt` on the key. Across accounts neither side alone is enough: a
    resource policy does not stand in for the reader's identity policy. When the reader's policy
    leaves out `kms:Decrypt`, or limits it with a condition the call does not meet (a
    `kms:ViaService` of another region), every read fails with a KMS `AccessDeniedException`,
    although both policies of the owner are right.

    **When it applies.** Only when the run holds the reader's configuration: resources of
    another provider configuration in the same root (an alias that assumes a role in the other
    account), or another root of the same run (`tfcheck owner/plan.json consumer/plan.json`,
    `--recursive`). A role or user is a reader when the secret policy lets it read and either
    names it (not every role of its account) or its own policies name this secret or key (not
    every secret or key: an administrator's `secretsmanager:*` on `*` is not a reader). Where
    the reader's account is not in the run, nothing is said.

    **How tfcheck decides.** As IAM does, on the call Secrets Manager makes to KMS as the
    reader: `kms:Decrypt` on the key's ARN (its shape, `arn:aws:kms:<region>:<owner>:key/*`,
    while AWS has not named it), with `kms:ViaService = secretsmanager.<region>.amazonaws.com`,
    `kms:CallerAccount` and the encryption context `SecretARN`. It is allowed when a statement
    of its inline or attached policies (or of its groups', for a user) allows it and none
    denies it, and the permissions boundary, when set, allows it too. A policy not in the run
    (an AWS-managed one) or known only after apply may allow it: the finding is then advisory,
    naming it. The witness names the reader, the call, and the statement that refuses it.

    **How to fix.** Add the permission to the policy the finding points at (or narrow the Deny
    that refuses it).

    Before:

        statement {
          sid       = "ReadSharedSecret"
          actions   = ["secretsmanager:GetSecretValue"]
          resources = [var.shared_secret_arn]
        }

    After (add):

        statement {
          sid       = "DecryptSharedSecret"
          actions   = ["kms:Decrypt"]
          resources = [var.shared_secret_key_arn]
          condition {
            test     = "StringEquals"
            variable = "kms:ViaService"
            values   = ["secretsmanager.us-east-1.amazonaws.com"]
          }
        }

    **References.** AWS Secrets Manager User Guide: "Access AWS Secrets Manager secrets from a
    different account"; AWS KMS Developer Guide: "Allowing users in other accounts to use a KMS
    key" (step 2: the external account's IAM policy).
    """

    id = "consumer-missing-kms-permission"
    title = "Reader's own policies do not allow kms:Decrypt on the shared secret's key"
    severity = Severity.HIGH
    level = Level.SOFT_MANDATORY

    def check(self, facts: Facts) -> Iterator[Finding]:
        for gap in consumer_gaps(facts):
            if gap.missing == KMS:
                yield gap_finding(self, gap, facts.owner_known)
