"""tfcheck.hcl: owner accounts, rule levels, custom rules and waivers, validated with file:line errors."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tfcheck.errors import ConfigError, InputError
from tfcheck.findings import Level, Severity

if TYPE_CHECKING:  # the HCL reader is imported only when there is a tfcheck.hcl to read
    from tfcheck.terraform.hcl.parse import Attr, Block

CONFIG_NAME = "tfcheck.hcl"
CONFIG_VARIABLE = "TFCHECK_CONFIG"
"""The trusted configuration's path, like --config (set in the CI definition, not the checkout)."""
E = TypeVar("E", bound=Enum)
_ACCOUNT = re.compile(r"^\d{12}$")
_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
BUILTIN_SETTINGS = {"enforcement_level", "severity", "enabled"}
CUSTOM_SETTINGS = {"resource_types", "require", "forbid", "where", "document", "message", "severity",
                   "enforcement_level", "enabled"}


@dataclass(frozen=True)
class RuleSettings:
    """What tfcheck.hcl says about one rule (built-in or custom)."""

    level: Level | None = None
    severity: Severity | None = None
    enabled: bool = True
    line: int = 0
    """Where the rule block is, for the governance section of reports."""


@dataclass(frozen=True)
class CustomRuleSpec:
    """A `rule "<new-id>"` block: a JSONPath check over resource values or a policy document."""

    id: str
    resource_types: tuple[str, ...]
    require: str | None
    forbid: str | None
    where: str | None
    document: str | None
    message: str
    settings: RuleSettings
    file: str
    line: int
    path_lines: dict[str, int] = field(default_factory=dict)
    """Line of each JSONPath setting (require, forbid, where), for syntax errors."""


@dataclass(frozen=True)
class Waiver:
    rule: str
    address: str
    """A pattern over full instance addresses (`module.vendor.*`): only `*` and `?` are wildcards."""
    reason: str
    expires: dt.date | None
    file: str
    line: int
    root: str | None = None
    """The root module it applies to (a pattern over root paths), or every root when None."""

    def matches(self, rule: str, address: str | None, root: str) -> bool:
        """Whether this waiver covers a finding of `rule` on `address` in `root`."""
        from tfcheck.address_glob import address_matches

        return (rule == self.rule and address_matches(self.address, address or "")
                and (self.root is None or address_matches(self.root.rstrip("/"), root)))


class InlineAllow(str, Enum):
    """Which findings an inline `# tfcheck:ignore` may waive."""

    NONE = "none"
    NOT_HARD = "advisory-and-soft-mandatory"
    ALL = "all"


@dataclass(frozen=True)
class InlinePolicy:
    """The `inline_ignores { allow = ..., require_expiry = ... }` block."""

    allow: InlineAllow = InlineAllow.NOT_HARD
    """By default an inline ignore never waives a hard-mandatory finding."""
    require_expiry: bool = False
    line: int = 0


@dataclass(frozen=True)
class Config:
    file: str | None = None
    owners: tuple[str, ...] = ()
    trusted: tuple[str, ...] = ()
    rules: dict[str, RuleSettings] = field(default_factory=dict)
    custom: tuple[CustomRuleSpec, ...] = ()
    waivers: tuple[Waiver, ...] = ()
    inline: InlinePolicy = InlinePolicy()
    given: bool = False
    """Named by --config or TFCHECK_CONFIG (trusted), rather than found in the scanned tree."""
    lines: dict[str, int] = field(default_factory=dict)
    """Line of the accounts and inline_ignores blocks, for the governance section."""


def given_config(explicit: str | None) -> str | None:
    """--config, else TFCHECK_CONFIG: the trusted configuration, if any."""
    return explicit if explicit is not None else (os.environ.get(CONFIG_VARIABLE) or None)


def find_config(explicit: str | None, roots: list[Path]) -> Path | None:
    """--config (or TFCHECK_CONFIG), else tfcheck.hcl in the working directory, else in a scanned
    root. A given configuration is the only one read: the scanned tree cannot add to it."""
    explicit = given_config(explicit)
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError("no such configuration file", explicit)
        return path
    from tfcheck.terraform.confine import confined, refuse_special, special

    for folder in [Path(), *roots]:
        if (folder / CONFIG_NAME).is_file() or special(folder / CONFIG_NAME):
            # Found in the tree under review: a link must not make it read a file from elsewhere.
            confined(folder / CONFIG_NAME, folder, str(folder / CONFIG_NAME))
            refuse_special(folder / CONFIG_NAME, str(folder / CONFIG_NAME))
            return folder / CONFIG_NAME
    return None


