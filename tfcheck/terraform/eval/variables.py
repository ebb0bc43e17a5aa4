"""Root module variable values: tfvars files, --var-file, --var, and a plan's own values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from tfcheck.errors import ConfigError, InputError
from tfcheck.terraform.confine import confined, refuse_special, special
from tfcheck.terraform.eval.expressions import Value, evaluate
from tfcheck.terraform.eval.scope import Evaluated, ModuleScope
from tfcheck.terraform.files import json_document, read_text
from tfcheck.terraform.hcl.parse import Block, parse_attributes, parse_expression

_EMPTY = ModuleScope({})


class RootVariables:
    """Values for the root module's variables, in Terraform's order of precedence."""

    def __init__(self, root: Path, blocks: list[Block], var_files: Sequence[str],
                 assignments: Sequence[str], plan_values: Mapping[str, Value]) -> None:
        self._values: dict[str, Value] = {}
        declared = {b.labels[0]: b for b in blocks if b.type == "variable" and b.labels}
        # Later sources win: terraform.tfvars, terraform.tfvars.json, *.auto.tfvars[.json]
        # in lexical order, then -var-file and -var as given.
        automatic = [root / "terraform.tfvars", root / "terraform.tfvars.json",
                     *sorted(p for p in root.glob("*.auto.tfvars*")
                             if p.name.endswith((".auto.tfvars", ".auto.tfvars.json")))]
        for path in automatic:
            if path.is_file() or path.is_symlink() or special(path):
                # Found in the scanned folder, so written by whoever wrote the configuration:
                # it must not lead outside it (a link to the CI's credentials), nor be a FIFO.
                confined(path, root, path.name)
                refuse_special(path, path.name)
                self._read_file(path, path.name)
        for name in var_files:
            path = Path(name)
            if not path.is_file():
                raise InputError("no such variables file", name)
            self._read_file(path, name)
        for assignment in assignments:
            self._assign(assignment, declared)
        self._values.update(plan_values)

    def value(self, name: str) -> Evaluated | None:
        if name not in self._values:
            return None
        return self._values[name], [], False

    def _read_file(self, path: Path, display: str) -> None:
        text = read_text(str(path), display)
        if path.name.endswith(".json"):
            doc = json_document(text, display)
            if not isinstance(doc, dict):
                raise InputError("a .tfvars.json file must hold an object", display)
            self._values.update(doc)
            return
        for name, attr in parse_attributes(text, display).items():
            self._values[name] = evaluate(attr.expr, _EMPTY)

    def _assign(self, assignment: str, declared: Mapping[str, Block]) -> None:
        name, sep, raw = assignment.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"--var {assignment!r}: expected NAME=VALUE")
        name = name.strip()
        block = declared.get(name)
        type_text = ""
        if block is not None and "type" in block.attrs:
            type_text = str(block.attrs["type"].expr.serialize()).strip()
        if not type_text.startswith(("list", "map", "set", "object", "tuple", "any")):
            self._values[name] = raw  # Terraform parses -var as HCL only for complex types
            return
        try:
            self._values[name] = evaluate(parse_expression(raw, "--var"), _EMPTY)
        except InputError:
            self._values[name] = raw
