"""Several root modules in one run (--recursive and several inputs): discovery, roots on findings,
fingerprints and waivers per root, and counts that agree in every format (issue 17)."""

from __future__ import annotations

import hashlib
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT
from tfcheck.enforce import Outcome, Result
from tfcheck.engine import Options, run
from tfcheck.errors import InputError
from tfcheck.findings import Finding, Severity
from tfcheck.report import REPORTERS
from tfcheck.roots import discover, repository_prefix, resolve

PROD, STAGING = "fixtures/roots/prod", "fixtures/roots/staging"


@pytest.fixture(autouse=True)
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("TFCHECK_CONFIG", raising=False)


def recursive(**kwargs: object) -> Result:
    return run(Options(inputs=["fixtures/roots"], recursive=True, **kwargs))  # type: ignore[arg-type]


def test_discovery_finds_the_roots_not_the_module_they_call() -> None:
    assert discover(Path("fixtures/roots")) == [PROD, STAGING]


def test_discovery_skips_terraform_caches_and_hidden_folders(tmp_path: Path) -> None:
    for folder in ("live", "live/.terraform/modules/vpc", ".github/x", "lib"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "main.tf").write_text('resource "null_resource" "x" {}\n')
    (tmp_path / "live" / "main.tf").write_text('module "lib" {\n  source = "../lib"\n}\n')
    assert discover(tmp_path) == [f"{tmp_path.as_posix()}/live"]


def test_a_module_called_from_tf_json_is_not_a_root(tmp_path: Path) -> None:
    for folder in ("app", "app/modules/db"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "app/main.tf.json").write_text('{"module": {"db": {"source": "./modules/db"}}}')
    (tmp_path / "app/modules/db/main.tf").write_text('resource "null_resource" "x" {}\n')
    assert discover(tmp_path) == [f"{tmp_path.as_posix()}/app"]


@pytest.mark.parametrize("text", [
    '# module "prod" { source = "../prod" }\n',
    '/* module "prod" {\n  source = "../prod"\n} */\n',
    'locals {\n  doc = <<-EOT\n    module "prod" {\n      source = "../prod"\n    }\n  EOT\n}\n',
    'resource "null_resource" "x" {\n  triggers = { source = "../prod" }\n}\n',
])
def test_a_call_that_terraform_would_not_make_hides_no_root(tmp_path: Path, text: str) -> None:
    """A pull request cannot take a root out of a --recursive run by writing a module call in a
    comment, a heredoc or an argument: only a module block's source calls a folder."""
    for folder in ("prod", "tools"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "main.tf").write_text('resource "null_resource" "x" {}\n')
    (tmp_path / "tools" / "main.tf").write_text(text)
    assert discover(tmp_path) == [f"{tmp_path.as_posix()}/prod", f"{tmp_path.as_posix()}/tools"]


def test_a_plan_beside_a_root_is_read_with_it(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "plans/platform-stack-large", tmp_path / "platform")
    shutil.copytree(FIXTURES / "roots/prod", tmp_path / "prod")
    shutil.copytree(FIXTURES / "roots/modules", tmp_path / "modules")
    roots, _ = resolve([str(tmp_path)], recursive=True)
    top = tmp_path.as_posix()
    assert [(r.input, r.name) for r in roots] == [
        (f"{top}/platform/plan.json", f"{top}/platform"), (f"{top}/prod", f"{top}/prod")]


def test_no_root_below_a_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no Terraform root module"):
        run(Options(inputs=[str(tmp_path)], recursive=True))


def test_every_finding_names_its_root_and_roots_have_their_own_owner() -> None:
    result = recursive()
    assert result.roots == (PROD, STAGING)
    got = sorted((j.finding.root, j.finding.rule, j.outcome.value) for j in result.judged)
    per_root = [("cross-account-secret-without-cmk", "blocking"), ("principal-not-account-root", "blocking"),
                ("secret-policy-block-public-disabled", "advisory")]
    assert got == sorted([(PROD, *r) for r in per_root] + [(STAGING, *r) for r in per_root])
    assert result.owners == (
        "111111111111 (allowed_account_ids at versions.tf:12) in fixtures/roots/prod",
        "333333333333 (allowed_account_ids at versions.tf:12) in fixtures/roots/staging")
    # The shared module is named from the repository, not by an absolute path of this machine.
    assert {str(j.finding.location) for j in result.judged} == {
        "fixtures/roots/modules/shared-secret/main.tf:56"}


