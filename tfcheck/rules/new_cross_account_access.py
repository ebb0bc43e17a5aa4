"""Rule new-cross-account-access: the change lets an account read a secret it could not read before."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from tfcheck.access import Facts
from tfcheck.access.diff import opened_accounts
from tfcheck.access.summary import UNKNOWN, YES, SecretAccess, summarize, summarize_before
from tfcheck.findings import Finding, Level, Severity
from tfcheck.rules.base import Rule


class NewCrossAccountAccess(Rule):
    """A change opens a secret to an account that could not read it before.

    **Why.** Who may read a secret is the question a reviewer of a Terraform change really
    has. This rule compares the state before the plan (its `prior_state` and each resource's
    `before` values) with the state after it, with the same access reasoning as every other
    rule: an account may read a secret when the secret's resource policy allows it
    `secretsmanager:GetSecretValue` (or may, depending on a value known only after apply) and
    the key does not refuse it `kms:Decrypt`. It fires once per secret for the accounts that
    may read it after the change and could not before: a new secret shared with another
    account, a new principal in a secret policy, a key policy that lets a consumer in at last.
    It is advisory by default; make it `soft-mandatory` in `tfcheck.hcl` so that new
    cross-account access needs a security review, given with `--override
    new-cross-account-access --override-reason "..."`. A directory scan has no state before
    the change: the rule needs a plan.

    **How to fix.** Nothing is wrong in itself: review who gains access. If it is intended,
    record the review (an override with its reason, or a waiver for that secret); if not,
    remove the principal from the secret policy.

    Before:

        Statement = [{
          Sid       = "PartnerRead"
          Effect    = "Allow"
          Principal = { AWS = "arn:aws:iam::222222222222:root" }
          Action    = "secretsmanager:GetSecretValue"
          Resource  = "*"
        }]

    After (the change adds a second account; this rule names 333333333333):

        Statement = [{
          Sid       = "PartnerRead"
          Effect    = "Allow"
          Principal = { AWS = ["arn:aws:iam::222222222222:root",
                               "arn:aws:iam::333333333333:root"] }
          Action    = "secretsmanager:GetSecretValue"
          Resource  = "*"
        }]

    **References.** IAM Access Analyzer `CheckNoNewAccess` (the same question asked of two
    policy versions, online); `tfcheck access PLAN` lists every change of access.
    """

    id = "new-cross-account-access"
    title = "Change opens a secret to another account"
    severity = Severity.MEDIUM
    level = Level.ADVISORY

    def check(self, facts: Facts) -> Iterator[Finding]:
        before = summarize_before(facts)
        if before is None:
            return
        after = summarize(facts)
        by_address: dict[str, list[SecretAccess]] = {}
        for entry in after.secrets:  # one look-up per secret (a scan each was quadratic: 3.6 s at 10,000)
            by_address.setdefault(entry.address, []).append(entry)
        for address, accounts in opened_accounts(before, after).items():
            entries = by_address.get(address, [])
            grantees = [g for s in entries for g in s.grantees if (g.account or "?") in accounts]
            policies = [p for s in entries for p in s.policies]
            secret = facts.graph.get(address)
            holder = facts.graph.get(policies[0]) if policies else secret
            who = ", ".join("anyone" if a == "*" else "an account known after apply" if a == "?" else a
                            for a in accounts)
            they = "it" if len(accounts) == 1 else "they"
            uncertain = next((g.why or "a value known only after apply" for g in grantees
                              if UNKNOWN in (g.reads, g.decrypts)), "")
            found = self.finding(
                holder,
                f"This change {'may let' if uncertain else 'lets'} {who} read {address}, which {they} "
                "could not read before.",
                f"Review that {who} should read {address}; if so, record the review (--override {self.id} "
                f"with a reason, or a waiver); if not, remove {'it' if len(accounts) == 1 else 'them'} "
                "from the secret policy.",
                subject=" ".join(accounts),
                related=[r for r in (secret,) if r is not None and r is not holder],
                needs_owner=any(g.foreign != YES for g in grantees))
            yield replace(found, uncertain=uncertain) if uncertain else found
