"""Check a policy's grammar offline: names AWS does not define, malformed principals and ARNs.

`validate(policy)` lists the Problems of a parsed policy, `validate_grant_operations(ops)` those
of an `aws_kms_grant`'s operations. A Problem says what is wrong twice: `detail` quotes the
offending text, `generic` does not (for a policy marked sensitive). Values known only after
apply (anything but a string in the parsed policy, an unknown principal, operator or effect)
are never judged.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from tfcheck.iam.actions import glob_match
from tfcheck.iam.catalog import (
    CROSS_SERVICE_KEYS,
    CURRENT_VERSION,
    FEDERATION_SERVICE,
    GLOBAL_TEMPLATES,
    GRANT_OPERATIONS,
    OLD_VERSION,
    OPERATORS,
    SET_PREFIXES,
    Action,
    Catalog,
    catalog,
    key_template,
    supports,
)
from tfcheck.iam.policy import Condition, Policy, Statement
from tfcheck.iam.principals import PARTITIONS, Principal, PrincipalKind

_DIGITS = re.compile(r"[0-9]+")
_ACCOUNT = re.compile(r"[0-9]{12}")
_WILDCARD = re.compile(r"[*?]")


@dataclass(frozen=True)
class Problem:
    """One mistake in one policy (or grant)."""

    code: str
    """What kind of mistake: unknown-action, unknown-condition-key, missing-version, ..."""
    invalid: bool
    """True when it changes what the policy does or makes AWS refuse it; False for style."""
    statement: Statement | None
    """The statement it is in (None for the document's Version or Statement list, or a grant)."""
    text: str
    """The offending text as written (never shown for a sensitive policy)."""
    detail: str
    """What is wrong, quoting `text`."""
    generic: str
    """What is wrong, without quoting anything from the policy."""
    consequence: str
    """What it does (or what AWS does with it); quotes nothing from the policy."""
    suggestion: str | None = None
    """The near miss it probably meant, when there is an obvious one."""

    def where(self, sensitive: bool) -> str:
        """The statement, by Sid when it has one (and may be shown), else by index."""
        st = self.statement
        if st is None:
            return "the policy"
        if isinstance(st.sid, str) and st.sid and not sensitive:
            sid = st.sid if len(st.sid) <= 60 else st.sid[:57] + "..."
            return f'statement "{sid}"'
        return f"statement #{st.index}"


def validate(policy: Policy, cat: Catalog | None = None, *, invalid: bool = True,
             style: bool = True) -> list[Problem]:
    """The problems of a parsed policy, in document order: those that change what it does or make
    AWS refuse it (`invalid`), and matters of style (`style`: its Version)."""
    out: list[Problem] = []
    version = policy.version
    if style and version is None:
        out.append(Problem("missing-version", False, None, "", "has no Version",
                           "has no Version", _OLD_SEMANTICS))
    elif style and version == OLD_VERSION:
        out.append(Problem("old-version", False, None, version, f'has Version "{version}"',
                           "has an old Version", _OLD_SEMANTICS))
    if not invalid:
        return out
    if isinstance(version, str) and version not in (CURRENT_VERSION, OLD_VERSION):
        out.append(Problem("invalid-version", True, None, version, f'has Version "{version}"',
                           "has a Version AWS does not define",
                           f"AWS knows only {CURRENT_VERSION} and {OLD_VERSION}: it refuses the "
                           "policy when it is applied"))
    if not policy.statements:
        out.append(Problem("no-statements", True, None, "", "has an empty Statement list",
                           "has an empty Statement list",
                           "it allows and denies nothing (AWS may refuse it when it is applied)"))
    cat = cat or catalog()
    for st in policy.statements:
        out += _statement(st, cat)
    return out


_OLD_SEMANTICS = (f"IAM then reads it as Version {OLD_VERSION}, in which policy variables such "
                  "as ${aws:username} are plain text")


def _statement(st: Statement, cat: Catalog) -> list[Problem]:
    out: list[Problem] = []
    for field, values in (("Action", st.actions), ("NotAction", st.not_actions)):
        if values is None:
            continue
        if not values:
            out.append(_empty_actions(st, field))
        for value in values:
            if isinstance(value, str):
                out += _action(st, field, value, cat)
    for field, principals in (("Principal", st.principals), ("NotPrincipal", st.not_principals)):
        for p in principals or ():
            problem = _principal(st, field, p)
            if problem is not None:
                out.append(problem)
    for field, values in (("Resource", st.resources), ("NotResource", st.not_resources)):
        for value in values or ():
            if isinstance(value, str):
                problem = _resource(st, field, value)
                if problem is not None:
                    out.append(problem)
    for c in st.conditions:
        out += _condition(st, c, cat)
    return out


def _does_not_apply(st: Statement, what: str) -> str:
    """What an entry IAM ignores does to the statement, by its effect."""
    if st.effect == "Allow":
        return f"IAM ignores {what}, so this Allow grants nothing through it"
    if st.effect == "Deny":
        return f"IAM ignores {what}, so this Deny does not apply through it"
    return f"IAM ignores {what}"


def _empty_actions(st: Statement, field: str) -> Problem:
    if field == "Action":
        consequence = ("the statement matches no action: it allows or denies nothing (AWS may "
                       "refuse it when it is applied)")
    else:
        consequence = ("an empty NotAction excludes nothing: the statement covers every action "
                       "(AWS may refuse it when it is applied)")
    return Problem("empty-action", True, st, "", f"has an empty {field} list",
                   f"has an empty {field} list", consequence)


def _action(st: Statement, field: str, value: str, cat: Catalog) -> list[Problem]:
    if value == "*":
        return []
    service, colon, name = value.partition(":")
    if not colon or not service or not name:
        return [Problem("malformed-action", True, st, value,
                        f'{field} "{value}" is not of the form service:Action',
                        f"{field} holds an entry that is not of the form service:Action",
                        _does_not_apply(st, "it"))]
    if _WILDCARD.search(service):
        if any(_glob(service, s) for s in cat.services()):
            return []
        return [Problem("unknown-service", True, st, value,
                        f'{field} "{value}": no AWS service prefix matches "{service}"',
                        f"{field} names a service prefix AWS does not define",
                        _does_not_apply(st, "the action"))]
    if not cat.has_service(service):
        near = _near(service, cat.services())
        suggestion = _fix_action(cat, near, name) if near else None
        return [Problem("unknown-service", True, st, value,
                        f'{field} "{value}": no AWS service has the prefix "{service}"',
                        f"{field} names a service prefix AWS does not define",
                        _does_not_apply(st, "the action"), suggestion)]
    if _WILDCARD.search(name):
        if cat.matching_actions(value):
            return []
        return [Problem("unknown-action", True, st, value,
                        f'{field} "{value}" matches no action of {service.lower()}',
                        f"{field} holds a pattern that matches no action",
                        _does_not_apply(st, "the pattern"))]
    actions = cat.actions(service)
    if name.lower() in actions:
        return []
    near = _near(name, [a.name for a in actions.values()])
    return [Problem("unknown-action", True, st, value,
                    f'{field} "{value}": {service.lower()} has no action "{name}"',
                    f"{field} names an action AWS does not define",
                    _does_not_apply(st, "the action"),
                    f"{service}:{near}" if near else None)]


def _fix_action(cat: Catalog, service: str, name: str) -> str:
    """service:name with the action spelled as the catalogue spells it, when it has it."""
    action = cat.actions(service).get(name.lower())
    return f"{service}:{action.name if action else name}"


def _glob(pattern: str, text: str) -> bool:
    return glob_match(pattern, text, ignore_case=True)


def _principal(st: Statement, field: str, p: Principal) -> Problem | None:
    if p.kind is not PrincipalKind.INVALID:
        return None
    found = _principal_fault(p.value)
    if found is None:
        return None
    reason, suggestion = found
    return Problem("malformed-principal", True, st, p.value, f'{field} "{p.value}" {reason}',
                   f"{field} names a malformed principal ({_no_quote(reason)})",
                   "AWS refuses the policy when it is applied (\"Invalid principal in policy\")",
                   suggestion)


def _principal_fault(value: str) -> tuple[str, str | None] | None:
    """Why an AWS principal is malformed, and the fix, when that is certain.

    Forms tfcheck does not classify but AWS accepts (an STS federated user, CloudFront's origin
    access identity user) are not reported: only a wrong account id, a missing colon, a wildcard
    inside an ARN, a partition or service that cannot be, or no ARN at all.
    """
    if _DIGITS.fullmatch(value):
        return f"has {len(value)} digits: an account id has 12", None
    if not value.lower().startswith("arn:"):
        return ("is neither an account id nor an ARN", None)
    parts = value.split(":")
    if len(parts) == 5 and _ACCOUNT.fullmatch(parts[3]):
        fixed = ":".join([*parts[:3], "", *parts[3:]])
        return "lacks a colon: the region field of an IAM ARN is empty", fixed
    if _WILDCARD.search(value):
        return ("holds a wildcard: a principal ARN cannot be a pattern (use \"*\" with an "
                "aws:PrincipalArn condition)", None)
    if len(parts) < 6:
        return "is not an ARN (arn:partition:service::account:resource)", None
    partition, service, region, account = parts[1].lower(), parts[2].lower(), parts[3], parts[4]
    if partition not in PARTITIONS:
        return f'has the partition "{parts[1]}" (aws, aws-cn or aws-us-gov)', None
    if service not in ("iam", "sts"):
        return f'is an ARN of "{parts[2]}": a principal ARN is of iam or sts', None
    if region:
        fixed = ":".join([*parts[:3], "", *parts[4:]])
        return "has a region: the region field of an IAM ARN is empty", fixed
    if _DIGITS.fullmatch(account) and len(account) != 12:
        return f"has an account id of {len(account)} digits: an account id has 12", None
    return None


def _no_quote(reason: str) -> str:
    """A reason without the parts that quote the policy."""
    return re.sub(r'"[^"]*"', "…", reason)


def _resource(st: Statement, field: str, value: str) -> Problem | None:
    if value == "*":
        return None
    if not value.lower().startswith("arn:"):
        reason = 'is neither "*" nor an ARN'
    else:
        parts = value.split(":", 5)
        account = parts[4] if len(parts) > 4 else ""
        if len(parts) < 6 and not _WILDCARD.search(value):
            reason = "is not an ARN (arn:partition:service:region:account:resource)"
        elif len(parts) > 1 and parts[1].lower() not in PARTITIONS and not _WILDCARD.search(parts[1]):
            reason = f'has the partition "{parts[1]}" (aws, aws-cn or aws-us-gov)'
        elif _DIGITS.fullmatch(account) and len(account) != 12:
            reason = f"has an account id of {len(account)} digits: an account id has 12"
        elif _DIGITS.match(account) and not _DIGITS.fullmatch(account) and "$" not in account \
                and not _WILDCARD.search(account):
            reason = f'has the account field "{account}" (a colon missing after the account id?)'
        else:
            return None
    verb = {"Allow": "this Allow grants", "Deny": "this Deny denies"}.get(st.effect, "the statement does")
    consequence = (f"it matches no resource, so {verb} nothing on it (AWS may refuse the policy "
                   "when it is applied)")
    return Problem("malformed-resource", True, st, value, f'{field} "{value}" {reason}',
                   f"{field} holds a malformed ARN ({_no_quote(reason)})", consequence)


def _condition(st: Statement, c: Condition, cat: Catalog) -> list[Problem]:
    if c.operator == "?" or c.key == "?":
        return []
    out: list[Problem] = []
    operator_problem = _operator(st, c.operator)
    if operator_problem is not None:
        out.append(operator_problem)
    key_problem = _key(st, c, cat)
    if key_problem is not None:
        out.append(key_problem)
    return out


_OPERATORS_LOWER = {o.lower(): o for o in OPERATORS}


def _operator(st: Statement, operator: str) -> Problem | None:
    prefix, base = "", operator
    for p in SET_PREFIXES:
        if operator.lower().startswith(p.lower()):
            prefix, base = operator[:len(p)], operator[len(p):]
    # Operators are compared as IAM's documentation writes them, but a difference of case
    # alone is not reported (tfcheck cannot prove AWS refuses it).
    if base.lower() in _OPERATORS_LOWER:
        return None
    near = _near(base, OPERATORS)
    return Problem("unknown-operator", True, st, operator,
                   f'Condition operator "{operator}" is not an IAM condition operator',
                   "Condition uses an operator IAM does not define",
                   "AWS refuses the policy when it is applied (\"Invalid Condition type\")",
                   f"{prefix}{near}" if near else None)


def _key(st: Statement, c: Condition, cat: Catalog) -> Problem | None:
    key = c.key
    service, colon, _ = key.partition(":")
    if not colon:
        return _unknown_key(st, c, "is not of the form service:Key", None)
    if service == "aws":
        if key_template(key, GLOBAL_TEMPLATES) is not None:
            return None
        return _unknown_key(st, c, "is not a global condition key",
                            _near_key(key, GLOBAL_TEMPLATES.values()))
    if not cat.has_service(service):
        if "." in service or "/" in service:
            return None  # an identity provider's key (token.actions.githubusercontent.com:sub)
        if key_template(key, cat.condition_keys(FEDERATION_SERVICE)) is not None:
            return None  # saml:aud and the like
        near = _near(service, cat.services())
        return _unknown_key(st, c, f'names the service prefix "{service}", which AWS does not define',
                            _spelled_key(cat, near, key.partition(":")[2]) if near else None)
    templates = cat.condition_keys(service)
    if key_template(key, templates) is None:
        return _unknown_key(st, c, f"is not a condition key of {service}",
                            _near_key(key, templates.values()))
    if key in CROSS_SERVICE_KEYS:
        return None
    return _unsupported(st, c, cat)


def _spelled_key(cat: Catalog, service: str, name: str) -> str:
    """service:name as the catalogue spells the key, when the service has it."""
    templates = cat.condition_keys(service)
    template = key_template(f"{service}:{name}".lower(), templates)
    return templates[template] if template in templates and "${" not in template \
        else f"{service}:{name}"


def _unknown_key(st: Statement, c: Condition, reason: str, suggestion: str | None) -> Problem:
    return Problem("unknown-condition-key", True, st, c.key, f'Condition key "{c.key}" {reason}',
                   "Condition uses a key AWS does not define", _absent_key(st, c),
                   suggestion)


def _absent_key(st: Statement, c: Condition) -> str:
    """What a condition on a key that is never in the request does (IAM User Guide, "Condition
    operators": an absent key matches nothing, so a negated operator is true; `...IfExists`
    is true, `Null` is its value, a ForAllValues set is vacuously true)."""
    lowered = c.operator.lower()
    base = lowered.split(":", 1)[-1]
    if base == "null":
        always: bool | None = True if set(c.values) == {"true"} else False if set(c.values) == {"false"} \
            else None
        if always is None:
            return "the key is never in a request"
    else:
        always = (base.endswith("ifexists") or lowered.startswith("forallvalues:")
                  or ("not" in base and not lowered.startswith("foranyvalue:")))
    if not always:
        return "the key is never in a request, so the condition is false" + {
            "Allow": ": this Allow never applies", "Deny": ": this Deny never applies"}.get(st.effect, "")
    return "the key is never in a request, so the condition is always true and restricts nothing" + {
        "Allow": ": this Allow applies to every request it covers",
        "Deny": ": this Deny applies to every request it covers"}.get(st.effect, "")


def _unsupported(st: Statement, c: Condition, cat: Catalog) -> Problem | None:
    """A service key that none of the statement's actions supports (when they are all known)."""
    if st.actions is None or not st.actions:
        return None
    matched: list[Action] = []
    for value in st.actions:
        if not isinstance(value, str) or value == "*":
            return None
        service, _, _ = value.partition(":")
        if _WILDCARD.search(service):
            return None
        matched += cat.matching_actions(value)
    if not matched or any(supports(a.keys, c.key) for a in matched):
        return None
    names = ", ".join(sorted(dict.fromkeys(a.full for a in matched))[:4])
    more = ", …" if len({a.full for a in matched}) > 4 else ""
    return Problem("unsupported-condition-key", True, st, c.key,
                   f'Condition key "{c.key}" is not supported by any action of the statement '
                   f"({names}{more})",
                   "Condition uses a key that none of the statement's actions supports",
                   _absent_key(st, c))


def validate_grant_operations(operations: Iterable[object]) -> list[Problem]:
    """The operations of an aws_kms_grant that are not KMS grant operations."""
    out: list[Problem] = []
    lowered = {o.lower(): o for o in GRANT_OPERATIONS}
    for op in operations:
        if not isinstance(op, str) or op in GRANT_OPERATIONS:
            continue
        bare = op.split(":", 1)[1] if op.lower().startswith("kms:") else op
        suggestion = lowered.get(bare.lower()) or _near(bare, GRANT_OPERATIONS)
        out.append(Problem("unknown-grant-operation", True, None, op,
                           f'operation "{op}" is not a KMS grant operation',
                           "operations holds a value that is not a KMS grant operation",
                           "AWS refuses the grant (a grant operation is a bare KMS operation name "
                           "such as Decrypt)", suggestion))
    return out


def _near(word: str, choices: Iterable[str]) -> str | None:
    """The one choice that is obviously what `word` meant (case-insensitive), if any."""
    by_lower = {c.lower(): c for c in choices}
    found = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.8)
    return by_lower[found[0]] if found else None


def _near_key(key: str, templates: Iterable[str]) -> str | None:
    """The catalogue key `key` probably meant; templates (tag keys) are no suggestion."""
    return _near(key, [t for t in templates if "${" not in t and "<" not in t])