def test_the_same_finding_in_two_roots_has_two_fingerprints() -> None:
    result = recursive()
    by_root: dict[str, set[str]] = {}
    for j in result.judged:
        by_root.setdefault(j.finding.root, set()).add(j.finding.fingerprint)
    assert len(by_root[PROD]) == 3 and not by_root[PROD] & by_root[STAGING]


def test_a_run_of_one_root_keeps_the_fingerprints_baselines_hold() -> None:
    f = Finding("principal-not-account-root", Severity.MEDIUM, "aws_p.q", "m", "r", subject="s")
    assert f.fingerprint == hashlib.sha256(b"principal-not-account-root\x1faws_p.q\x1fs").hexdigest()[:16]
    single = run(Options(inputs=[PROD]))
    assert {j.finding.root for j in single.judged} == {""} and single.roots == ()


def test_a_baseline_of_one_root_does_not_silence_the_other(tmp_path: Path) -> None:
    written = tmp_path / "all.json"
    recursive(write_baseline=str(written))
    doc = json.loads(written.read_text())
    prod_prints = {j.finding.fingerprint for j in recursive().judged if j.finding.root == PROD}
    doc["findings"] = [e for e in doc["findings"] if e["fingerprint"] in prod_prints]
    baseline = tmp_path / "prod.json"
    baseline.write_text(json.dumps(doc))
    result = recursive(baseline=str(baseline))
    assert {(j.finding.root, j.outcome) for j in result.judged if j.outcome is Outcome.BASELINED} == {
        (PROD, Outcome.BASELINED)}
    assert {j.finding.root for j in result.judged if j.outcome is Outcome.BLOCKING} == {STAGING}
    assert json.loads(REPORTERS["json"](result))["summary"]["baselined"] == 3


def test_a_waiver_can_name_a_root(tmp_path: Path) -> None:
    config = tmp_path / "tfcheck.hcl"
    config.write_text('waiver {\n  rule    = "principal-not-account-root"\n'
                      '  address = "module.stripe.*"\n  root    = "fixtures/roots/staging"\n'
                      '  reason  = "staging reads with the ETL role until TICKET-9"\n}\n')
    result = recursive(config=str(config))
    waived = [j.finding.root for j in result.judged if j.outcome is Outcome.WAIVED]
    assert waived == [STAGING]


def test_counts_agree_in_every_format() -> None:
    result = recursive()
    blocking, advisory = result.count(Outcome.BLOCKING), result.count(Outcome.ADVISORY)
    assert (blocking, advisory) == (4, 2)
    assert f"Result: FAILED ({blocking} blocking, {advisory} advisory, 0 overridden)" in \
        REPORTERS["text"](result)
    summary = json.loads(REPORTERS["json"](result))["summary"]
    assert (summary["blocking"], summary["advisory"]) == (blocking, advisory)
    assert [f["root"] for f in json.loads(REPORTERS["json"](result))["findings"]].count(PROD) == 3
    junit = ET.fromstring(REPORTERS["junit"](result))
    assert junit.get("failures") == str(blocking)
    gitlab = json.loads(REPORTERS["gitlab"](result))
    assert len(gitlab) == len(result.judged) == 6
    assert len({issue["fingerprint"] for issue in gitlab}) == 6  # GitLab shows each one
    sarif = json.loads(REPORTERS["sarif"](result))["runs"][0]["results"]
    assert len(sarif) == 6 and sum(r["level"] == "error" for r in sarif) == blocking
    assert {r["properties"]["root"] for r in sarif} == {PROD, STAGING}
    github = REPORTERS["github"](result).splitlines()
    assert sum(line.startswith("::error ") for line in github) == blocking
    markdown = REPORTERS["markdown"](result)
    assert f"{blocking} blocking findings" in markdown


def test_several_inputs_are_several_roots() -> None:
    result = run(Options(inputs=[PROD, STAGING]))
    assert result.roots == (PROD, STAGING)
    assert len({j.finding.fingerprint for j in result.judged}) == 6


def test_sarif_paths_start_at_the_repository_top(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "infra").mkdir()
    shutil.copytree(FIXTURES / "roots", tmp_path / "infra" / "roots")
    monkeypatch.chdir(tmp_path / "infra")
    assert repository_prefix() == "infra"
    result = run(Options(inputs=["roots"], recursive=True))
    results = json.loads(REPORTERS["sarif"](result))["runs"][0]["results"]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {
        "infra/roots/modules/shared-secret/main.tf"}
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] for r in results} == {
        "%SRCROOT%"}
