"""Rule principal-not-account-root: a policy names another account's role or user, not the account."""

from __future__ import annotations

from collections.abc import Iterator

from tfcheck.access import Facts
from tfcheck.findings import Finding, Level, Severity
from tfcheck.rules.base import Rule, chain, show, show_account


class PrincipalNotAccountRoot(Rule):
    """A secret policy (or its key's policy) names a role or user of another account, not the account.

    **Why.** IAM stores a role or user principal in a resource policy as that identity's
    unique ID. When the other account deletes and recreates the role (a routine redeploy),
    the new role has a new ID and the policy silently stops matching it: access breaks, and
    the policy then shows an `AROA…` ID instead of the ARN. Naming a role gives no extra
    safety either: the other account's administrator controls who can assume it. AWS
    recommends granting the account (`arn:aws:iam::222222222222:root`, which means "the
    account's administrators may delegate", not "the root user") and narrowing it, if you
    want, with an `aws:PrincipalArn` condition, which compares ARNs and survives recreation.

    **How to fix.** Name the account and move the role into a condition.

    Before:

        Principal = { AWS = "arn:aws:iam::222222222222:role/app/reader" }

    After:

        Principal = { AWS = "arn:aws:iam::222222222222:root" }
        Condition = {
          ArnLike = { "aws:PrincipalArn" = "arn:aws:iam::222222222222:role/app/reader" }
        }

    **References.** IAM User Guide: "AWS JSON policy elements: Principal" (the note on
    deleted and recreated roles); "AWS global condition context keys" (aws:PrincipalArn).
    """

    id = "principal-not-account-root"
    title = "Policy names another account's role or user"
    severity = Severity.MEDIUM
    level = Level.SOFT_MANDATORY

    def check(self, facts: Facts) -> Iterator[Finding]:
        seen: set[tuple[str, str]] = set()
        for sf in facts.secrets:
            named = [(sf.holder, principal, foreign) for principal, foreign in sf.specific]
            if sf.accesses:
                # The key policy of a shared secret's key is the other half of the same grant.
                for key in sf.keys:
                    if key.policy is not None and key.policy_holder is not None:
                        named += [(key.policy_holder, principal, foreign)
                                  for principal, foreign in facts.foreign_identities(key.policy)]
            for holder, principal, foreign in named:
                if (holder.address, principal.value) in seen:
                    continue
                seen.add((holder.address, principal.value))
                # The principal's own flag says whether its document is sensitive.
                hidden = principal.sensitive or (holder is sf.holder and sf.sensitive)
                who = show(principal, hidden)
                account = show_account(principal, hidden)
                yield self.finding(
                    holder,
                    f"The policy names {principal.kind.value} {who} of account "
                    f"{account} instead of the account: if that identity is "
                    "recreated, access silently breaks.",
                    f"Grant {'the account' if hidden else f'arn:aws:iam::{account}:root'} "
                    "rather than the identity, and narrow it with an "
                    "aws:PrincipalArn condition.",
                    subject=principal.value, related=chain(sf),
                    needs_owner=foreign is None,
                )
