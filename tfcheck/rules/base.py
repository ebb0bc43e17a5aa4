"""Rule: metadata declared once on the class, findings built from it, docstring as documentation."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterable, Iterator
from typing import ClassVar

from tfcheck.access import Facts, SecretFacts, Witness
from tfcheck.access.key_facts import KeyFacts
from tfcheck.findings import RULES_DOC_URL, Finding, Level, Related, RuleInfo, Severity
from tfcheck.iam import Principal
from tfcheck.model.resource import Resource


class Rule:
    """Base of every built-in rule; subclasses set the metadata and implement check()."""

    id: ClassVar[str]
    title: ClassVar[str]
    severity: ClassVar[Severity]
    level: ClassVar[Level]

    def check(self, facts: Facts) -> Iterator[Finding]:
        raise NotImplementedError

    @classmethod
    def doc(cls) -> str:
        """The rule's documentation: its docstring, dedented."""
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        return cls.doc().splitlines()[0] if cls.doc() else cls.title

    @classmethod
    @functools.cache  # noqa: B019 - one entry per rule class, kept for the process
    def info(cls) -> RuleInfo:
        """The metadata reports show, with the rule's default severity and level (built once per
        rule: every finding carries it, and cleaning a docstring per finding cost 0.3 s at 1,000
        units)."""
        return RuleInfo(cls.id, cls.title, cls.severity, cls.level, cls.summary(), cls.doc(),
                        f"{RULES_DOC_URL}#{cls.id}")

    def finding(self, holder: Resource | None, message: str, remediation: str, *,
                subject: str = "", related: Iterable[Resource] = (),
                needs_owner: bool = False, attribute: str | None = "policy",
                witness: Witness | None = None) -> Finding:
        return Finding(
            rule=self.id, severity=self.severity,
            address=holder.address if holder else None, message=message,
            remediation=remediation, subject=subject,
            location=holder.location_of(attribute) if holder else None,
            related=tuple(Related(r.address, r.location) for r in _unique(related)
                          if holder is None or r.address != holder.address),
            needs_owner=needs_owner, info=self.info(),
            uncertain=("" if witness is None or witness.certain
                       else witness.unknown or "a value known after apply"),
            witness=witness.to_json() if witness is not None else None,
        )


def chain(facts: SecretFacts) -> list[Resource]:
    """The secret and key resources behind a secret policy finding, for `related`."""
    return [*([facts.secret] if facts.secret else []), *facts.key.related]


HIDDEN = "(a value marked sensitive)"


def key_name(key: KeyFacts) -> str:
    """How a key is named in a message: its resource, or the data source that found it."""
    if key.key is not None:
        return key.key.address
    if key.source is not None:
        return key.source.address
    return "its key"


def show(principal: Principal, sensitive: bool = False) -> str:
    """How a principal is named in a message: never a value the plan marks sensitive (the
    principal's own flag, or `sensitive` for the document it is compared with)."""
    return HIDDEN if sensitive or principal.sensitive else principal.value


def show_account(principal: Principal, sensitive: bool = False) -> str:
    return HIDDEN if sensitive or principal.sensitive else (principal.account or principal.value)


def accounts_text(principals: Iterable[Principal], sensitive: bool,
                  trusted: frozenset[str] = frozenset()) -> str:
    """The accounts of some principals, e.g. "222222222222 (trusted), 333333333333"."""
    principals = list(principals)
    if sensitive or any(p.sensitive for p in principals):
        return "other accounts (their ids are marked sensitive)"
    names = sorted({p.account or ("anyone" if p.value == "*" else p.value) for p in principals})
    return ", ".join(f"{n} (trusted)" if n in trusted else n for n in names) or "other accounts"


def _unique(resources: Iterable[Resource]) -> list[Resource]:
    seen: set[str] = set()
    out = []
    for r in resources:
        if r.address not in seen:
            seen.add(r.address)
            out.append(r)
    return out
