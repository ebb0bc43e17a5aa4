"""Tests for tfcheck.terraform.aws.policy_document against what hashicorp/aws 5.100 really renders."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.gen_policy_document_cases import CASES
from tfcheck.terraform.aws.policy_document import (
    ARGUMENTS,
    PolicyDocumentError,
    UnknownDocument,
    render_policy_document,
)

ROOT = Path(__file__).resolve().parent.parent
RECORDED = json.loads((ROOT / "tests" / "data" / "policy_document_cases.json").read_text())


@dataclass(frozen=True)
class Unknown:
    """Shaped like tfcheck.terraform.eval.expressions.Unknown."""

    text: str
    partial: Any = None


@pytest.mark.parametrize("record", RECORDED, ids=[r["name"] for r in RECORDED])
def test_matches_provider_output(record: dict[str, Any]) -> None:
    if "error" in record:
        with pytest.raises(PolicyDocumentError):
            render_policy_document(record["args"])
    else:
        assert render_policy_document(record["args"]) == record["json"]


def test_recorded_cases_are_the_generators_cases() -> None:
    # Editing a case without regenerating (python -m tests.gen_policy_document_cases) fails here.
    assert [(r["name"], r["args"]) for r in RECORDED] == [(c["name"], c["args"]) for c in CASES]


def _policy_documents(module: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = [(r["address"], r["values"]) for r in module.get("resources", [])
             if r.get("mode") == "data" and r.get("type") == "aws_iam_policy_document"]
    for child in module.get("child_modules", []):
        found += _policy_documents(child)
    return found


def test_matches_every_real_plan() -> None:
    checked, mismatches = 0, []
    for plan_file in sorted((ROOT / "fixtures").rglob("plan.json")):
        plan = json.loads(plan_file.read_text())
        # Data sources read while planning are in the prior state with their arguments and `json`.
        root = plan.get("prior_state", {}).get("values", {}).get("root_module", {})
        for address, values in _policy_documents(root):
            if not isinstance(values.get("json"), str) or any(name not in values for name in ARGUMENTS):
                continue
            checked += 1
            if render_policy_document(values) != values["json"]:
                mismatches.append(f"{plan_file.relative_to(ROOT)}: {address}")
    if not checked:
        pytest.skip("no plan fixture reads an aws_iam_policy_document")
    assert not mismatches, mismatches


def test_unknown_argument_makes_the_document_unknown() -> None:
    args = {"statement": [{"actions": ["s3:GetObject"],
                           "principals": [{"type": "AWS", "identifiers": [Unknown("var.reader_arn")]}]}]}
    result = render_policy_document(args)
    assert isinstance(result, UnknownDocument)
    assert "statement.0.principals.0.identifiers.0" in result.text


def test_unknown_source_document_and_custom_hooks() -> None:
    marker = object()
    result = render_policy_document({"source_policy_documents": [marker]},
                                    is_unknown=lambda value: value is marker,
                                    make_unknown=lambda reason: ("unknown", reason))
    assert result == ("unknown",
                      "aws_iam_policy_document: source_policy_documents.0 is not known until apply")


def test_unknown_outside_the_arguments_is_ignored() -> None:
    args = {"json": Unknown("computed"), "id": Unknown("computed"), "statement": [{"actions": ["a"]}]}
    assert json.loads(render_policy_document(args))["Statement"] == [{"Effect": "Allow", "Action": "a"}]


def test_unknown_whole_statement_list() -> None:
    assert isinstance(render_policy_document({"statement": Unknown("local.statements")}), UnknownDocument)


def test_single_statement_mapping_and_tuples_are_accepted() -> None:
    one = render_policy_document({"statement": {"actions": ("b", "a"), "resources": {"*"}}})
    assert one == render_policy_document({"statement": [{"actions": ["a", "b"], "resources": ["*"]}]})


@pytest.mark.parametrize("args", [
    {"statement": [{"effect": "Maybe"}]},
    {"version": "2099-01-01"},
    {"statement": [{"actions": ["a", None]}]},
    {"statement": [{"principals": [{"identifiers": ["x"]}]}]},
    {"override_policy_documents": ["{not json"]},
    {"override_json": '{"Statement": []}'},
], ids=["effect", "version", "null-action", "principal-without-type", "bad-override", "override-json"])
def test_configurations_the_provider_refuses(args: dict[str, Any]) -> None:
    with pytest.raises(PolicyDocumentError):
        render_policy_document(args)


@pytest.mark.parametrize(("number", "text"), [
    (100, "100"), (0.000001, "0.000001"), (0.0000009, "9e-7"), (1e21, "1e+21"), (1e-100, "1e-100"),
    (5e-324, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
    (12345678901234567e3, "12345678901234567000"), (-0.5, "-0.5"),
])
def test_numbers_in_a_source_are_written_as_go_writes_float64(number: float, text: str) -> None:
    source = json.dumps({"Statement": [{"Action": number}]})
    assert f'"Action": {text}\n' in render_policy_document({"source_policy_documents": [source]})


identifier = st.text(alphabet="ab&{}$*:/1", min_size=1, max_size=6)
block_values = st.lists(identifier, min_size=1, max_size=4)


@settings(max_examples=200, deadline=None)
@given(actions=st.lists(identifier, max_size=5),
       principals=st.lists(st.tuples(st.sampled_from(["AWS", "Service"]), block_values), max_size=5),
       conditions=st.lists(st.tuples(st.sampled_from(["StringEquals", "StringLike"]),
                                     st.sampled_from(["v", "w"]), block_values), max_size=5))
def test_rendering_keeps_every_value(actions: list[str], principals: list[tuple[str, list[str]]],
                                     conditions: list[tuple[str, str, list[str]]]) -> None:
    args = {"statement": [{
        "actions": actions,
        "principals": [{"type": t, "identifiers": ids} for t, ids in principals],
        "condition": [{"test": t, "variable": v, "values": values} for t, v, values in conditions]}]}
    statement = json.loads(render_policy_document(args))["Statement"][0]

    def as_list(value: Any) -> list[str]:
        return [value] if isinstance(value, str) else value

    assert sorted(as_list(statement.get("Action", []))) == sorted(set(actions))
    expected_ids: Counter[tuple[str, str]] = Counter()
    for t, ids in {(t, frozenset(ids)) for t, ids in principals}:  # equal blocks are one set element
        expected_ids.update((t, i.replace("&{", "${")) for i in ids)
    rendered = statement.get("Principal", {})
    assert Counter((t, i) for t, ids in rendered.items() for i in as_list(ids)) == expected_ids
    expected_values: Counter[tuple[str, str, str]] = Counter()
    for t, v, values in {(t, v, tuple(values)) for t, v, values in conditions}:
        expected_values.update((t, v, value.replace("&{", "${")) for value in values)
    rendered_conditions = statement.get("Condition", {})
    assert Counter((t, v, value) for t, variables in rendered_conditions.items()
                   for v, values in variables.items() for value in as_list(values)) == expected_values