def load_config(path: Path | None, builtin: set[str], given: bool = False) -> Config:
    """`given`: the file came from --config or TFCHECK_CONFIG, so it is trusted."""
    if path is None:
        return Config()
    from tfcheck.terraform.files import max_file_size, read_limited
    from tfcheck.terraform.hcl.parse import parse_document

    display = str(path)
    try:
        text = read_limited(display, max_file_size(), display).decode("utf-8-sig")
        attrs, blocks = parse_document(text, display)
    except UnicodeDecodeError as err:
        raise ConfigError(f"not UTF-8 text (byte {err.start})", display) from None
    except InputError as err:
        raise ConfigError(err.message, err.file, err.line, err.column) from None
    return replace(_Reader(display, builtin).read(attrs, blocks), given=given)


class _Reader:
    def __init__(self, file: str, builtin: set[str]) -> None:
        self.file = file
        self.builtin = builtin

    def fail(self, line: int, message: str) -> ConfigError:
        return ConfigError(message, self.file, line)

    def read(self, attrs: dict[str, Attr], blocks: list[Block]) -> Config:
        owners: tuple[str, ...] = ()
        trusted: tuple[str, ...] = ()
        selection: dict[str, Attr] = {}
        for name, attr in attrs.items():
            if name in ("rules", "skip_rules"):
                selection[name] = attr  # applied once every rule block is known
                continue
            if name == "organization_id":
                # It was accepted once and meant nothing: say so rather than let it seem to work.
                raise self.fail(attr.line, "organization_id is not a setting: tfcheck reads "
                                           "aws:PrincipalOrgID conditions from the policies themselves")
            raise self.fail(attr.line, f"unknown setting {name!r} (expected rules, skip_rules, and "
                                       "accounts, rule and waiver blocks)")
        rules: dict[str, RuleSettings] = {}
        custom: list[CustomRuleSpec] = []
        waivers: list[Waiver] = []
        seen_accounts = False
        inline = InlinePolicy()
        lines: dict[str, int] = {}
        for block in blocks:
            if block.type in ("accounts", "waiver") and block.labels:
                raise self.fail(block.line, f"the {block.type} block takes no label")
            if block.type == "accounts":
                if seen_accounts:
                    raise self.fail(block.line, "accounts is configured twice (give owner and trusted "
                                                "in one block)")
                seen_accounts = True
                lines["accounts"] = block.line
                self._only(block, {"owner", "trusted"})
                owners = self._accounts(block, "owner")
                trusted = self._accounts(block, "trusted")
            elif block.type == "rule":
                if len(block.labels) != 1 or not _RULE_ID.match(block.labels[0]):
                    raise self.fail(block.line, "a rule block needs one label, the rule id (lowercase, "
                                                "digits, dashes)")
                rule_id = block.labels[0]
                if rule_id in rules or any(c.id == rule_id for c in custom):
                    raise self.fail(block.line, f"rule {rule_id!r} is configured twice")
                if rule_id in self.builtin:
                    self._only(block, BUILTIN_SETTINGS)
                    rules[rule_id] = self._settings(block)
                else:
                    custom.append(self._custom(block))
            elif block.type == "waiver":
                waivers.append(self._waiver(block))
            elif block.type == "inline_ignores":
                if block.labels or "inline_ignores" in lines:
                    raise self.fail(block.line, "inline_ignores is one block, with no label")
                lines["inline_ignores"] = block.line
                inline = self._inline(block)
            else:
                raise self.fail(block.line, f"unknown block {block.type!r} (expected accounts, rule, "
                                            "waiver or inline_ignores)")
        known = self.builtin | {c.id for c in custom}
        rules, custom = self._select(selection, known, rules, custom)
        for waiver in waivers:
            if waiver.rule not in known:
                raise self.fail(waiver.line, f"waiver: no rule {waiver.rule!r} (see `tfcheck rules`)")
        return Config(self.file, owners, trusted, rules, tuple(custom), tuple(waivers), inline,
                      lines=lines)

    def _select(self, selection: dict[str, Attr], known: set[str], rules: dict[str, RuleSettings],
                custom: list[CustomRuleSpec]) -> tuple[dict[str, RuleSettings], list[CustomRuleSpec]]:
        """`rules = [...]` runs only those; `skip_rules = [...]` turns those off. Either is a rule
        disabled at that line, so the governance section of every report shows it."""
        off: dict[str, int] = {}
        for name, attr in selection.items():
            ids = self._strings(attr)
            for rule_id in ids:
                if rule_id not in known:
                    raise self.fail(attr.line, f"{name}: no rule {rule_id!r} (see `tfcheck rules`)")
            chosen = set(ids) if name == "skip_rules" else known - set(ids)
            off.update({rule_id: attr.line for rule_id in chosen})
        rules = dict(rules)
        for rule_id, line in off.items():
            if rule_id in self.builtin:
                rules[rule_id] = replace(rules.get(rule_id, RuleSettings()), enabled=False, line=line)
        custom = [replace(c, settings=replace(c.settings, enabled=False, line=off[c.id]))
                  if c.id in off else c for c in custom]
        return rules, custom

    def _inline(self, block: Block) -> InlinePolicy:
        self._only(block, {"allow", "require_expiry"})
        allow = self._choice(block, "allow", InlineAllow) or InlineAllow.NOT_HARD
        require = False
        if "require_expiry" in block.attrs:
            value = self._value(block.attrs["require_expiry"])
            if not isinstance(value, bool):
                raise self.fail(block.attrs["require_expiry"].line, "require_expiry must be true or false")
            require = value
        return InlinePolicy(allow, require, block.line)

    def _only(self, block: Block, allowed: set[str]) -> None:
        for name, attr in block.attrs.items():
            if name not in allowed:
                raise self.fail(attr.line, f"unknown setting {name!r} in {block.type} "
                                           f"(expected {', '.join(sorted(allowed))})")
        if block.blocks:
            raise self.fail(block.blocks[0].line, f"unexpected block {block.blocks[0].type!r} in "
                                                  f"{block.type}")

    def _value(self, attr: Attr) -> Any:
        from tfcheck.terraform.eval.expressions import Unknown, evaluate
        from tfcheck.terraform.eval.scope import ModuleScope

        value = evaluate(attr.expr, ModuleScope({}))
        if isinstance(value, Unknown):
            raise self.fail(attr.line, f"{attr.name}: only literal values are allowed here")
        return value

    def _string(self, attr: Attr) -> str:
        value = self._value(attr)
        if not isinstance(value, str) or not value:
            raise self.fail(attr.line, f"{attr.name} must be a non-empty string")
        return value

    def _strings(self, attr: Attr) -> tuple[str, ...]:
        value = self._value(attr)
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(attr.line, f"{attr.name} must be a list of strings")
        return tuple(value)

    def _accounts(self, block: Block, name: str) -> tuple[str, ...]:
        if name not in block.attrs:
            return ()
        values = self._strings(block.attrs[name])
        for v in values:
            if not _ACCOUNT.match(v):
                raise self.fail(block.attrs[name].line, f"{name}: {v!r} is not a 12-digit account id")
        return values

    def _settings(self, block: Block) -> RuleSettings:
        level = self._choice(block, "enforcement_level", Level)
        severity = self._choice(block, "severity", Severity)
        enabled = True
        if "enabled" in block.attrs:
            value = self._value(block.attrs["enabled"])
            if not isinstance(value, bool):
                raise self.fail(block.attrs["enabled"].line, "enabled must be true or false")
            enabled = value
        return RuleSettings(level, severity, enabled, block.line)

    def _choice(self, block: Block, name: str, kind: type[E]) -> E | None:
        """An enum setting (enforcement_level, severity), with the allowed values on error."""
        if name not in block.attrs:
            return None
        attr = block.attrs[name]
        text = self._string(attr)
        try:
            return kind(text)
        except ValueError:
            allowed = ", ".join(member.value for member in kind)
            raise self.fail(attr.line, f"{name} {text!r}: expected one of {allowed}") from None

    def _custom(self, block: Block) -> CustomRuleSpec:
        self._only(block, CUSTOM_SETTINGS)
        rule_id = block.labels[0]
        if "resource_types" not in block.attrs or "message" not in block.attrs:
            raise self.fail(block.line, f"rule {rule_id!r} is not a built-in rule, so it needs "
                                        "resource_types and message (and require or forbid)")
        if ("require" in block.attrs) == ("forbid" in block.attrs):
            raise self.fail(block.line, f"rule {rule_id!r}: set exactly one of require and forbid")
        paths = {k: self._string(block.attrs[k]) for k in ("require", "forbid", "where")
                 if k in block.attrs}
        document = self._string(block.attrs["document"]) if "document" in block.attrs else None
        return CustomRuleSpec(
            rule_id, self._strings(block.attrs["resource_types"]), paths.get("require"),
            paths.get("forbid"), paths.get("where"), document, self._string(block.attrs["message"]),
            self._settings(block), self.file, block.line,
            {k: block.attrs[k].line for k in ("require", "forbid", "where") if k in block.attrs})

    def _waiver(self, block: Block) -> Waiver:
        self._only(block, {"rule", "address", "reason", "expires", "root"})
        for name in ("rule", "address", "reason"):
            if name not in block.attrs:
                raise self.fail(block.line, f"waiver needs {name}")
        expires = None
        if "expires" in block.attrs:
            attr = block.attrs["expires"]
            text = self._string(attr)
            try:
                expires = dt.date.fromisoformat(text)
            except ValueError:
                raise self.fail(attr.line, f"expires {text!r}: expected a date, YYYY-MM-DD") from None
        root = self._string(block.attrs["root"]) if "root" in block.attrs else None
        return Waiver(self._string(block.attrs["rule"]), self._string(block.attrs["address"]),
                      self._string(block.attrs["reason"]), expires, self.file, block.line, root)
