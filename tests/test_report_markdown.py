"""Markdown comment: verdict, tables, collapsed details, escaping, and the 65,536-character limit."""

from __future__ import annotations

import re

from tests.test_report_sarif import rule_url, synthetic
from tfcheck.enforce import Judged, Outcome, Result
from tfcheck.findings import Finding, Level, Location, Severity
from tfcheck.report import markdown
from tfcheck.rules import RULES_BY_ID


def many(count: int, outcome: Outcome = Outcome.BLOCKING) -> Result:
    level = Level.ADVISORY if outcome is Outcome.ADVISORY else Level.HARD_MANDATORY
    findings = [Finding("cross-account-secret-without-cmk", Severity.HIGH,
                        f'module.app["{i:05}"].aws_secretsmanager_secret_policy.shared',
                        f"Secret {i} is shared with 222222222222 but uses aws/secretsmanager. " * 3,
                        "Set kms_key_id to a customer-managed key.", subject=str(i),
                        location=Location(f"modules/app/m{i}.tf", i + 1, root="infra"),
                        info=RULES_BY_ID["cross-account-secret-without-cmk"].info())
                for i in range(count)]
    return Result(tuple(Judged(f, level, outcome) for f in findings), ("plan.json",))


def test_verdict_table_and_details() -> None:
    text = markdown.render(synthetic())
    first = text.splitlines()[0]
    assert first == ":x: **tfcheck: 1 blocking finding** (2 advisory, 1 overridden)"
    assert f"[cross-account-secret-without-cmk]({rule_url('cross-account-secret-without-cmk')})" in text
    table_row = next(line for line in text.splitlines() if "aws_x.y" in line)
    assert '`aws_x.y["a\\|b"]`' in table_row and "`infra/main.tf:12`" in table_row
    assert table_row.count(" | ") == 3, "a pipe in an address must not add a column"
    assert "<summary>1 overridden finding</summary>" in text
    assert "<summary>2 advisory findings</summary>" in text
    assert "<summary>1 note</summary>" in text
    assert text.count("<details>") == text.count("</details>") == 3
    assert "<!--" not in text, "the hidden marker is the commenter's job"


def test_a_passing_verdict_never_says_fail() -> None:
    for result in (Result(()), many(3, Outcome.ADVISORY)):
        text = markdown.render(result)
        assert text.startswith(":white_check_mark: **tfcheck: nothing blocking**")
        assert "fail" not in text.lower()


def test_message_text_cannot_inject_markup() -> None:
    finding = Finding("secret-policy-public", Severity.CRITICAL, "aws_x.`y`",
                      'Principal "*" <img src=x onerror=alert(1)> [link](http://evil) a|b\nnext',
                      "_emphasis_ and ~~strike~~")
    text = markdown.render(Result((Judged(finding, Level.HARD_MANDATORY, Outcome.BLOCKING),)))
    row = next(line for line in text.splitlines() if "aws_x." in line)
    assert "<img" not in row and "&lt;img" in row
    assert "\\[link\\](http://evil)" in row and "a\\|b<br>next" in row and '"\\*"' in row
    assert "\\_emphasis\\_" in row and "\\~\\~strike\\~\\~" in row
    assert "`` aws_x.`y` ``" in row
    assert "kms_key_id" in markdown.render(many(1)), "underscores inside words stay readable"


def test_thousands_of_findings_are_truncated_under_the_limit() -> None:
    for outcome in (Outcome.BLOCKING, Outcome.ADVISORY):
        result = many(5000, outcome)
        text = markdown.render(result)
        assert len(text.encode("utf-16-le")) // 2 <= markdown.BUDGET < markdown.LIMIT
        shown = len(re.findall(r"^\| \[", text, flags=re.M))
        assert 50 < shown < 5000
        assert f"**Truncated:** {5000 - shown} of 5000 findings are not shown here" in text
        assert text.rstrip().endswith("</sub>"), "the footer survives truncation"
        assert text.count("<details>") == text.count("</details>")


def test_small_reports_are_not_truncated() -> None:
    text = markdown.render(many(20))
    assert "Truncated" not in text
    assert len(re.findall(r"^\| \[", text, flags=re.M)) == 20


def test_wide_characters_count_twice() -> None:
    finding = Finding("cmk-unverifiable", Severity.INFO, "aws_x.y", "\U0001f512" * 5000, "fix")
    result = Result(tuple(Judged(finding, Level.ADVISORY, Outcome.ADVISORY) for _ in range(40)))
    assert len(markdown.render(result).encode("utf-16-le")) // 2 <= markdown.BUDGET


def test_a_custom_rule_links_to_no_documentation() -> None:
    from tests.conftest import ROOT
    from tfcheck.engine import Options, run

    folder = ROOT / "fixtures/policy-tests/custom-rules"
    text = markdown.render(run(Options(inputs=[str(folder)], config=str(folder / "tfcheck.hcl"))))
    row = next(line for line in text.splitlines() if "secrets-have-owner-tag" in line)
    assert "`secrets-have-owner-tag`<br>low" in row
    assert "rules.md#secrets-have-owner-tag" not in text
