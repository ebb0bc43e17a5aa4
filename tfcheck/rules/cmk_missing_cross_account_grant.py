"""Rule cmk-missing-cross-account-grant: the secret's key does not let the other account decrypt."""

from __future__ import annotations

from collections.abc import Iterator

from tfcheck.access import Access, Facts, SecretFacts, Witness
from tfcheck.access.key_facts import KeyFacts
from tfcheck.findings import Finding, Level, Severity
from tfcheck.rules.base import Rule, chain, show


class CmkMissingCrossAccountGrant(Rule):
    """A shared secret's customer-managed key does not allow the other account to decrypt.

    **Why.** Reading a secret needs two permissions: the secret's resource policy must allow
    `secretsmanager:GetSecretValue`, and the KMS key that encrypts it must allow `kms:Decrypt`
    to the same principal (writers also need `kms:GenerateDataKey`). When the key policy
    (or an `aws_kms_grant`) leaves the other account out, the resource policy grants an
    access that fails at run time with a KMS `AccessDeniedException`. A key with no `policy`
    gets AWS's default key policy, which lets in only the key's own account.

    **How tfcheck decides.** As AWS does, on concrete requests. For every principal the secret
    policy lets in from another account (an account root stands for every role, user and session
    of that account), tfcheck asks: *is there a request the secret policy allows and the key
    refuses?* Reading (`GetSecretValue`) makes Secrets Manager call `kms:Decrypt`, writing
    (`PutSecretValue`, `UpdateSecret`) `kms:GenerateDataKey`, as the caller, with
    `kms:ViaService = secretsmanager.<the secret's region>.amazonaws.com` (`.amazonaws.com.cn`
    in China), `kms:CallerAccount` = the caller's account, and the encryption context
    `SecretARN` (the secret's ARN) and `SecretVersionId`. The key allows the call when an Allow
    of its key policy or an `aws_kms_grant` (grantee, operations, encryption-context
    constraints) covers it and no Deny of its key policy does. A key without a policy gets AWS's
    default, which lets in only its own account. Each replica is asked in its own region, with
    its own key. AWS also documents `kms:Decrypt` for some writes: a writer refused only that
    gets an advisory.

    Understood: Allow and Deny (an explicit Deny wins, a conditional one too when its
    condition provably holds), Principal and NotPrincipal, Action and NotAction (wildcards, any
    case); the operators String*, Arn*, Bool, Null, Numeric*, their `IfExists` forms and
    `ForAnyValue:`/`ForAllValues:`; several values (any of them; none of them for a negated
    operator), several keys and operators (all of them); policy variables such as
    `${aws:PrincipalAccount}`. The keys `aws:PrincipalArn`, `aws:PrincipalAccount`,
    `aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`, `aws:PrincipalType`, `aws:SourceAccount`
    and `aws:SourceArn` (absent on a direct call), `aws:SecureTransport`, `aws:ViaAWSService`,
    `aws:RequestedRegion`, `kms:ViaService`, `kms:CallerAccount`,
    `kms:EncryptionContext:SecretARN`, `kms:EncryptionContext:SecretVersionId` and
    `kms:EncryptionContextKeys`. Keys a caller chooses to send (its tags, a VPC endpoint, MFA)
    are tried absent and with each value a condition names. Any other key (source IPs, times)
    or operator is *unknown*: it can make a finding advisory, never make one disappear. Which organization
    another account is in is not in the configuration: a refusal that holds only in or out of
    one depends on it.

    **Values known only after apply** are variables: the finding is blocking when the refusal
    holds whatever they turn out to be, advisory (naming the value) when it holds for some, and
    absent when it holds for none. The secret's own ARN in `Resource`, a `Sid`, or a role
    created in this configuration therefore decide nothing.

    **The witness.** Every finding names one such request: the caller (for example
    `arn:aws:iam::222222222222:role/app-x`), the secret action the secret policy allows it
    (and the condition it matched), the KMS call Secrets Manager makes for it, and the key
    statement that refuses it or would have to allow it. The JSON report carries it as
    `witness`. Values marked sensitive are never shown.

    **How to fix.** Add a statement to the key policy for the same principal (preferably its
    account root) with `kms:Decrypt` (plus `kms:GenerateDataKey` for writers) and
    `kms:DescribeKey`, under the same conditions as the secret policy (an `aws:PrincipalArn`
    pattern on one side needs the same on the other) and restricted with `kms:ViaService` of the
    secret's region. Never let `*` decrypt: if the secret policy lets anyone in, restrict it first
    (see `secret-policy-public`).

    Before:

        statement {
          sid       = "OwnerAdmin"
          actions   = ["kms:*"]
          resources = ["*"]
          principals {
            type        = "AWS"
            identifiers = ["arn:aws:iam::111111111111:root"]
          }
        }

    After (add):

        statement {
          sid       = "ConsumerDecryptViaSecretsManager"
          actions   = ["kms:Decrypt", "kms:DescribeKey"]
          resources = ["*"]
          principals {
            type        = "AWS"
            identifiers = ["arn:aws:iam::222222222222:root"]
          }
          condition {
            test     = "StringEquals"
            variable = "kms:ViaService"
            values   = ["secretsmanager.us-east-1.amazonaws.com"]
          }
        }

    **References.** AWS KMS Developer Guide: "Allowing users in other accounts to use a KMS
    key"; AWS Secrets Manager User Guide: "Access AWS Secrets Manager secrets from a
    different account".
    """

    id = "cmk-missing-cross-account-grant"
    title = "Secret's KMS key does not allow the other account"
    severity = Severity.HIGH
    level = Level.HARD_MANDATORY

    def check(self, facts: Facts) -> Iterator[Finding]:
        for sf in facts.secrets:
            if sf.secret is None:
                continue
            for region, key, target in sf.each_key():
                if key.key is None or not sf.decidable(key):
                    continue
                if region and key.region and key.region != region:
                    continue  # a key of another region: replica-without-cmk says so
                for access in sf.accesses:
                    witness = sf.refusal(access, key, target)
                    if witness is not None:
                        yield self._finding(sf, key, access, region, witness)

    def _finding(self, sf: SecretFacts, key: KeyFacts, access: Access, region: str | None,
                 witness: Witness) -> Finding:
        assert sf.secret is not None and key.key is not None
        who = show(access.principal, sf.sensitive)
        needed = witness.kms.action if witness.kms is not None else " and ".join(access.kms_actions)
        name = key.key.address
        holder = key.policy_holder or key.key
        where = "" if holder.address == name else f" (set by {holder.address})"
        replica = f" (its replica in {region})" if region else ""
        if witness.caller.fresh:
            # Anyone may read: the fix is never a key that lets everyone decrypt.
            fix = (f"Restrict the policy on {sf.secret.address} first (see secret-policy-public); then "
                   f"allow the accounts that remain {needed} in the key policy of {name}.")
        else:
            fix = (f"Allow {who} {needed} in the key policy of {name}{where}, under the same conditions "
                   "as the secret policy (restricted with kms:ViaService).")
        return self.finding(
            sf.holder,
            f"{who} may {'write' if access.writes and not access.reads else 'read'} "
            f"{sf.secret.address}{replica}, but the key {name} "
            f"{'refuses' if witness.certain else 'may refuse'} it: {witness.text()}.",
            fix,
            subject=access.principal.value + (f" {name}" if region else ""), related=chain(sf),
            needs_owner=access.foreign is None and not witness.caller.fresh, witness=witness,
        )
