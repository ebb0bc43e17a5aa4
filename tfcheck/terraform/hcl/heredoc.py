"""Where Terraform ends a heredoc: the one definition the block scanner and the grammar share.

Terraform (hclsyntax's scanner) ends a heredoc at the first line of its body that, with
`bytes.TrimSpace` applied, is exactly the marker, and that ends with a newline. TrimSpace strips
Go's Unicode white space on both sides: spaces, tabs, vertical tabs, form feeds, NEL, NBSP and
the Unicode space separators. A line that reads the marker after one of those characters (or
followed by spaces) therefore ends the heredoc for Terraform; a reader that does not end it
there reads every later block as heredoc text, and checks none of them. Verified against
Terraform 1.11 (tests/test_terraform_differential.py).

The opener is `<<` or `<<-`, an identifier (letters, digits, `_`, `-`; no dots), and at once a
newline: `<<EOT  ` with trailing spaces is a syntax error for Terraform, and so here.
A lone carriage return (not before a line feed) is an invalid character in a heredoc for
Terraform, which then refuses the file; so does tfcheck (`\\r\\n` is a newline). Read as text,
it would let a heredoc run on past its marker line and hide the blocks after it.
"""

from __future__ import annotations

import re

#: Go's unicode.IsSpace without the line ends: what TrimSpace strips around a closing marker.
SPACE = "\\t\\x0b\\x0c \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
#: An HCL identifier as a heredoc marker (Unicode letters, as Terraform's ID_Start/ID_Continue).
MARKER = r"[^\W\d][\w-]*"

OPENER = re.compile(r"<<-?(" + MARKER + r")\r?\n")
#: A carriage return that is not part of a CRLF newline.
LONE_CR = re.compile(r"\r(?!\n)")


def closing_line(marker: str) -> re.Pattern[str]:
    """The line that ends a heredoc opened with `marker`: matched at a line start, its match
    ends just past the newline."""
    return re.compile(r"(?m)^[" + SPACE + "]*" + re.escape(marker) + "[" + SPACE + r"]*\r?\n")


def grammar_terminals() -> dict[str, str]:
    """The lark terminal definitions of the two heredoc forms, ending where Terraform ends them."""
    out = {}
    for name, group, dash in (("HEREDOC_TEMPLATE", "heredoc", ""),
                              ("HEREDOC_TEMPLATE_TRIM", "heredoc_trim", "-")):
        out[name] = (f"{name} : /<<{dash}(?P<{group}>{MARKER})\\r?\\n(?:(?:[^\\r]|\\r(?=\\n))*?\\n)??"
                     f"[{SPACE}]*(?P={group})[{SPACE}]*\\r?\\n/")
    return out
