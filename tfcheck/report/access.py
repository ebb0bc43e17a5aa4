"""The access document of `tfcheck access` (text, JSON, markdown), and the pull request comment's
"Access changes" section."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tfcheck import __version__
from tfcheck.access.diff import Change
from tfcheck.access.summary import YES, Grantee, SecretAccess
from tfcheck.report.access_changes import changes_section, plain
from tfcheck.report.markdown import _code, _text
from tfcheck.survey import Survey

SCHEMA_VERSION = 1
"""Of the JSON `access` document (docs/access-schema.json); additions keep the version."""
NO_BEFORE = ("a directory has no state before the change: give a plan (terraform show -json) to "
             "see what it changes")
_plain = plain


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _verbs(g: Grantee) -> str:
    verbs = [f"{v}{'' if a == YES else ' (perhaps)'}" for v, a in (("read", g.reads), ("write", g.writes))
             if a != "no"]
    return ", ".join(verbs) or "no value access"


def _owners(s: Survey) -> str:
    return ", ".join(s.after.owners) or "unknown"


# --------------------------------------------------------------------------- text


def render_text(surveys: Sequence[Survey]) -> str:
    lines: list[str] = []
    for s in surveys:
        secrets = {e.address for e in s.after.secrets}
        lines.append(f"{_plain(s.input)}: {_n(len(secrets), 'secret')}, owner account {_owners(s)}")
        for e in s.after.secrets:
            lines += _text_entry(e)
        lines.append("")
        if s.changes is None:
            lines.append(f"Access changes: none shown: {NO_BEFORE}.")
        elif not s.changes:
            lines.append("Access changes: none (no one gains or loses access to a secret).")
        else:
            lines.append(f"Access changes ({_n(len(s.changes), 'change')}):")
            lines += [_plain(c.line) for c in s.changes]
        lines.append("")
    return "\n".join(lines)


def _text_entry(e: SecretAccess) -> list[str]:
    where = f" ({e.region})" if e.region and not e.replica else ""
    out = [f"  {_plain(e.label)}{where}, key {_plain(e.key.name)}"
           + (f" ({_plain(e.key.reason)})" if e.key.reason else "")]
    for u in e.unknown:
        out.append(f"    unknown: {_plain(u)}")
    if not e.grantees and not e.unknown:
        out.append("    no other account")
    for g in e.grantees:
        foreign = "" if g.foreign == YES else " (foreign unless it is the owner's)"
        out.append(f"    {_plain(g.who)}{foreign}: {_verbs(g)} — decrypts: {g.decrypts}")
        for c in g.conditions:
            out.append(f"      when {_plain(c)}")
        if g.decrypts != YES and g.why:
            out.append(f"      {_plain(g.why)}")
    return out


# --------------------------------------------------------------------------- json


def render_json(surveys: Sequence[Survey]) -> str:
    doc = {
        "version": SCHEMA_VERSION,
        "kind": "access",
        "tool": {"name": "tfcheck", "version": __version__},
        "inputs": [_json_survey(s) for s in surveys],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _json_survey(s: Survey) -> dict[str, Any]:
    return {
        "input": s.input,
        "owner_accounts": list(s.after.owners),
        "before": s.before is not None,
        "secrets": [_json_entry(e) for e in s.after.secrets],
        "changes": None if s.changes is None else [_json_change(c) for c in s.changes],
    }


def _json_entry(e: SecretAccess) -> dict[str, Any]:
    return {
        "address": e.address,
        "replica": e.replica,
        "region": e.region,
        "key": {"kind": e.key.kind, "name": e.key.name, "address": e.key.address, "policy": e.key.policy,
                "unknown": e.key.reason or None},
        "policies": list(e.policies),
        "grantees": [{
            "principal": g.principal, "account": g.account, "identity": g.identity, "foreign": g.foreign,
            "reads": g.reads, "writes": g.writes, "conditions": list(g.conditions), "decrypts": g.decrypts,
            "refused": g.why or None,
        } for g in e.grantees],
        "unknown": list(e.unknown),
    }


def _json_change(c: Change) -> dict[str, Any]:
    return {"sign": c.sign, "secret": c.secret, "account": c.account, "text": c.text}


# --------------------------------------------------------------------------- markdown


def render_markdown(surveys: Sequence[Survey]) -> str:
    lines: list[str] = []
    for s in surveys:
        lines += [f"### Access: {_code(s.input)} (owner account {_text(_owners(s))})", ""]
        if s.after.secrets:
            lines += ["| Secret | Key | Outside the owner | May | Decrypts |", "|---|---|---|---|---|"]
            for e in s.after.secrets:
                lines += _markdown_rows(e)
        else:
            lines.append("No secret.")
        lines.append("")
        if s.changes is None:
            lines += [f"_Access changes: none shown: {_text(NO_BEFORE)}._", ""]
        else:
            lines += changes_section(s.changes, cap=None) or ["_Access changes: none._", ""]
    return "\n".join(lines)


def _markdown_rows(e: SecretAccess) -> list[str]:
    secret, key = _code(e.label, table=True), _code(e.key.name, table=True)
    if not e.grantees:
        who = "unknown: " + _text("; ".join(e.unknown)) if e.unknown else "no one"
        return [f"| {secret} | {key} | {who} | | |"]
    rows = []
    for g in e.grantees:
        when = "<br>when " + "<br>".join(_text(c) for c in g.conditions) if g.conditions else ""
        rows.append(f"| {secret} | {key} | {_text(g.who)}{when} | {_text(_verbs(g))} | {g.decrypts} |")
    return rows
