"""One escaping function per output family, applied where input-derived text enters the output.

Everything a report shows about the input (addresses, file names, for_each keys, Sids, messages
quoting values) was written by the change under review. These functions keep it from becoming
the output's own syntax: a terminal escape, a line break that starts a workflow command, an HTML
tag or an @mention in the pull request comment.
"""

from __future__ import annotations

import html
import re

# C0 and C1 controls, DEL, and the invisible characters that reorder or split what is shown
# (bidi embeddings, overrides and isolates, marks, line and paragraph separators, BOM).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                      "\ufeff]")
_CONTROL_BUT_NEWLINE = re.compile(_CONTROL.pattern.replace("\x00-\x1f", "\x00-\x09\x0b-\x1f"))
_NOT_C0 = re.compile(_CONTROL.pattern.replace("\x00-\x1f", ""))
"""What json.dumps leaves raw in a string (it escapes C0 itself; its own layout is newlines)."""
# Markdown punctuation that could start emphasis, code, links or a table cell. An underscore
# inside a word (kms_key_id) is literal in GitHub and GitLab markdown, so only one at a word
# boundary is escaped, which keeps identifiers readable in the raw comment.
_MARKDOWN = re.compile(r"([\\`*\[\]|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
# An @ that GitHub or GitLab would read as a mention (@user, @org/team, @all) or a reference.
_MENTION = re.compile(r"@(?=[A-Za-z0-9_-])")


def _visible(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def text(value: str) -> str:
    """For a terminal or a CI log (text report, errors): every control or reordering character
    shown as a visible escape (`\\x1b`, `\\n`, `\\u202e`), so one value stays on one line."""
    return _CONTROL.sub(_visible, value)


def multiline(value: str) -> str:
    """Like text(), but line breaks kept: for formats where a newline cannot start anything
    (XML element text)."""
    return _CONTROL_BUT_NEWLINE.sub(_visible, value)


def json_document(dumped: str) -> str:
    """A json.dumps result with the characters json leaves raw (DEL, C1, bidi) as \\u escapes:
    the same JSON value, and nothing that acts on a terminal that prints it."""
    return _NOT_C0.sub(lambda m: f"\\u{ord(m[0]):04x}", dumped)


def github_data(value: str) -> str:
    """The message of a GitHub workflow command, as GitHub documents it: `%`, CR and LF escaped
    (so the value can never end the command line and start another), other controls visible."""
    return text(value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def github_property(value: str) -> str:
    """A property value of a workflow command (file=, title=): as data, plus `:` and `,`, so that
    no `::` or `,` in the value ends the property list."""
    return github_data(value).replace(":", "%3A").replace(",", "%2C")


def markdown(value: str) -> str:
    """Prose in the pull request comment: no HTML, no emphasis, links or code the input did not
    mean, no @mention that notifies anyone, one line."""
    value = _MARKDOWN.sub(r"\\\1", html.escape(value, quote=False))
    value = _MENTION.sub("@\u2060", value)  # a word joiner: shown as @name, never a mention
    return text(value.replace("\r", "").replace("\n", "<br>"))


def markdown_code(value: str) -> str:
    """The content of an inline code span (its backticks are the caller's): one line, no
    controls. HTML and @ are literal inside a code span."""
    return text(" ".join(value.split()))
