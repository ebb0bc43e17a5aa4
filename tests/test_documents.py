"""Documents that are not a plan of changes: a state is checked as the state it is, never
passed unread (tests/data/state-shared-secret.json: `terraform show -json` of the state that
applying fixtures/rules/cross-account-secret-without-cmk/fail/secret-and-policy-in-separate-modules
to moto left)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import ROOT

STATE = ROOT / "tests" / "data" / "state-shared-secret.json"


def _findings(out: str) -> set[tuple[str, str, str]]:
    return {(f["rule"], f["address"], f["outcome"]) for f in json.loads(out)["findings"]}


def test_a_state_is_checked_as_the_state_it_is(cli, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_bytes(STATE.read_bytes())
    result = cli(str(state), "--format", "json")
    assert result.code == 1, result.err
    assert _findings(result.out) == {
        ("cross-account-secret-without-cmk", 'module.access.aws_secretsmanager_secret_policy.this["db"]',
         "blocking"),
        ("secret-policy-block-public-disabled",
         'module.access.aws_secretsmanager_secret_policy.this["db"]', "advisory"),
    }


def test_a_state_with_resources_no_rule_reads_is_still_checked(cli, tmp_path: Path) -> None:
    doc = json.loads(STATE.read_text())
    doc["values"]["root_module"]["resources"] = [{"address": "aws_sqs_queue.q", "mode": "managed",
                                                  "type": "aws_sqs_queue", "name": "q",
                                                  "values": {"arn": "arn:aws:sqs:us-east-1:111111111111:q"}}]
    state = tmp_path / "state.json"
    state.write_text(json.dumps(doc))
    result = cli(str(state), "--format", "json")
    assert result.code == 1, result.err
    assert ("cross-account-secret-without-cmk",
            'module.access.aws_secretsmanager_secret_policy.this["db"]', "blocking") in _findings(result.out)
