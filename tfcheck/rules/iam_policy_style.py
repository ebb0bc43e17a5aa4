"""Rule iam-policy-style: a policy has no Version, or the old one."""

from __future__ import annotations

from collections.abc import Iterator

from tfcheck.access import Facts
from tfcheck.findings import Finding, Level, Severity
from tfcheck.iam.validate import validate
from tfcheck.rules.base import Rule
from tfcheck.rules.iam_policy_invalid import describe, policies, subject


class IamPolicyStyle(Rule):
    """A secret or key policy has no `Version`, or the old `2008-10-17`.

    **Why.** Without `Version = "2012-10-17"` IAM reads a policy in the language of
    2008-10-17, in which policy variables (`${aws:username}`, `${aws:PrincipalTag/team}`) are
    plain text rather than values of the request. Most secret and key policies use none, so
    access is usually the same either way; this is why the rule is advisory and of low
    severity. Mistakes that do change what a policy does are reported by
    `iam-policy-invalid`. A `data "aws_iam_policy_document"` always writes the current
    Version; a `jsonencode({...})` has one only if it says so.

    **How to fix.** Add the Version.

    Before:

        policy = jsonencode({
          Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::222222222222:root" },
                         Action = "secretsmanager:GetSecretValue", Resource = "*" }]
        })

    After:

        policy = jsonencode({
          Version   = "2012-10-17"
          Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::222222222222:root" },
                         Action = "secretsmanager:GetSecretValue", Resource = "*" }]
        })

    **References.** IAM User Guide: "IAM JSON policy elements: Version"; "IAM policy
    elements: Variables and tags".
    """

    id = "iam-policy-style"
    title = "Policy has no Version, or the old one"
    severity = Severity.LOW
    level = Level.ADVISORY

    def check(self, facts: Facts) -> Iterator[Finding]:
        for checked in policies(facts):
            for problem in validate(checked.policy, invalid=False):
                message, remediation = describe(problem, checked.holder, checked.attribute,
                                                checked.sensitive)
                yield self.finding(checked.holder, message, remediation, subject=subject(problem),
                                   attribute=checked.attribute)
