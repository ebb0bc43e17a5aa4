"""What users of Checkov, tflint, Trivy and conftest expect of a CLI (issue 17): -h, -V, --soft-fail,
--rule/--skip-rule, --quiet, --compact, --verbose, TFCHECK_* variables, colour, exit codes."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from tfcheck import __version__
from tfcheck.report.colors import wants_color

ROOTS = "fixtures/roots"
WAIVED = "fixtures/policy-tests/waiver-by-module-glob"


@pytest.fixture(autouse=True)
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    for name in ("NO_COLOR", "FORCE_COLOR", "TFCHECK_CONFIG", "TFCHECK_SOFT_FAIL"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("flag", ["-V", "-v", "--version"])
def test_version(cli, flag: str) -> None:
    assert cli(flag) == type(cli(flag))(0, f"tfcheck {__version__}\n", "")


@pytest.mark.parametrize("args", [["-h"], ["check", "-h"], [ROOTS, "-h"], ["comment", "github", "-h"]])
def test_short_help(cli, args: list[str]) -> None:
    result = cli(*args)
    assert result.code == 0 and result.out.startswith("Usage: tfcheck")


def test_help_documents_every_exit_code(cli) -> None:
    text = " ".join(cli("-h").out.split())
    assert ("Exit codes: 0 nothing blocking (or --soft-fail); 1 blocking findings; 2 usage, input or "
            "configuration error; 3 internal error") in text


def test_soft_fail_reports_and_exits_0(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("-r", ROOTS).code == 1
    soft = cli("-r", ROOTS, "--soft-fail")
    assert soft.code == 0 and "Result: FAILED (4 blocking" in soft.out
    monkeypatch.setenv("TFCHECK_SOFT_FAIL", "1")
    assert cli("-r", ROOTS).code == 0
    # An input error is still an error.
    assert cli("no/such/dir", "--soft-fail").code == 2


def test_rule_and_skip_rule(cli) -> None:
    only = cli("-r", ROOTS, "--rule", "principal-not-account-root", "-f", "json").json()
    assert {f["rule"] for f in only["findings"]} == {"principal-not-account-root"}
    skipped = cli("-r", ROOTS, "--skip-rule", "principal-not-account-root",
                  "--skip-rule", "secret-policy-block-public-disabled", "-f", "json").json()
    assert {f["rule"] for f in skipped["findings"]} == {"cross-account-secret-without-cmk"}
    bad = cli("-r", ROOTS, "--skip-rule", "no-such-rule")
    assert (bad.code, bad.err) == (2, "tfcheck: error: --skip-rule no-such-rule: no such rule "
                                      "(see `tfcheck rules`)\n")


def test_rules_and_skip_rules_in_the_config_are_shown_as_governance(cli, tmp_path) -> None:
    config = tmp_path / "tfcheck.hcl"
    config.write_text('skip_rules = ["principal-not-account-root"]\n')
    result = cli("-r", ROOTS, "--config", str(config), "-f", "json").json()
    assert "principal-not-account-root" not in {f["rule"] for f in result["findings"]}
    assert [g["text"] for g in result["governance"] if g["kind"] == "rule-disabled"] == [
        "rule principal-not-account-root disabled (by default soft-mandatory)"]
    config.write_text('rules = ["no-such-rule"]\n')
    bad = cli("-r", ROOTS, "--config", str(config))
    assert bad.code == 2 and "rules: no rule 'no-such-rule'" in bad.err


def test_environment_variables_set_options(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TFCHECK_RECURSIVE", "true")
    monkeypatch.setenv("TFCHECK_SKIP_RULE", "principal-not-account-root secret-policy-block-public-disabled")
    result = cli(ROOTS, "-f", "json").json()
    assert {(f["root"], f["rule"]) for f in result["findings"]} == {
        ("fixtures/roots/prod", "cross-account-secret-without-cmk"),
        ("fixtures/roots/staging", "cross-account-secret-without-cmk")}


def test_quiet_prints_only_blocking_findings(cli) -> None:
    out = cli("-r", ROOTS, "--quiet").out
    assert "advisory  secret-policy-block-public-disabled" not in out
    assert out.count("  BLOCKING  ") == 4 and not out.startswith("tfcheck ")
    assert out.endswith("Result: FAILED (4 blocking, 2 advisory, 0 overridden)\n")


def test_compact_is_one_line_per_finding(cli) -> None:
    lines = cli("-r", ROOTS, "--compact").out.splitlines()
    assert lines[5:9] == [
        "== root fixtures/roots/prod",
        "BLOCKING   cross-account-secret-without-cmk module.stripe.aws_secretsmanager_secret_policy.this[0]"
        " fixtures/roots/modules/shared-secret/main.tf:56",
        "BLOCKING   principal-not-account-root module.stripe.aws_secretsmanager_secret_policy.this[0]"
        " fixtures/roots/modules/shared-secret/main.tf:56",
        "advisory   secret-policy-block-public-disabled "
        "module.stripe.aws_secretsmanager_secret_policy.this[0] "
        "fixtures/roots/modules/shared-secret/main.tf:56"]


def test_waived_findings_are_counted_unless_verbose(cli) -> None:
    args = (WAIVED, "--config", f"{WAIVED}/tfcheck.hcl")
    plain = cli(*args).out
    assert "1 waived not shown (--verbose shows them)" in plain and "  waived  " not in plain
    verbose = cli(*args, "--verbose").out
    assert "  waived  principal-not-account-root" in verbose and "not shown" not in verbose


def test_colour_follows_no_color_and_force_color(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "\033[" not in cli("-r", ROOTS).out  # not a terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\033[31m  BLOCKING" in cli("-r", ROOTS).out
    assert "\033[" not in cli("-r", ROOTS, "--no-color").out
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\033[" not in cli("-r", ROOTS).out


@pytest.mark.parametrize(("tty", "env", "flag", "want"), [
    (True, {}, False, True), (False, {}, False, False), (True, {"NO_COLOR": "1"}, False, False),
    (True, {"NO_COLOR": ""}, False, True), (False, {"FORCE_COLOR": "1"}, False, True),
    (True, {"FORCE_COLOR": "0"}, False, False), (True, {}, True, False),
    (True, {"TERM": "dumb"}, False, False), (False, {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, False)])
def test_wants_color(tty: bool, env: dict[str, str], flag: bool, want: bool) -> None:
    assert wants_color(tty, env, flag) is want


def test_a_tf_file_input_checks_its_folder_and_says_so(cli) -> None:
    result = cli("fixtures/roots/prod/main.tf", "-f", "json")
    assert result.code == 1
    doc = result.json()
    assert doc["summary"]["blocking"] == 2
    assert doc["notes"] == ["fixtures/roots/prod/main.tf is a Terraform file: its folder "
                            "fixtures/roots/prod was checked as one root module, as `terraform plan` would"]


def test_stdin_says_it_has_no_locations(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    plan = (ROOT / "fixtures/plans/platform-stack-large/plan.json").read_text()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(plan.encode())))
    doc = cli("-", "-f", "json").json()
    assert any(n.startswith("the plan read from stdin has no .tf source beside it") for n in doc["notes"])
    assert all(f["location"] is None for f in doc["findings"])


def test_var_file_on_a_plan_is_not_silently_ignored(cli, tmp_path) -> None:
    tfvars = tmp_path / "x.tfvars"
    tfvars.write_text('a = "b"\n')
    plan = "fixtures/plans/platform-stack-large/plan.json"
    doc = cli(plan, "--var-file", str(tfvars), "-f", "json").json()
    assert (f"--var-file and --var apply to Terraform directories; the plan {plan} holds its "
            "variables' values already and was read without them") in doc["notes"]


def test_a_tfvars_file_as_input_says_how_to_pass_it(cli, tmp_path) -> None:
    tfvars = tmp_path / "prod.tfvars"
    tfvars.write_text('a = "b"\n')
    result = cli(str(tfvars))
    assert result.code == 2
    assert result.err == (f"tfcheck: error: {tfvars}: is a variables file, not a plan: pass it with "
                          "--var-file, and the folder it is for as the input\n")
