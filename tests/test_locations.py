"""Findings point at the `.tf` file and line of the offending attribute (or block)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES, fixture_cases

CASES = fixture_cases()


@pytest.mark.parametrize("case", CASES, ids=lambda p: str(p.relative_to(FIXTURES)))
@pytest.mark.parametrize("mode", ["hcl", "plan"])
def test_every_location_is_the_policy_line_of_its_resource(case: Path, mode: str, cli) -> None:
    target = str(case) if mode == "hcl" else str(case / "plan.json")
    result = cli(target, "--format", "json", "--account-id", "111111111111")
    for finding in result.json()["findings"]:
        if finding["address"] is None:
            assert finding["location"] is None
            continue
        loc = finding["location"]
        assert loc is not None, finding
        line = (case / loc["file"]).read_text().splitlines()[loc["line"] - 1].strip()
        name = finding["address"].rsplit(".", 1)[-1].split("[")[0]
        # A finding points at the policy attribute of its resource, at a replica block of a
        # secret (or the dynamic block that makes it), or at the resource block itself.
        assert (line.startswith(("policy", "replica {", 'dynamic "replica" {'))
                or (line.startswith("resource ") and f'"{name}"' in line)), \
            f"{finding['rule']} at {loc}: {line!r}"


@pytest.mark.parametrize(("case", "rule", "where"), [
    ("rules/cross-account-secret-without-cmk/fail/secret-and-policy-in-separate-modules",
     "cross-account-secret-without-cmk", "modules/secret-access/main.tf:39"),
    ("rules/cross-account-secret-without-cmk/fail/root-arn-no-kms-key",
     "cross-account-secret-without-cmk", "main.tf:20"),
    ("rules/principal-not-account-root/fail/role-arn-with-path", "principal-not-account-root",
     "main.tf:44"),
    ("rules/cmk-missing-cross-account-grant/fail/key-without-policy",
     "cmk-missing-cross-account-grant", "main.tf:20"),
])
def test_exact_lines_from_a_plan(case: str, rule: str, where: str, cli) -> None:
    result = cli(str(FIXTURES / case / "plan.json"), "--format", "json")
    found = [f"{f['location']['file']}:{f['location']['line']}" for f in result.json()["findings"]
             if f["rule"] == rule]
    assert found == [where]
