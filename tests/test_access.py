"""`tfcheck access` and the access diff: exact changes of the stateful fixtures (real prior states),
the JSON document against docs/access-schema.json, no "before" for a directory, and the pull
request comment's "Access changes" section."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import FIXTURES, ROOT, fixture_cases
from tfcheck.access.diff import Change
from tfcheck.enforce import Result
from tfcheck.report import markdown

SCHEMA = json.loads((ROOT / "docs" / "access-schema.json").read_text())
STATEFUL = sorted(p.parent for p in FIXTURES.rglob("access-changes.txt"))
NONE = "Access changes: none (no one gains or loses access to a secret)."


def _id(path: Path) -> str:
    return str(path.relative_to(FIXTURES))


def test_the_stateful_fixtures_cover_the_issue() -> None:
    names = {p.name for p in STATEFUL}
    assert {"policy-adds-foreign-role", "key-policy-drops-consumer", "secret-moves-to-cmk", "replica-added",
            "secret-destroyed", "moved-into-module"} <= names
    for case in STATEFUL:
        assert (case / "before").is_dir(), f"{case}: a real prior state comes from before/"


@pytest.mark.parametrize("case", STATEFUL, ids=_id)
def test_access_changes_are_exactly_the_expected_lines(case: Path, cli, monkeypatch) -> None:
    monkeypatch.chdir(case)
    expected = (case / "access-changes.txt").read_text().splitlines()
    result = cli("access", "plan.json")
    assert result.code == 0 and result.err == ""
    if expected:
        head = f"Access changes ({len(expected)} change{'s' if len(expected) != 1 else ''}):"
        assert head in result.out
        assert result.out.split(head + "\n", 1)[1].rstrip("\n").splitlines() == expected
    else:
        assert NONE in result.out
    doc = cli("access", "plan.json", "--format", "json").json()
    assert [f"{c['sign']} {c['text']}" for c in doc["inputs"][0]["changes"]] == expected


@pytest.mark.parametrize("case", [c for c in fixture_cases() if c.name != "platform-stack-large"][:40] + [
    FIXTURES / "plans" / "platform-stack-large"], ids=_id)
def test_the_access_document_follows_its_schema(case: Path, cli) -> None:
    result = cli("access", str(case / "plan.json"), "--format", "json")
    assert result.code == 0, result.err
    jsonschema.validate(result.json(), SCHEMA)


def test_a_directory_has_no_before_and_says_so(cli) -> None:
    case = FIXTURES / "rules" / "new-cross-account-access" / "fail" / "secret-moves-to-cmk"
    text = cli("access", str(case))
    assert ("Access changes: none shown: a directory has no state before the change: give a plan "
            "(terraform show -json) to see what it changes.") in text.out
    doc = cli("access", str(case), "--format", "json").json()
    jsonschema.validate(doc, SCHEMA)
    assert doc["inputs"][0]["before"] is False and doc["inputs"][0]["changes"] is None
    # and the rule, which needs a before, does not fire on the directory
    report = cli(str(case), "--format", "json").json()
    assert "new-cross-account-access" not in {f["rule"] for f in report["findings"]}


def test_the_access_text_of_a_replica(cli, monkeypatch) -> None:
    monkeypatch.chdir(FIXTURES / "rules" / "new-cross-account-access" / "pass" / "replica-added")
    assert cli("access", "plan.json").out == (
        "plan.json: 1 secret, owner account 111111111111\n"
        "  aws_secretsmanager_secret.search_admin (us-east-1), key aws_kms_key.search\n"
        "    222222222222 (account): read — decrypts: yes\n"
        "  aws_secretsmanager_secret.search_admin (replica in us-west-2), key aws/secretsmanager\n"
        "    222222222222 (account): read — decrypts: no\n"
        "      arn:aws:iam::222222222222:role/any-role may call secretsmanager:GetSecretValue but the key "
        "refuses kms:Decrypt via secretsmanager.us-west-2.amazonaws.com: the AWS-managed key "
        "aws/secretsmanager lets in only its own account\n"
        "\n"
        "Access changes (1 change):\n"
        "+ 222222222222 (account) may read `aws_secretsmanager_secret.search_admin` (replica in us-west-2) "
        "— decrypts: no\n")


def test_the_identity_pattern_and_its_condition(cli) -> None:
    case = FIXTURES / "rules" / "new-cross-account-access" / "fail" / "policy-adds-foreign-role"
    doc = cli("access", str(case / "plan.json"), "--format", "json").json()
    grantees = {g["account"]: g for g in doc["inputs"][0]["secrets"][0]["grantees"]}
    assert grantees["333333333333"]["identity"] == "role/app-*"
    assert grantees["333333333333"]["conditions"] == [
        "aws:PrincipalArn ArnLike arn:aws:iam::333333333333:role/app-*"]
    assert grantees["222222222222"]["identity"] == "account" and grantees["222222222222"]["decrypts"] == "yes"


def test_the_comment_shows_the_changes_above_the_findings(cli, monkeypatch) -> None:
    monkeypatch.chdir(FIXTURES / "rules" / "new-cross-account-access" / "fail" / "secret-moves-to-cmk")
    out = cli("plan.json", "--format", "markdown").out
    section = ("### Access changes\n\n```diff\n"
               "~ aws_secretsmanager_secret.billing_webhook moves from aws/secretsmanager to "
               "aws_kms_key.app\n"
               "+ 222222222222 (account) can now decrypt aws_secretsmanager_secret.billing_webhook "
               "(key policy of aws_kms_key.app, main.tf:8)\n```\n")
    assert section in out
    assert out.index("### Access changes") < out.index("new-cross-account-access")


def test_the_comment_has_no_section_when_nothing_changes(cli, monkeypatch) -> None:
    monkeypatch.chdir(FIXTURES / "rules" / "new-cross-account-access" / "pass" / "moved-into-module")
    assert "Access changes" not in cli("plan.json", "--format", "markdown").out


def test_the_comment_section_is_capped_with_a_count_of_the_rest() -> None:
    changes = tuple(Change("+", f"aws_secretsmanager_secret.s{i:02}",
                           f"2222222222{i:02} (account) may read `aws_secretsmanager_secret.s{i:02}` "
                           "— decrypts: yes")
                    for i in range(12))
    out = markdown.render(Result((), access_changes=changes))
    block = out.split("```diff\n", 1)[1].split("\n```\n", 1)
    assert block[0].splitlines() == [c.line.replace("`", "") for c in changes[:10]]
    assert block[1].startswith("…and 2 more (`tfcheck access` lists them all).\n")


def test_input_text_cannot_break_out_of_the_diff_block() -> None:
    change = Change("+", "x", "```\n<b>hi</b> `aws_secretsmanager_secret.a[\"`x`\"]` — decrypts: yes")
    out = markdown.render(Result((), access_changes=(change,)))
    block = out.split("```diff\n", 1)[1].split("\n```\n", 1)[0]
    assert block == '+ \\n<b>hi</b> aws_secretsmanager_secret.a["x"] — decrypts: yes'


def test_a_sensitive_principal_is_never_shown(cli) -> None:
    case = FIXTURES / "plans" / "sensitive-consumer-principal"
    out = cli("access", str(case / "plan.json")).out
    assert ("+ (a value marked sensitive) may read `aws_secretsmanager_secret.ml_feature_store` "
            "— decrypts: no") in out
    assert "555555555555" not in out
