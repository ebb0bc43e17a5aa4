"""Issue 16: nothing loaded from a writable cache runs code or changes a verdict."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path
from typing import Any

import pytest
from lark import Lark

from tfcheck.terraform.hcl import grammar_cache
from tfcheck.terraform.hcl import parse as hcl_parse

FAILING = """provider "aws" {
  region              = "us-east-1"
  allowed_account_ids = ["111111111111"]
}

resource "aws_secretsmanager_secret" "s" {
  name = "app"
}

resource "aws_secretsmanager_secret_policy" "s" {
  secret_arn          = aws_secretsmanager_secret.s.arn
  block_public_policy = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect = "Allow", Principal = { AWS = "arn:aws:iam::%s:root" },
      Action = "secretsmanager:GetSecretValue", Resource = "*"
    }]
  })
}
"""


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("TFCHECK_NO_CACHE", raising=False)
    # An earlier run in this process may have said --no-cache, which holds for the process.
    monkeypatch.setattr(grammar_cache, "_FOLDER_ALLOWED", [True], raising=False)
    return tmp_path / "cache" / "tfcheck"


def _entries(cache: Path) -> set[Path]:
    return {p for p in cache.rglob("*") if p.is_file() and p.parent.parent.name.startswith("hcl-")}


def test_a_parse_cache_entry_of_other_text_does_not_turn_failed_into_passed(
        cache_home: Path, tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    victim, benign = tmp_path / "victim", tmp_path / "benign"
    for folder, account in ((victim, "444444444444"), (benign, "111111111111")):
        folder.mkdir()
        (folder / "main.tf").write_text(FAILING % account)
    monkeypatch.chdir(tmp_path)
    assert cli("victim").code == 1
    victim_entry = _entries(cache_home)
    assert cli("benign").code == 0
    benign_entry = _entries(cache_home) - victim_entry
    assert len(victim_entry) == len(benign_entry) == 1
    # Whoever can write the cache folder puts the parse of the benign text under the victim's key.
    shutil.copy(benign_entry.pop(), victim_entry.pop())
    result = cli("victim")
    assert result.code == 1, "the entry claims other text: it is ignored, the file parsed again"
    assert "BLOCKING  cross-account-secret-without-cmk" in result.out


class _Planted:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.mkdir, (os.environ["PLANTED_MARKER"],))


def test_no_pickle_is_loaded_from_the_cache_folder(cache_home: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """With tfcheck's install folder read-only, the grammar comes from the per-user folder: as
    JSON, never the pickle lark would load (a file lark names as its cache, planted there)."""
    marker = tmp_path / "code-ran"
    monkeypatch.setenv("PLANTED_MARKER", str(marker))
    cache_home.mkdir(parents=True)
    for name in (hcl_parse.install_cache() or Path("x")).name, "grammar":
        target = cache_home / name
        if name == "grammar":
            target.mkdir(mode=0o700)
            target = target / "planted.pickle"
        target.write_bytes(b"x\n" + pickle.dumps(_Planted()))
    monkeypatch.setattr(hcl_parse, "install_cache", lambda: None)
    hcl_parse.parser.cache_clear()
    try:
        assert hcl_parse.parse_text("locals {\n  a = 1\n}\n", "t.tf")[0].attrs["a"].line == 2
        stored = list((cache_home / "grammar").glob("hcl2-*.json"))
        assert len(stored) == 1 and stored[0].read_bytes().startswith(b'{"key": ')
        hcl_parse.parser.cache_clear()
        assert hcl_parse.parse_text("a = 1\n", "t.tf") == []
    finally:
        hcl_parse.parser.cache_clear()
    assert not marker.exists()


def _builds(grammar: Path) -> tuple[list[int], Any]:
    calls: list[int] = []

    def build() -> Lark:
        calls.append(1)
        return Lark(grammar.read_text(), parser="lalr")

    return calls, lambda: grammar_cache.load_or_build(grammar.read_text(), build, {}, "v", True)


def test_the_grammar_file_is_used_only_while_private_and_matching(
        cache_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    grammar = tmp_path / "g.lark"
    grammar.write_text('start: "a" "b"\n')
    calls, load = _builds(grammar)
    parser = load()
    assert calls == [1] and parser.parse("ab").data == "start"
    folder = cache_home / "grammar"
    assert (os.stat(folder).st_mode & 0o777) == 0o700
    load()
    assert calls == [1], "loaded, not built"
    (stored,) = folder.glob("hcl2-*.json")
    stored.chmod(0o666)
    load()
    assert calls == [1, 1], "a file others may write is not used"
    stored.chmod(0o600)
    stored.write_bytes(stored.read_bytes().replace(b'"key": "', b'"key": "0', 1))
    load()
    assert calls == [1, 1, 1], "a file made for another grammar or version is not used"
    folder.chmod(0o755)
    load()
    load()
    assert calls == [1, 1, 1, 1, 1], "a folder others may enter is not used"
    folder.chmod(0o700)
    grammar.write_text('start: "a" "c"\n')
    assert load().parse("ac").data == "start"
