"""Issue 16: what the pull request wrote cannot become the output's syntax, nor show a sensitive value."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

FORMATS = ("text", "json", "sarif", "junit", "markdown", "github", "gitlab")
CANARY = "CANARY-sid-7f3a9"
INJECTED_SID = (r"x\n::error::injected\nResult: passed @octocat <img src=x onerror=alert(1)> "
                r"\u001b[2J \u202e \u009b `code`")
TF = """variable "sid" {
  type      = string
  sensitive = true
  default   = "%(canary)s"
}

resource "aws_secretsmanager_secret" "s" {
  name = "app"
}

resource "aws_secretsmanager_secret_policy" "s" {
  secret_arn = aws_secretsmanager_secret.s.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid = "%(sid)s", Effect = "Allow", Principal = "*",
      Action = "secretsmanager:GetSecretValue", Resource = "*"
    }]
  })
}

resource "aws_secretsmanager_secret" "t" {
  name = "other"
}

resource "aws_secretsmanager_secret_policy" "t" {
  secret_arn = aws_secretsmanager_secret.t.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid = var.sid, Effect = "Allow", Principal = "*",
      Action = "secretsmanager:GetSecretValue", Resource = "*"
    }]
  })
}
"""
RAW_CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def outputs(tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    (tmp_path / "main.tf").write_text(TF % {"canary": CANARY, "sid": INJECTED_SID})
    monkeypatch.chdir(tmp_path)
    out = {}
    for fmt in FORMATS:
        result = cli(".", "--account-id", "111111111111", "--format", fmt)
        assert result.code == 1, result.err
        out[fmt] = result.out
    return out


def test_a_sensitive_variable_used_as_a_sid_appears_in_no_format(outputs: dict[str, str]) -> None:
    for fmt, text in outputs.items():
        assert CANARY not in text, fmt
    assert "allows any AWS principal (statement (sensitive value))" in outputs["text"]


def test_no_raw_control_or_bidi_character_in_any_format(outputs: dict[str, str]) -> None:
    for fmt, text in outputs.items():
        assert not RAW_CONTROLS.search(text), fmt


def test_a_newline_in_a_sid_starts_no_line_of_its_own(outputs: dict[str, str]) -> None:
    text = outputs["text"].splitlines()
    assert [line for line in text if line.startswith("Result:")] == [
        "Result: FAILED (4 blocking, 2 advisory, 0 overridden)"]
    assert not any(line.lstrip().startswith("::") for line in text)
    assert (r"(statement x\x0a::error::injected\x0aResult: passed @octocat <img src=x "
            r"onerror=alert(1)> \x1b[2J \u202e \x9b `code`)") in outputs["text"]
    github = outputs["github"].splitlines()
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in github[:-1])
    assert [line.split(" ", 1)[0] for line in github].count("::error") == 4
    assert "statement x%0A::error::injected%0AResult: passed" in outputs["github"]


def test_the_comment_neither_mentions_nor_renders_html(outputs: dict[str, str]) -> None:
    md = outputs["markdown"]
    assert "@octocat" not in md and "@\u2060octocat" in md
    assert "<img" not in md and "&lt;img src=x onerror=alert(1)&gt;" in md
    assert r"\`code\`" in md


def test_structured_formats_keep_the_value_escaped(outputs: dict[str, str]) -> None:
    doc = json.loads(outputs["json"])
    sid = ("x\n::error::injected\nResult: passed @octocat <img src=x onerror=alert(1)> "
           "\x1b[2J \u202e \x9b `code`")
    assert any(sid in f["message"] for f in doc["findings"])
    assert "\\u202e" in outputs["json"] and "\\u009b" in outputs["sarif"]
    root = ET.fromstring(outputs["junit"])
    assert r"\x1b[2J \u202e \x9b" in "".join(root.itertext())


SENSITIVE_TREE = Path(__file__).parent / "data" / "sensitive-map-keys"


def test_sensitive_map_keys_and_a_sid_through_a_policy_document_appear_nowhere(cli, monkeypatch) -> None:
    """A sensitive tags map (its keys, in a custom rule's match) and a sensitive Sid given to
    data.aws_iam_policy_document: every format, no CANARY."""
    monkeypatch.chdir(SENSITIVE_TREE)
    monkeypatch.delenv("TFCHECK_CONFIG", raising=False)
    for fmt in FORMATS:
        result = cli(".", "--account-id", "111111111111", "--format", fmt, "--no-cache")
        assert result.code == 1, result.err
        assert "CANARY" not in result.out + result.err, fmt
    text = cli(".", "--account-id", "111111111111", "--no-cache").out
    assert "    no tags ($.tags.* matches at tags.(sensitive value))\n" in text
    assert "allows any AWS principal (statement (sensitive value))" in text
