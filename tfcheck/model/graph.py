"""Graph: every resource of one root module, looked up by address, type, identifying value or link."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tfcheck.findings import Location
from tfcheck.model.resource import Resource

# Attributes whose values identify a resource when another resource names it by value
# (a secret's kms_key_id = "arn:aws:kms:…:key/…", a policy's secret_arn = "arn:…:secret:…").
IDENTIFYING = ("arn", "id", "key_id", "name", "target_key_arn")


@dataclass(frozen=True)
class Unchecked:
    """Something Terraform would create (or may) that no rule could look at, and why: the rule
    resource-not-checked reports each one, so a run never passes over it in silence."""

    address: str
    """The resource or module instance address (`module.app.aws_secretsmanager_secret.s`)."""
    reason: str
    """Why it was not checked: the end of "Not checked: …"."""
    fix: str
    """How to let tfcheck check it, one sentence."""
    location: Location | None = None


@dataclass
class Graph:
    """The resources of one root module with the facts about who owns them."""

    resources: dict[str, Resource]
    source: str = ""
    """The input this graph came from (a plan file or directory), for error messages."""
    owner_accounts: frozenset[str] = frozenset()
    """Accounts the input proves are the configuration's own (plus --account-id)."""
    owner_sources: tuple[str, ...] = ()
    """Where each owner account came from, for the report."""
    caller_identity: frozenset[str] = frozenset()
    """Addresses of aws_caller_identity data sources: principals built from them are the owner."""
    owner_placeholder: str | None = None
    """The stand-in account id the HCL evaluator gives data.aws_caller_identity when no account
    is known: a principal in it is the owner's, whatever the real number turns out to be."""
    ignores: tuple[Any, ...] = ()
    """Inline `# tfcheck:ignore` comments of the source (inputs.ignores.Ignore)."""
    notes: tuple[str, ...] = ()
    """What the input could not cover (a module not analysed), for the report."""
    unchecked: tuple[Unchecked, ...] = ()
    """What the input holds but could not be checked (rule resource-not-checked)."""
    loaded_types: frozenset[str] | None = None
    """When the input was read for some resource types only (a plan read for the rules and the
    configuration's custom rules), those types; None: every resource is here."""
    _by_type: dict[str, list[Resource]] = field(default_factory=dict, repr=False)
    _by_value: dict[str, list[Resource]] | None = field(default=None, repr=False)

    @classmethod
    def build(cls, resources: Iterable[Resource], **facts: object) -> Graph:
        by_address: dict[str, Resource] = {}
        by_type: dict[str, list[Resource]] = defaultdict(list)
        for res in resources:
            by_address[res.address] = res
            by_type[res.type].append(res)
        graph = cls(resources=by_address, **facts)  # type: ignore[arg-type]
        graph._by_type = dict(by_type)
        return graph

    def get(self, address: str) -> Resource | None:
        return self.resources.get(address)

    def _loaded(self, types: tuple[str, ...]) -> None:
        if self.loaded_types is not None and not self.loaded_types.issuperset(types):
            missing = sorted(set(types) - self.loaded_types)
            raise RuntimeError(f"resource types {missing} were not read from {self.source}: "
                               "add them to access.READ_TYPES")

    def of_type(self, *types: str, data: bool | None = False) -> list[Resource]:
        """Live resources of these types; data=None includes data sources, True only them."""
        self._loaded(types)
        out: list[Resource] = []
        for t in types:
            for res in self._by_type.get(t, ()):
                if res.deleted:
                    continue
                if data is None or (res.mode == "data") == data:
                    out.append(res)
        return out

    def by_value(self, value: str, types: tuple[str, ...], deleted: bool = False) -> list[Resource]:
        """Resources of `types` one of whose identifying attributes equals `value`: live ones, or
        with deleted=True only those the plan deletes."""
        self._loaded(types)
        if self._by_value is None:
            index: dict[str, list[Resource]] = defaultdict(list)
            for res in self.resources.values():
                seen: set[str] = set()
                for attr in IDENTIFYING:
                    val = res.values.get(attr)
                    if isinstance(val, str) and val and val not in seen:
                        seen.add(val)
                        index[val].append(res)
            self._by_value = dict(index)
        return [r for r in self._by_value.get(value, ()) if r.type in types and r.deleted == deleted]

    def targets(self, res: Resource, attribute: str, types: tuple[str, ...]) -> list[Resource]:
        """Live resources of `types` that `res.attribute` refers to in the configuration."""
        self._loaded(types)
        out: list[Resource] = []
        for link in res.links_of(attribute):
            target = self.resources.get(link.target)
            if (target is not None and not target.deleted and target.type in types
                    and target not in out):
                out.append(target)
        return out
