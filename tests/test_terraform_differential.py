"""tfcheck's HCL reader against Terraform itself: variants of real fixtures (white space and
Unicode around heredoc markers, comments, CRLF, a byte-order mark, nested templates) must give
the same blocks, or be refused by both.

Terraform is asked without providers or network: `terraform validate` loads the configuration
before anything else, and a second file that declares every candidate block again makes it
report, for each block it found, "already declared at FILE:LINE". That list is its inventory.
Skipped where no `terraform` binary is installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tfcheck.errors import InputError
from tfcheck.terraform.hcl.parse import parse_text
from tfcheck.terraform.hcl.read import parse_file

TERRAFORM = shutil.which("terraform")
pytestmark = pytest.mark.skipif(TERRAFORM is None, reason="terraform is not installed")

# Real fixtures: the two with heredocs, and two larger ones (modules, many blocks).
SOURCES = [
    "rules/cross-account-secret-without-cmk/fail/wildcard-get-action-heredoc/main.tf",
    "plans/inline-secret-policy-argument/main.tf",
]
# A resource type that rules read, so the block scanner's shortcut (hcl.outline) is taken too.
KEEP = frozenset({"aws_secretsmanager_secret_policy"})

# What may stand before or after a closing marker. Terraform strips Go's Unicode white space;
# a zero-width space, a byte-order mark, an ASCII separator or a comment is not white space.
AROUND_MARKER = {
    "trailing-spaces": ("", "   "), "trailing-tab": ("", "\t"), "leading-vt": ("\v", ""),
    "leading-ff": ("\f", ""), "leading-nbsp": ("\u00a0", ""), "trailing-nbsp": ("", "\u00a0"),
    "leading-nel": ("\u0085", ""), "leading-ideographic": ("\u3000", ""),
    "leading-line-separator": ("\u2028", ""), "trailing-narrow-nbsp": ("", "\u202f"),
    "leading-zero-width": ("\u200b", ""), "leading-bom": ("\ufeff", ""),
    "leading-file-separator": ("\x1c", ""), "trailing-comment": ("", " # done"),
    "leading-lone-cr": ("\r", ""),
}
_CLOSING = re.compile(r"(?m)^([ \t]*)([A-Z]+)[ \t]*$")
_FOLLOWING = '\nresource "aws_secretsmanager_secret_policy" "after_heredoc" {\n  secret_arn = "x"\n}\n'


_UNREAD = (
    'resource "aws_iam_role" "reader" {{\n  assume_role_policy = <<EOT\n{{}}\n{before}EOT{after}\n}}\n'
    'resource "aws_secretsmanager_secret_policy" "p" {{\n  secret_arn = "x"\n}}\n'
    'resource "aws_iam_role" "writer" {{\n  assume_role_policy = <<EOT\n{{}}\nEOT\n}}\n')


def _heredoc_file(marker: str = "POLICY", dash: str = "-") -> str:
    return ('locals {\n  note = <<' + dash + marker + '\n    {"a": "${jsonencode({b = "}"})}"}\n'
            '    %{ if true }x%{ endif }\n  ' + marker + '\n}\n')


def variants() -> Iterator[tuple[str, str]]:
    """(name, text) of every variant."""
    for rel in SOURCES:
        text = (FIXTURES / rel).read_text(encoding="utf-8")
        short = rel.split("/")[-2]
        for name, (before, after) in AROUND_MARKER.items():
            def mark(m: re.Match[str], b: str = before, a: str = after) -> str:
                return m[1] + b + m[2] + a
            changed = _CLOSING.sub(mark, text) + _FOLLOWING
            yield f"{short}/{name}", changed
        yield f"{short}/crlf", text.replace("\n", "\r\n")
        yield f"{short}/bom", "\ufeff" + text
        yield f"{short}/bom-crlf-trailing-spaces", "\ufeff" + _CLOSING.sub(
            lambda m: m[0] + "  ", text).replace("\n", "\r\n") + _FOLLOWING
        yield f"{short}/comments", (
            "/* } */\n# }\n// <<EOT\n" + text.replace("\n}\n", "\n} # }\n/* <<X */\n")) + _FOLLOWING
    for name, (before, after) in AROUND_MARKER.items():
        # A block no rule reads (set aside unparsed by the block scanner) whose heredoc ends
        # in a form Terraform accepts, with another heredoc of the same marker further on.
        yield f"unread-block/{name}", _UNREAD.format(before=before, after=after)
    for dash in ("", "-"):
        base = _heredoc_file(dash=dash) + _FOLLOWING
        yield f"synthetic{dash}/nested-templates", base
        for name, (before, after) in AROUND_MARKER.items():
            yield (f"synthetic{dash}/{name}",
                   base.replace("\n  POLICY\n", f"\n  {before}POLICY{after}\n"))
        yield f"synthetic{dash}/marker-after-interpolation", base.replace(
            "\n  POLICY\n", '\n${"x"}POLICY\nPOLICY\n')
        yield f"synthetic{dash}/opener-trailing-space", base.replace("<<" + dash + "POLICY\n",
                                                                     "<<" + dash + "POLICY  \n")
        yield f"synthetic{dash}/underscore-marker", base.replace("POLICY", "_POL")
        yield f"synthetic{dash}/dotted-marker", base.replace("POLICY", "P.OL")
        yield f"synthetic{dash}/marker-at-end-of-file", (
            _FOLLOWING + _heredoc_file(dash=dash).rstrip("}\n").rstrip("\n"))


def tfcheck_inventory(path: Path) -> set[tuple[str, str, int]] | None:
    """(kind, name, line) of each block tfcheck reads, read both ways (whole, and split by the
    block scanner); None when it refuses the file. The two ways must agree."""
    found = []
    for keep in (None, KEEP):
        try:
            blocks = parse_file(path, path.name, keep=keep)
            found.append(_inventory(blocks))
        except InputError:
            found.append(None)
    assert found[0] == found[1], f"{path}: the block scanner and the parser disagree"
    return found[0]


def _inventory(blocks: list) -> set[tuple[str, str, int]]:
    out = set()
    for block in blocks:
        if block.type == "locals":
            out |= {("local", name, attr.line) for name, attr in block.attrs.items()}
        elif block.type in ("resource", "data", "variable", "output", "module"):
            out.add((block.type, ".".join(block.labels), block.line))
    return out


_DECLARED = re.compile(r"already (?:declared|defined) at [^:]+:(\d+),")
_DUPLICATE = {"resource": "Duplicate resource", "data": "Duplicate data", "variable": "Duplicate variable",
              "output": "Duplicate output", "module": "Duplicate module", "local": "Duplicate local"}


def terraform_inventory(text: str, candidates: set[tuple[str, str, int]]) -> set[tuple[str, str, int]] | None:
    """What Terraform declares among `candidates` (kind, name), with its line; None when it
    refuses the file."""
    probe = []
    for kind, name, _ in sorted(candidates):
        if kind in ("resource", "data"):
            probe.append(f'{kind} "{name.split(".")[0]}" "{name.split(".")[1]}" {{}}')
        elif kind == "variable":
            probe.append(f'variable "{name}" {{}}')
        elif kind == "output":
            probe.append(f'output "{name}" {{\n  value = null\n}}')
        elif kind == "module":
            probe.append(f'module "{name}" {{\n  source = "./nowhere"\n}}')
        elif kind == "local":
            probe.append(f'locals {{\n  {name} = null\n}}')
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "main.tf").write_bytes(text.encode("utf-8"))
        Path(tmp, "zzzz_probe.tf").write_text("\n".join(probe) + "\n", encoding="utf-8")
        env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
        done = subprocess.run([str(TERRAFORM), "validate", "-json", "-no-color"], cwd=tmp, env=env,
                              capture_output=True, text=True, timeout=60, check=False)
    diagnostics = json.loads(done.stdout)["diagnostics"]
    found: set[tuple[str, str, int]] = set()
    for d in diagnostics:
        if d["severity"] != "error" or d["summary"].startswith(("Missing required provider",
                                                                "Module not installed")):
            continue
        if d.get("range", {}).get("filename") != "zzzz_probe.tf":
            return None  # an error in the file itself: Terraform refuses it
        declared = _DECLARED.search(d.get("detail", ""))
        kind = next((k for k, s in _DUPLICATE.items() if d["summary"].startswith(s)), None)
        assert declared and kind, d
        name = re.search(r'named "([^"]+)"', d["detail"])
        assert name, d
        full = name[1]
        if kind in ("resource", "data"):
            rtype = re.search(r'"([^"]+)"', d["summary"])
            assert rtype, d
            full = f"{rtype[1]}.{full}"
        found.add((kind, full, int(declared[1])))
    return found


def _cases() -> list[tuple[str, str]]:
    return list(variants())


def _candidates(text: str) -> set[tuple[str, str, int]]:
    """Every block the text could hold: what tfcheck reads with the heredocs left out."""
    plain = re.sub(r"<<-?(\w+)\r?\n.*?\n[^\n]*\1[^\n]*\n", '"heredoc"\n', text, flags=re.S)
    try:
        return _inventory(parse_text(plain.replace("\ufeff", "").replace("\r", ""), "x"))
    except InputError:
        return set()


def test_terraform_and_tfcheck_read_the_same_blocks(tmp_path: Path) -> None:
    cases = _cases()
    assert len(cases) >= 60

    def one(case: tuple[str, str]) -> tuple[str, object, object]:
        name, text = case
        path = tmp_path / name.replace("/", "__") / "main.tf"
        path.parent.mkdir(parents=True)
        path.write_bytes(text.encode("utf-8"))
        ours = tfcheck_inventory(path)
        candidates = _candidates(text) | (ours or set())
        # The names Terraform reports are matched back to candidates by name: line numbers
        # must then agree as well.
        theirs = terraform_inventory(text, {(k, n, 0) for k, n, _ in candidates})
        return name, ours, theirs

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(one, cases))
    differ = [(name, ours, theirs) for name, ours, theirs in results if ours != theirs]
    assert not differ, "\n".join(f"{n}:\n  tfcheck   {o}\n  terraform {t}" for n, o, t in differ)
    # Both read some variants and refuse others: the test is not vacuous.
    assert sum(o is None for _, o, _ in results) >= 8
    assert sum(o is not None for _, o, _ in results) >= 40
