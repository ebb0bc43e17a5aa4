"""GitHub workflow commands: levels, file/line/title properties, and GitHub's escaping rules."""

from __future__ import annotations

from tests.test_report_sarif import synthetic
from tfcheck.enforce import Judged, Outcome, Result
from tfcheck.findings import Finding, Level, Location, Severity
from tfcheck.report import github


def test_levels_and_properties() -> None:
    lines = github.render(synthetic()).splitlines()
    assert lines[0].startswith("::error file=infra/main.tf,line=12,"
                               "title=cross-account-secret-without-cmk%3A ")
    assert lines[1].startswith("::notice file=/abs/root/dir with space/x.tf,"
                               "title=principal-not-account-root%3A ")
    assert "(overridden: vendor pin)" in lines[1]
    assert lines[2].startswith("::notice title=owner-account-unknown%3A ")
    assert lines[3].startswith("::notice title=cmk-unverifiable%3A ")
    assert "::aws_p.z: Cannot tell." in lines[3]
    assert lines[-1] == "tfcheck: 1 blocking, 2 advisory, 1 overridden"
    assert len(lines) == 5


def test_escaping() -> None:
    assert github.escape_data("100% a\r\nb: c, d") == "100%25 a%0D%0Ab: c, d"
    assert github.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_nothing_in_a_finding_can_start_another_command() -> None:
    finding = Finding("secret-policy-public", Severity.CRITICAL, 'aws_x.y["a\n::error::x"]',
                      "50% open\r\n::stop-commands::t", "fix", location=Location("a,b:c.tf", 3))
    out = github.render(Result((Judged(finding, Level.HARD_MANDATORY, Outcome.BLOCKING),)))
    command, summary = out.splitlines()
    assert command.startswith("::error file=a%2Cb%3Ac.tf,line=3,title=")
    assert "50%25 open%0D%0A::stop-commands::t" in command
    assert summary.startswith("tfcheck: ")
