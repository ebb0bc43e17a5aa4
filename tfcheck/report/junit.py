"""JUnit XML report: a suite per rule, a test case per finding, failures exactly the blocking findings.

The counts agree with every other format: `failures` is the number of blocking findings; findings
let through on purpose (overridden, waived, baselined) are <skipped> with the reason, so a CI test
view shows them as neither red nor green; advisory findings pass with their text in <system-out>.
A rule that ran without findings gets one passing case, so every rule that ran is visible
(a disabled rule does not run, and is not shown as passing). So `tests` is the number of findings,
plus one per rule without findings, plus the governance cases.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from tfcheck.enforce import Judged, Outcome, Result
from tfcheck.report import escape
from tfcheck.report.common import WHOLE_CONFIGURATION, is_suppressed, posix_path

NO_FINDINGS = "all checked resources"
"""The test case name of a rule that found nothing."""

# XML 1.0 cannot carry most control characters, not even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def render(result: Result) -> str:
    by_rule: dict[str, list[Judged]] = {rule.id: [] for rule in result.rules}
    for j in result.judged:
        by_rule.setdefault(j.finding.rule, []).append(j)
    root = ET.Element("testsuites", name="tfcheck")
    for rule_id, judged in by_rule.items():
        suite = ET.SubElement(root, "testsuite", name=rule_id)
        if not judged:
            ET.SubElement(suite, "testcase", classname=rule_id, name=NO_FINDINGS, time="0")
        for j in sorted(judged, key=lambda j: j.finding.sort_key()):
            _testcase(suite, rule_id, _name(j), [j])
        _count(suite, suite.findall("testcase"))
    if result.governance:
        _governance(root, result)
    _count(root, root.iter("testcase"))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _name(j: Judged) -> str:
    """The resource, and its root in a run of several: one name per finding a reader can find."""
    f = j.finding
    address = f.address or WHOLE_CONFIGURATION
    return f"{address} [{f.root}]" if f.root else address


def _testcase(suite: ET.Element, rule_id: str, address: str, judged: list[Judged]) -> None:
    case = ET.SubElement(suite, "testcase", classname=rule_id, name=_clean(address))
    located = next((j.finding.location for j in judged if j.finding.location), None)
    if located is not None:
        case.set("file", _clean(posix_path(located)))
        if located.line:
            case.set("line", str(located.line))
    case.set("time", "0")
    blocking = [j for j in judged if j.outcome is Outcome.BLOCKING]
    suppressed = [j for j in judged if is_suppressed(j)]
    if blocking:
        first = blocking[0].finding
        failure = ET.SubElement(case, "failure", message=_clean(first.message),
                                type=first.severity.value)
        failure.text = _clean("\n\n".join(_details(j) for j in blocking))
    elif suppressed:
        ET.SubElement(case, "skipped", message=_clean(suppressed[0].note or "let through"))
    rest = [j for j in judged if j.outcome is not Outcome.BLOCKING]
    if rest:
        ET.SubElement(case, "system-out").text = _clean("\n\n".join(_details(j) for j in rest))


def _governance(root: ET.Element, result: Result) -> None:
    """What the configuration and inline ignores changed: one passing case each, at its line."""
    suite = ET.SubElement(root, "testsuite", name="governance")
    for d in result.governance:
        case = ET.SubElement(suite, "testcase", classname="governance", name=_clean(d.text))
        if d.file:
            case.set("file", _clean(d.file.replace("\\", "/")))
            if d.line:
                case.set("line", str(d.line))
        case.set("time", "0")
        ET.SubElement(case, "system-out").text = _clean(str(d))
    _count(suite, suite.findall("testcase"))


def _details(j: Judged) -> str:
    f = j.finding
    lines = [f"{j.outcome.value.upper()} {f.rule} ({f.severity.value}, {j.level.value})"]
    if f.location:
        lines.append(f"at {f.location}")
    lines += [f.message, f"fix: {f.remediation}"]
    if j.note:
        lines.append(f"note: {j.note}")
    return "\n".join(lines)


def _count(element: ET.Element, cases: Iterable[ET.Element]) -> None:
    tests = failures = skipped = 0
    for case in cases:
        tests += 1
        failures += case.find("failure") is not None
        skipped += case.find("skipped") is not None
    element.set("tests", str(tests))
    element.set("failures", str(failures))
    element.set("errors", "0")
    element.set("skipped", str(skipped))
    element.set("time", "0")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", escape.multiline(text))
