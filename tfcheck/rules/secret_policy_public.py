"""Rule secret-policy-public: a secret policy lets anyone in."""

from __future__ import annotations

from collections.abc import Iterator

from tfcheck.access import Facts
from tfcheck.findings import Finding, Level, Severity
from tfcheck.rules.base import Rule, chain


class SecretPolicyPublic(Rule):
    """A secret's resource policy allows everyone (`*`) without a restricting condition.

    **Why.** `Principal = "*"` (or `{"AWS": "*"}`, or `NotPrincipal` with Allow) matches
    every AWS principal in every account, including ones you have never heard of. Only a
    condition on `aws:PrincipalAccount`, `aws:PrincipalOrgID`, `aws:PrincipalOrgPaths` or
    `aws:PrincipalArn` narrows it to callers you know. tfcheck asks the policy, as AWS would,
    whether a principal of an account (and organization) that no policy names may call any
    secret action; the finding names one such request (its witness). `aws:SourceAccount` is set
    only when an AWS service calls on an account's behalf: `StringEquals` on it lets no direct
    caller in, but `StringEqualsIfExists` lets every direct caller in. A principal known only
    after apply may be `*`: that makes an advisory.

    **How to fix.** Name the accounts, or keep `*` and restrict it to your organization.

    Before:

        Principal = "*"
        Action    = "secretsmanager:GetSecretValue"

    After:

        Principal = "*"
        Action    = "secretsmanager:GetSecretValue"
        Condition = { StringEquals = { "aws:PrincipalOrgID" = "o-a1b2c3d4e5" } }

    Also set `block_public_policy = true` on the `aws_secretsmanager_secret_policy`, so
    Secrets Manager itself rejects such a policy. Restrict the secret policy first: never widen
    the key policy to `*` to make such a secret readable.

    **References.** IAM User Guide: "AWS JSON policy elements: Principal"; "AWS global
    condition context keys"; AWS Secrets Manager User Guide: "Resource-based policies".
    """

    id = "secret-policy-public"
    title = "Secret policy allows everyone"
    severity = Severity.CRITICAL
    level = Level.HARD_MANDATORY

    def check(self, facts: Facts) -> Iterator[Finding]:
        for sf in facts.secrets:
            witness = sf.public
            if witness is None:
                continue
            what = sf.secret.address if sf.secret else "the secret"
            sid = witness.allowing or "?"
            yield self.finding(
                sf.holder,
                f"The policy on {what} {'allows' if witness.certain else 'may allow'} any AWS principal "
                f"(statement {sid}), of accounts it does not name: {witness.text()}. Only a condition "
                "on aws:PrincipalAccount, "
                "aws:PrincipalOrgID, aws:PrincipalOrgPaths or aws:PrincipalArn narrows it.",
                "Name the accounts that need access, or add an aws:PrincipalOrgID condition; do not "
                "widen the key policy to match.",
                subject=sid, related=chain(sf), witness=witness,
            )
