"""Rule principal-is-deleted-identity: a policy names a unique id (AROA…/AIDA…) of a deleted identity."""

from __future__ import annotations

from collections.abc import Iterator

from tfcheck.access import Facts
from tfcheck.findings import Finding, Level, Severity
from tfcheck.iam import Policy, PrincipalKind
from tfcheck.model.resource import Resource
from tfcheck.rules.base import HIDDEN, Rule


class PrincipalIsDeletedIdentity(Rule):
    """A secret or key policy names a principal by its unique id: that role or user was deleted.

    **Why.** IAM stores the role or user in a resource policy as its unique id (`AROA…` for
    roles, `AIDA…` for users) and shows the ARN while the identity exists. When the role or
    user is deleted, the policy shows the bare id instead; it matches nothing, not even a new
    role with the same name. The access it was meant to give is already broken, and the id
    in the configuration usually comes from copying a policy back from the console or an
    import. A unique id in a condition (`aws:userid`) is a legitimate pattern and is not
    flagged.

    **How to fix.** Name the account (or, if you must, the role's ARN) instead of the id.

    Before:

        Principal = { AWS = "AROAEXAMPLEID1234567X" }

    After:

        Principal = { AWS = "arn:aws:iam::222222222222:root" }
        Condition = { ArnLike = { "aws:PrincipalArn" = "arn:aws:iam::222222222222:role/reader" } }

    **References.** IAM User Guide: "AWS JSON policy elements: Principal" (roles that are
    deleted and recreated); "IAM identifiers" (unique identifiers).
    """

    id = "principal-is-deleted-identity"
    title = "Policy names a deleted role or user by unique id"
    severity = Severity.HIGH
    level = Level.SOFT_MANDATORY

    def check(self, facts: Facts) -> Iterator[Finding]:
        seen: set[str] = set()
        policies: list[tuple[Resource, Policy, bool]] = []
        for sf in facts.secrets:
            if sf.policy is not None and sf.holder.address not in seen:
                seen.add(sf.holder.address)
                policies.append((sf.holder, sf.policy, sf.sensitive))
        policies += [(holder, policy, holder.is_sensitive("policy"))
                     for holder, policy in facts.key_policies]
        for holder, policy, sensitive in policies:
            ids = dict.fromkeys(p.value for st in policy.statements
                                for p in (*(st.principals or ()), *(st.not_principals or ()))
                                if p.kind is PrincipalKind.UNIQUE_ID)
            for unique_id in ids:
                shown = HIDDEN if sensitive else unique_id
                yield self.finding(
                    holder,
                    f"The policy of {holder.address} names {shown}, the unique id of a role or "
                    "user that no longer exists: it matches no one.",
                    "Replace the id with the account (arn:aws:iam::ACCOUNT:root) or the "
                    "identity's ARN.",
                    subject=unique_id,
                )
