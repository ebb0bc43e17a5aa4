"""Rule replica-without-cmk: a shared secret's replica is on the AWS-managed key (or a key elsewhere)."""

from __future__ import annotations

from collections.abc import Iterator

from tfcheck.access import Facts
from tfcheck.access.key_facts import KeyKind
from tfcheck.findings import Finding, Level, Severity
from tfcheck.rules.base import Rule, accounts_text, chain


class ReplicaWithoutCmk(Rule):
    """A replica of a shared secret has no customer-managed key in its own region.

    **Why.** Secrets Manager copies a secret's resource policy to every replica, so the other
    account is allowed to read the replica too (that is often why it exists: consumers in
    another region read the nearby copy). But each replica is encrypted with its own key in its
    own region: `replica { region = … }` without `kms_key_id` uses that region's AWS-managed
    `aws/secretsmanager` key, which other accounts cannot use. And a replica key must be in
    the replica's region: a key ARN from another region does not work. Failover to the replica
    then breaks exactly for the consumers it was meant to serve.

    **How to fix.** Give every replica a customer-managed key in its region (a multi-Region
    replica key is the usual choice) whose policy allows the other account `kms:Decrypt`.

    Before:

        replica {
          region = "us-west-2"
        }

    After:

        replica {
          region     = "us-west-2"
          kms_key_id = aws_kms_replica_key.secrets_west.arn
        }

    **References.** AWS Secrets Manager User Guide: "Replicate AWS Secrets Manager secrets
    across Regions"; AWS KMS Developer Guide: "Multi-Region keys in AWS KMS".
    """

    id = "replica-without-cmk"
    title = "Shared secret's replica has no customer-managed key"
    severity = Severity.HIGH
    level = Level.HARD_MANDATORY

    def check(self, facts: Facts) -> Iterator[Finding]:
        for sf in facts.secrets:
            if not sf.accesses or sf.secret is None:
                continue
            who = accounts_text((a.principal for a in sf.accesses), sf.sensitive, facts.trusted)
            for region, key in sf.replicas:
                if key.kind is KeyKind.AWS_MANAGED:
                    why = f"uses the AWS-managed key of {region}, which other accounts cannot use"
                elif key.region and region and key.region != region:
                    name = key.key.address if key.key else "its key"
                    why = f"is encrypted with {name}, which is in {key.region}, not {region}"
                else:
                    continue
                yield self.finding(
                    sf.secret,
                    f"The replica of {sf.secret.address} in {region} is shared with {who} (resource "
                    f"policies are replicated), but it {why}.",
                    f"Set kms_key_id in the {region} replica block to a customer-managed key in "
                    f"{region} whose policy allows {who} kms:Decrypt.",
                    subject=region or "", related=[sf.holder, *chain(sf)],
                    needs_owner=all(a.foreign is None for a in sf.accesses), attribute="replica",
                )
