"""Issue 16: --output and --write-baseline write whole files, never over an input."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT
from tfcheck.baseline import write_baseline
from tfcheck.findings import Finding, Severity

PLAN = FIXTURES / "plans" / "platform-stack-large" / "plan.json"


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(PLAN, tmp_path / "plan.json")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("output", ["json=plan.json", "sarif=./link.json", "text=infra/main.tf",
                                    "markdown=infra/terraform.tfvars"])
def test_an_output_over_an_input_is_refused_before_the_run(work: Path, cli, output: str) -> None:
    (work / "infra").mkdir()
    (work / "infra" / "main.tf").write_text("# mine\n")
    (work / "infra" / "terraform.tfvars").write_text("# mine\n")
    os.symlink("plan.json", "link.json")
    before = {p: p.read_bytes() for p in [work / "plan.json", work / "infra" / "main.tf"]}
    result = cli("plan.json", "infra", "--no-source", "-o", output)
    option_path = Path(output.split("=", 1)[1])
    assert (result.code, result.out) == (2, "")
    assert result.err == (f"tfcheck: error: --output {option_path}: that is an input of this run (or a "
                          "folder), not a place to write a report\n")
    assert {p: p.read_bytes() for p in before} == before


def test_a_baseline_is_not_written_over_the_plan(work: Path, cli) -> None:
    result = cli("plan.json", "--no-source", "--write-baseline", "plan.json")
    assert result.code == 2 and "--write-baseline plan.json: that is an input" in result.err
    assert (work / "plan.json").read_bytes() == PLAN.read_bytes()


def test_a_baseline_may_be_refreshed_in_place(work: Path, cli) -> None:
    assert cli("plan.json", "--no-source", "--write-baseline", "b.json").code == 0
    assert cli("plan.json", "--no-source", "--baseline", "b.json", "--write-baseline", "b.json").code == 0
    assert json.loads((work / "b.json").read_text())["version"] == 1


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG), as on a full disk
    resource.setrlimit(resource.RLIMIT_FSIZE, (300, 300))


def test_a_write_that_fails_midway_leaves_the_old_baseline_whole(work: Path) -> None:
    old = json.dumps({"version": 1, "tool": "tfcheck", "findings": [
        {"fingerprint": "0" * 16, "rule": "r", "address": "a"}]}, indent=2) + "\n"
    (work / "baseline.json").write_text(old)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TFCHECK_NO_CACHE": "1"}
    env.pop("TFCHECK_CONFIG", None)
    done = subprocess.run([sys.executable, "-m", "tfcheck", "plan.json", "--no-source",
                           "--write-baseline", "baseline.json", "-o", "json=report.json"],
                          env=env, capture_output=True, text=True, preexec_fn=_limit_file_size,
                          timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert done.stderr == ("tfcheck: error: baseline.json: cannot write the baseline: File too large\n")
    assert (work / "baseline.json").read_text() == old
    assert sorted(p.name for p in work.iterdir()) == ["baseline.json", "plan.json"], "no temporary left"


def test_a_reader_never_sees_a_partial_baseline(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    findings = [[Finding("r", Severity.LOW, f"a.b[{i}]", "m", "f", subject=str(n)) for i in range(n)]
                for n in (1, 400)]
    write_baseline(str(path), findings[0])
    stop = threading.Event()
    bad: list[str] = []

    def read() -> None:
        while not stop.is_set():
            try:
                json.loads(path.read_text())
            except ValueError as err:
                bad.append(str(err))

    readers = [threading.Thread(target=read) for _ in range(2)]
    for thread in readers:
        thread.start()
    writers = [threading.Thread(target=lambda k=k: [write_baseline(str(path), findings[(k + i) % 2])
                                                     for i in range(60)]) for k in range(3)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    for thread in readers:
        thread.join()
    assert bad == []
    assert len(json.loads(path.read_text())["findings"]) in (1, 400)
