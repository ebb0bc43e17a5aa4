"""What a plan changes about who can read each secret: the access summary of the state before
the plan against the one after, one line per change."""

from __future__ import annotations

from dataclasses import dataclass

from tfcheck.access.facts import Facts
from tfcheck.access.summary import (
    NO,
    UNKNOWN,
    YES,
    Grantee,
    KeyView,
    SecretAccess,
    Summary,
    summarize,
    summarize_before,
)

GAIN, LOSS, CHANGE = "+", "-", "~"


@dataclass(frozen=True)
class Change:
    """One line of the access diff."""

    sign: str
    """+ (someone gains access), - (someone loses it), ~ (something else changes)."""
    secret: str
    """The secret's address (a replica's changes name the secret)."""
    text: str
    account: str | None = None

    @property
    def line(self) -> str:
        return f"{self.sign} {self.text}"


def diff(before: Summary, after: Summary) -> tuple[Change, ...]:
    """Every change from `before` to `after`, by secret (then replica) in address order."""
    old = {(s.address, s.replica): s for s in before.secrets}
    new = {(s.address, s.replica): s for s in after.secrets}
    out: list[Change] = []
    for key in sorted(old.keys() | new.keys(), key=lambda k: (k[0], k[1] or "")):
        a, b = old.get(key), new.get(key)
        if a is None and b is not None:
            out += _opened(b)
        elif b is None and a is not None:
            gone_secret = not any(k[0] == key[0] for k in new)
            out += _closed(a, "it is destroyed" if gone_secret else "the replica is removed")
        elif a is not None and b is not None:
            out += _changed(a, b, after, before)
    return tuple(out)


def _name(key: KeyView) -> str:
    return f"`{key.name}`" if key.address else key.name


def _verbs(g: Grantee) -> str:
    verbs = [v for v, answer in (("read", g.reads), ("write", g.writes)) if answer != NO]
    maybe = " (perhaps: it depends on a value known after apply)" if UNKNOWN in (g.reads, g.writes) else ""
    return " and ".join(verbs or ["use"]) + maybe


def _opened(s: SecretAccess) -> list[Change]:
    out = [_granted(g, s) for g in s.grantees]
    out += [Change(CHANGE, s.address, f"who else may read {s.code_label} is not known: {u}")
            for u in s.unknown]
    return out


def _granted(g: Grantee, s: SecretAccess) -> Change:
    text = f"{g.who} may {_verbs(g)} {s.code_label} — decrypts: {g.decrypts}"
    return Change(GAIN, s.address, text, g.account)


def _closed(s: SecretAccess, why: str) -> list[Change]:
    return [Change(LOSS, s.address, f"{g.who} may no longer {_verbs(g)} {s.code_label} ({why})", g.account)
            for g in s.grantees]


def _where(address: str | None, after: Summary, before: Summary) -> str:
    if address is None:
        return ""
    loc = after.locations.get(address) or before.locations.get(address)
    return f", {loc}" if loc is not None else ""


def _key_source(key: KeyView, after: Summary, before: Summary) -> str:
    if key.address is None:
        return key.name
    holder = key.policy or key.address
    of = "key policy of" if key.kind == "customer" else "key"
    return f"{of} `{holder}`{_where(holder, after, before)}"


def _policy_source(s: SecretAccess, after: Summary, before: Summary) -> str:
    if not s.policies:
        return "no resource policy"
    return f"policy of `{s.policies[0]}`{_where(s.policies[0], after, before)}"


def _changed(a: SecretAccess, b: SecretAccess, after: Summary, before: Summary) -> list[Change]:
    out: list[Change] = []
    if a.key.name != b.key.name:
        out.append(Change(CHANGE, b.address, f"{b.code_label} moves from {_name(a.key)} to {_name(b.key)}"))
    olds = {g.principal: g for g in a.grantees}
    news = {g.principal: g for g in b.grantees}
    for principal in sorted(olds.keys() | news.keys()):
        g0, g1 = olds.get(principal), news.get(principal)
        if g0 is None and g1 is not None:
            out.append(_granted(g1, b))
        elif g1 is None and g0 is not None:
            out.append(Change(LOSS, b.address, f"{g0.who} may no longer {_verbs(g0)} {b.code_label} "
                                               f"({_policy_source(b, after, before)})", g0.account))
        elif g0 is not None and g1 is not None:
            out += _grantee_changed(g0, g1, b, after, before)
    for u in b.unknown:
        if u not in a.unknown:
            out.append(Change(CHANGE, b.address, f"who else may read {b.code_label} is not known: {u}"))
    return out


def _grantee_changed(g0: Grantee, g1: Grantee, s: SecretAccess, after: Summary, before: Summary
                     ) -> list[Change]:
    out: list[Change] = []
    label, who = f"{s.code_label}", g1.who
    for verb, x, y in (("read", g0.reads, g1.reads), ("write", g0.writes, g1.writes)):
        if x == y:
            continue
        source = _policy_source(s, after, before)
        if y == YES or (y == UNKNOWN and x == NO):
            maybe = "" if y == YES else " (perhaps)"
            out.append(Change(GAIN, s.address, f"{who} may now {verb} {label}{maybe} ({source})", g1.account))
        else:
            out.append(Change(LOSS, s.address, f"{who} may no longer {verb} {label} ({source})", g1.account))
    if g0.decrypts != g1.decrypts:
        source = _key_source(s.key, after, before)
        if g1.decrypts == YES:
            out.append(Change(GAIN, s.address, f"{who} can now decrypt {label} ({source})", g1.account))
        elif g1.decrypts == NO:
            out.append(Change(LOSS, s.address, f"{who} can no longer decrypt {label} ({source})", g1.account))
        else:
            out.append(Change(CHANGE, s.address,
                              f"whether {who} can decrypt {label} is now unknown ({source})", g1.account))
    if g0.conditions != g1.conditions:
        now = "; ".join(g1.conditions) or "none"
        out.append(Change(CHANGE, s.address, f"{who} is let into {label} under other conditions: {now}",
                          g1.account))
    return out


def opened_accounts(before: Summary | None, after: Summary) -> dict[str, list[str]]:
    """Secret address -> accounts that may read it after the plan and could not before ("*" is
    anyone; "?" an account known only after apply)."""
    def readers(summary: Summary) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for s in summary.secrets:
            accounts = out.setdefault(s.address, set())
            accounts.update(g.account or "?" for g in s.grantees if g.may_read)
        return out

    old = readers(before) if before is not None else {}
    found: dict[str, list[str]] = {}
    for address, accounts in readers(after).items():
        opened = sorted(accounts - old.get(address, set()))
        if opened:
            found[address] = opened
    return found


def access_changes(facts: Facts) -> tuple[Change, ...]:
    """The changes from the facts' state before (none without one) to the facts."""
    before = summarize_before(facts)
    if before is None:
        return ()
    return diff(before, summarize(facts))
