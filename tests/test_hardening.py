"""Hardening (issue 9): deterministic output, secret hygiene, random plans, --max-file-size."""

from __future__ import annotations

import contextlib
import json
import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES, ROOT, fixture_plans
from tfcheck.engine import Options, run
from tfcheck.errors import TfcheckError
from tfcheck.terraform.plan.read import build_graph

FORMATS = ("text", "json", "sarif", "junit", "markdown", "github", "gitlab")
PLANS = sorted(fixture_plans())  # the plan of each root of a fixture of several roots too
BASE = FIXTURES / "plans" / "dynamic-statement-per-consumer" / "plan.json"
CANARY = "CANARY-9f3c2b7e-do-not-leak"


def _env(seed: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TFCHECK_", "GITHUB_", "GITLAB_"))}
    env.update(PYTHONHASHSEED=seed, TFCHECK_NO_CACHE="1", PYTHONPATH=str(ROOT), NO_COLOR="1")
    return env


# --- determinism --------------------------------------------------------------------------------
def _all_formats_in_a_process(plan: Path, out: Path, seed: str) -> dict[str, bytes]:
    out.mkdir()
    args = [a for f in FORMATS for a in ("-o", f"{f}={out / f}")]
    done = subprocess.run([sys.executable, "-m", "tfcheck", str(plan), "--no-source", *args],
                          cwd=plan.parent, env=_env(seed), capture_output=True, timeout=120, check=False)
    assert done.returncode in (0, 1), done.stderr
    return {f: (out / f).read_bytes() for f in FORMATS} | {"stdout": done.stdout}


def test_every_format_is_identical_across_runs_and_hash_seeds(tmp_path: Path) -> None:
    plan = FIXTURES / "plans" / "platform-stack-large" / "plan.json"
    runs = [_all_formats_in_a_process(plan, tmp_path / f"run{i}", seed)
            for i, seed in enumerate(("0", "1", "4242"))]
    for other in runs[1:]:
        for fmt in runs[0]:
            assert runs[0][fmt] == other[fmt], f"{fmt} differs between runs"


def _formats(cli: Any, *args: str) -> dict[str, str]:
    out = {}
    for fmt in FORMATS:
        result = cli(*args, "--format", fmt)
        assert result.code in (0, 1), result.err
        out[fmt] = result.out
    return out


@pytest.mark.parametrize("plan", [BASE, FIXTURES / "plans" / "platform-stack-large" / "plan.json"],
                         ids=lambda p: p.parent.name)
def test_shuffled_resource_changes_give_the_same_report(plan: Path, tmp_path: Path, cli,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    doc = json.loads(plan.read_text())
    Path("input.json").write_text(json.dumps(doc))
    expected = _formats(cli, "input.json", "--no-source")
    for seed in range(3):
        shuffled = json.loads(plan.read_text())
        random.Random(seed).shuffle(shuffled["resource_changes"])
        Path("input.json").write_text(json.dumps(shuffled))
        assert _formats(cli, "input.json", "--no-source") == expected


HCL_CASE = FIXTURES / "plans" / "platform-stack-large"


def test_hcl_report_does_not_depend_on_file_creation_order(tmp_path: Path, cli,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    files = sorted(p for p in HCL_CASE.rglob("*") if p.is_file() and p.suffix in (".tf", ".tfvars")
                   and ".terraform" not in p.parts)
    assert len(files) > 1
    reports = []
    for order in (files, files[::-1], random.Random(7).sample(files, len(files))):
        work = tmp_path / f"w{len(reports)}" / "stack"
        for src in order:
            dest = work / src.relative_to(HCL_CASE)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(src.read_bytes())
        monkeypatch.chdir(work)
        reports.append(_formats(cli, ".", "--no-cache"))
    assert reports[0] == reports[1] == reports[2]


# --- secret hygiene -----------------------------------------------------------------------------
def _canary_plan(doc: dict[str, Any]) -> dict[str, Any]:
    """Every string attribute of every change marked sensitive and replaced by the canary; every
    variable declared sensitive with the canary as its value; every output change sensitive."""
    for rc in doc.get("resource_changes", []):
        change = rc["change"]
        for side in ("before", "after"):
            values = change.get(side)
            if not isinstance(values, dict):
                continue
            marks = change.get(f"{side}_sensitive")
            marks = dict(marks) if isinstance(marks, dict) else {}
            for key, value in values.items():
                if isinstance(value, str):
                    values[key] = CANARY
                    marks[key] = True
            change[f"{side}_sensitive"] = marks
    declared = doc.get("configuration", {}).get("root_module", {}).get("variables", {})
    for name, variable in doc.get("variables", {}).items():
        variable["value"] = CANARY
        declared.setdefault(name, {})["sensitive"] = True
    for change in doc.get("output_changes", {}).values():
        change["after"] = CANARY
        change["after_sensitive"] = True
    return doc


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: str(p.parent.relative_to(FIXTURES)))
def test_a_canary_in_sensitive_attributes_never_appears(plan: Path, tmp_path: Path, cli,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("input.json").write_text(json.dumps(_canary_plan(json.loads(plan.read_text()))))
    for fmt in FORMATS:
        result = cli("input.json", "--no-source", "--format", fmt)
        assert result.code in (0, 1, 2), result.err
        assert CANARY not in result.out and CANARY not in result.err, fmt
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    result = cli("comment", "github", "input.json", "--no-source", "--dry-run",
                 "--repo", "o/r", "--pr", "1")
    assert result.code in (0, 1, 2), result.err
    assert CANARY not in result.out and CANARY not in result.err


def test_the_canary_plans_still_have_their_resources() -> None:
    doc = _canary_plan(json.loads(BASE.read_text()))
    graph = build_graph(doc, "canary.json")
    assert graph is not None


# --- random plan documents ----------------------------------------------------------------------
JSON = st.recursive(st.none() | st.booleans() | st.integers(-10, 10**13) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)
TYPES = st.sampled_from(["aws_kms_key", "aws_secretsmanager_secret", "aws_secretsmanager_secret_policy",
                         "aws_kms_grant", "aws_secretsmanager_secret_version", "null_resource"])
POLICY = st.one_of(JSON.map(json.dumps), st.text(max_size=10), st.builds(
    lambda p, a: json.dumps({"Statement": [{"Effect": "Allow", "Principal": p, "Action": a,
                                            "Resource": "*"}]}),
    st.one_of(st.just("*"), st.just({"AWS": "arn:aws:iam::222222222222:root"}),
              st.just({"AWS": ["arn:aws:iam::333333333333:role/x"]}), JSON),
    st.one_of(st.just("kms:Decrypt"), st.just(["secretsmanager:*"]), JSON)))


@st.composite
def resource_changes(draw: st.DrawFn) -> Any:
    rtype = draw(TYPES)
    name = draw(st.sampled_from(["a", "b", "c"]))
    after: Any = draw(st.one_of(
        st.fixed_dictionaries({"policy": POLICY, "kms_key_id": st.one_of(st.none(), st.text(max_size=5))}),
        JSON))
    change: Any = {"actions": draw(st.one_of(st.sampled_from([["create"], ["update"], ["delete"],
                                                               ["delete", "create"]]), JSON)),
                   "before": draw(st.one_of(st.none(), JSON)), "after": after}
    if draw(st.booleans()):
        change["after_sensitive"] = draw(JSON)
    rc: Any = {"address": f"{rtype}.{name}", "mode": "managed", "type": rtype, "name": name,
               "change": change}
    if draw(st.integers(0, 9)) == 0:
        rc = draw(JSON)
    return rc


PLAN_DOCS = st.fixed_dictionaries(
    {"format_version": st.sampled_from(["1.2", "0.1", "2.0"]),
     "resource_changes": st.lists(resource_changes(), max_size=5)},
    optional={"configuration": JSON, "prior_state": JSON, "variables": JSON})


def _findings(path: Path) -> Counter[tuple[str, str | None, str]]:
    result = run(Options(inputs=[str(path)], use_source=False, use_cache=False))
    return Counter((j.finding.rule, j.finding.address, j.outcome.value) for j in result.judged)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=PLAN_DOCS, seed=st.integers(0, 1000))
def test_random_plans_raise_only_tfcheck_errors_and_order_does_not_matter(
        doc: dict[str, Any], seed: int, tmp_path: Path) -> None:
    with contextlib.suppress(TfcheckError):
        build_graph(json.loads(json.dumps(doc)), "random.json")
    path = tmp_path / "random.json"
    path.write_text(json.dumps(doc))
    try:
        first = _findings(path)
    except TfcheckError:
        return
    shuffled = dict(doc, resource_changes=random.Random(seed).sample(doc["resource_changes"],
                                                                     len(doc["resource_changes"])))
    path.write_text(json.dumps(shuffled))
    assert _findings(path) == first


# --- --max-file-size ----------------------------------------------------------------------------
def test_max_file_size_refuses_a_large_tfvars_file(tmp_path: Path, cli,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("main.tf").write_text('resource "aws_secretsmanager_secret" "s" {\n  name = "x"\n}\n')
    Path("terraform.tfvars").write_text("# padding\n" * 300)
    assert cli(".", "--max-file-size", "10KiB").code == 0
    result = cli(".", "--max-file-size", "1KiB")
    assert result.code == 2
    assert result.err == ("tfcheck: error: terraform.tfvars: the file is 2.9 KiB, more than the "
                          "1 KiB tfcheck reads (--max-file-size)\n")


@pytest.mark.parametrize("text", ["lots", "0", "-5", "1XB", ""])
def test_max_file_size_rejects_bad_sizes(text: str, cli) -> None:
    result = cli(".", "--max-file-size", text)
    assert result.code == 2 and result.err.startswith("tfcheck: error: --max-file-size ")


def test_max_file_size_refuses_a_large_plan(tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("input.json").write_text(json.dumps({"format_version": "1.2", "pad": "x" * 4096}))
    result = cli("input.json", "--max-file-size", "1KiB")
    assert result.code == 2 and "(--max-file-size)" in result.err


@pytest.mark.parametrize("case", [
    "rules/cmk-missing-cross-account-grant/fail/second-consumer-not-in-key-policy",
    "rules/cmk-missing-cross-account-grant/fail/key-policy-deny-decrypt",
    "plans/platform-stack-large",
])
def test_reordering_policy_statements_never_changes_the_findings(case: str, tmp_path: Path, cli) -> None:
    """Every secret and key policy in the plan with its statements reversed: the same findings."""
    plan = json.loads((FIXTURES / case / "plan.json").read_text())
    reversed_any = False
    for rc in plan["resource_changes"]:
        after = rc["change"].get("after") or {}
        policy = after.get("policy")
        if isinstance(policy, str) and policy.startswith("{"):
            doc = json.loads(policy)
            if isinstance(doc.get("Statement"), list) and len(doc["Statement"]) > 1:
                doc["Statement"].reverse()
                after["policy"] = json.dumps(doc)
                reversed_any = True
    assert reversed_any
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))

    def found(target: str) -> list[tuple[str, str, str]]:
        return sorted((f["rule"], f["address"], f["outcome"])
                      for f in cli(target, "--format", "json", "--no-source").json()["findings"])

    assert found(str(path)) == found(str(FIXTURES / case / "plan.json"))
