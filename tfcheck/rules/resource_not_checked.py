"""Rule resource-not-checked: something Terraform would create was not looked at, and why."""

from __future__ import annotations

from collections.abc import Iterator

from tfcheck.access import Facts
from tfcheck.findings import Finding, Level, Severity
from tfcheck.rules.base import Rule


class ResourceNotChecked(Rule):
    """Terraform would create resources here that tfcheck could not check.

    **Why.** A policy gate that passes when it did not look is worse than none. Some of what a
    configuration creates cannot be read before apply: a policy, secret or key whose `count` or
    `for_each` is unknown until apply (how many instances, with which values, is not known), a
    module tfcheck could not read (a registry module before `terraform init`), or a change
    Terraform itself defers to a later plan (`deferred_changes`). Each is reported here, on its
    address, so the run says what it did not check instead of passing over it.

    **How to fix.** Let tfcheck see what Terraform will create: check the plan
    (`terraform show -json plan.out`) rather than the directory, run `terraform init` so that
    registry modules are in `.terraform/modules`, or make `count`/`for_each` depend on values
    known at plan time.

    Before:

        resource "aws_secretsmanager_secret_policy" "shared" {
          count      = length(aws_iam_role.readers) > 0 ? 1 : 0   # known after apply
          …
        }

    After:

        resource "aws_secretsmanager_secret_policy" "shared" {
          count      = var.share_with_readers ? 1 : 0             # known at plan time
          …
        }

    **References.** Terraform: "The count Meta-Argument" (values must be known before apply);
    "terraform show -json" (`deferred_changes`).
    """

    id = "resource-not-checked"
    title = "Resource not checked"
    severity = Severity.INFO
    level = Level.ADVISORY

    def check(self, facts: Facts) -> Iterator[Finding]:
        for gap in facts.graph.unchecked:
            yield Finding(
                rule=self.id, severity=self.severity, address=gap.address,
                message=f"Not checked: {gap.reason}.",
                remediation=gap.fix,
                subject=gap.reason, location=gap.location,
            )
