"""Rule consumer-missing-secret-permission: a reader's own policies do not let it read the shared secret."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from tfcheck.access import Facts
from tfcheck.access.consumers import KMS, SECRET, Gap, consumer_gaps
from tfcheck.access.match import Vague
from tfcheck.access.witness import spelled
from tfcheck.findings import Finding, Level, Severity
from tfcheck.rules.base import Rule, chain


class ConsumerMissingSecretPermission(Rule):
    """A reader of a shared secret cannot read it: its own policies lack `GetSecretValue` on it.

    **Why.** Across accounts, a secret's resource policy is half of the permission: IAM also
    needs an identity policy in the reader's own account allowing
    `secretsmanager:GetSecretValue` on the secret's ARN (Secrets Manager User Guide, "Access AWS
    Secrets Manager secrets from a different account"). A copy-pasted ARN of another secret, a
    pattern without the `-??????` suffix AWS adds to secret names, or a condition the call does
    not meet leave the share broken after both owner-side policies passed review.

    **When it applies.** Only when the run holds the reader's configuration (another provider
    configuration of the same root, or another root of the same run), for the roles and users
    the secret policy lets read and that are meant to read this secret: named by the secret
    policy, or allowed `kms:Decrypt` on its key (or this secret's ARN) by their own policies.
    Where the reader's account is not in the run, nothing is said.

    **How tfcheck decides.** On the reader's call `secretsmanager:GetSecretValue` on the
    secret's ARN (its shape `arn:aws:secretsmanager:<region>:<owner>:secret:<name>-??????` while
    AWS has not named it: a `Resource` must match every suffix AWS may pick), with the
    reader's context (`aws:PrincipalArn`, `aws:RequestedRegion`, its tags...). Allowed when a
    statement of its inline or attached policies (or of its groups') allows it, none denies it,
    and the permissions boundary, when set, allows it too. A policy not in the run or known
    only after apply may allow it: the finding is then advisory, naming it.

    **How to fix.** Allow the read on the secret's ARN, with a wildcard for the suffix.

    Before:

        statement {
          sid       = "ReadSharedSecret"
          actions   = ["secretsmanager:GetSecretValue"]
          resources = ["arn:aws:secretsmanager:us-east-1:111111111111:secret:shared/payments"]
        }

    After:

        statement {
          sid       = "ReadSharedSecret"
          actions   = ["secretsmanager:GetSecretValue"]
          resources = ["arn:aws:secretsmanager:us-east-1:111111111111:secret:shared/payments-??????"]
        }

    **References.** AWS Secrets Manager User Guide: "Access AWS Secrets Manager secrets from a
    different account"; IAM User Guide: "Policy evaluation logic" (cross-account requests).
    """

    id = "consumer-missing-secret-permission"
    title = "Reader's own policies do not allow reading the shared secret"
    severity = Severity.HIGH
    level = Level.SOFT_MANDATORY

    def check(self, facts: Facts) -> Iterator[Finding]:
        for gap in consumer_gaps(facts):
            if gap.missing == SECRET:
                yield gap_finding(self, gap, facts.owner_known)


# Shared with consumer-missing-kms-permission.

def gap_finding(rule: Rule, gap: Gap, owner_known: bool) -> Finding:
    """The finding on the policy to change (or the identity, when it has none in the run)."""
    identity, witness, sf = gap.identity, gap.witness, gap.sf
    assert sf.secret is not None
    resource = f"{gap.resource.text.replace(' (known after apply)', '')} ({gap.resource.shape})" \
        if isinstance(gap.resource, Vague) else gap.resource
    named = gap.resource_name or resource
    verb = "do not allow" if witness.certain else "may not allow"
    why = f": {spelled(witness.refused)}" if witness.certain and witness.refused else \
        f": it depends on {witness.unknown}" if witness.unknown else ""
    why = "" if witness.sensitive else why
    message = (f"{identity.arn} ({identity.resource.address}) may read {sf.secret.address} by its secret "
               f"policy, but its own policies {verb} {gap.action} on {named}{why}.")
    place = gap.place
    narrow = (f" restricted with kms:ViaService = {via}" if gap.missing == KMS and isinstance(
        via := witness.kms.context.get("kms:viaservice") if witness.kms is not None else None, str) else "")
    statement = f"a statement allowing {gap.action} on {resource}{',' if narrow else ''}{narrow}"
    if gap.denied:
        fix = (f"Narrow statement {witness.statement} of {place.holder.address if place else 'its policy'} "
               f"so that it does not deny {gap.action} on {resource}.")
    elif place is None:
        fix = f"Attach a policy to {identity.resource.address} (an aws_iam_role_policy) with {statement}."
    elif place.attribute == "inline_policy":
        fix = f"Add to the inline_policy of {place.holder.address} {statement}."
    else:
        fix = f"Add to the policy of {place.holder.address} {statement}."
    holder = place.holder if place is not None else identity.resource
    found = rule.finding(holder, message, fix, subject=f"{identity.arn} {gap.action} {named}",
                         related=[identity.resource, sf.holder, *chain(sf)],
                         attribute=place.attribute if place is not None else None,
                         needs_owner=not owner_known, witness=witness)
    return replace(found, root=identity.root)
