"""Rule owner-account-unknown: nothing in the input tells which account is the owner's."""

from __future__ import annotations

from collections.abc import Iterator

from tfcheck.access import Facts
from tfcheck.findings import Finding, Level, Severity
from tfcheck.rules.base import Rule


class OwnerAccountUnknown(Rule):
    """No input tells which AWS account owns these secrets, so "foreign" is a guess.

    **Why.** Whether a principal belongs to another account depends on which account is
    yours. tfcheck takes it from `--account-id`, from `data.aws_caller_identity` in the
    plan, from the provider's `allowed_account_ids`, or from the ARNs of resources that
    already exist. When none of these is present, findings that depend on it are reported
    as advisory (a pipeline never fails on a guess), together with this note.

    **How to fix.** Pass the account: `tfcheck plan.json --account-id 111111111111`, or
    declare it in the configuration:

        provider "aws" {
          region              = "us-east-1"
          allowed_account_ids = ["111111111111"]
        }

    **References.** Terraform AWS provider: "allowed_account_ids"; data source
    "aws_caller_identity".
    """

    id = "owner-account-unknown"
    title = "Owner account unknown"
    severity = Severity.INFO
    level = Level.ADVISORY

    def check(self, facts: Facts) -> Iterator[Finding]:
        if facts.owner_known:
            return
        if any(sf.accesses or sf.specific for sf in facts.secrets):
            yield self.finding(
                None,
                "No input names the owner account, so findings about other accounts are "
                "advisory only.",
                "Pass --account-id ACCOUNT (repeatable), or set allowed_account_ids on the "
                "aws provider, to make them blocking.",
            )
