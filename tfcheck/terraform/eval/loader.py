"""What a module instance asks of the loader that reads the configuration (source.HclLoader)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from tfcheck.terraform.addresses import Key
from tfcheck.terraform.eval.scope import Evaluated, ModuleScope, SensitiveTracker
from tfcheck.terraform.eval.values import Value
from tfcheck.terraform.hcl.parse import Block

if TYPE_CHECKING:
    from tfcheck.terraform.eval.modules import Instance, ModuleInstance


class Loader(Protocol):
    """Files, modules and plan facts live with the loader; evaluation lives with the modules."""

    root: Path
    """The root module's directory (resolved): `path.root` and `path.cwd`."""
    display: str
    """The root as the user named it, for locations."""
    tracker: SensitiveTracker
    workspace: str
    """`terraform.workspace`: --workspace, else TF_WORKSPACE, else "default"."""

    def planned(self, module: ModuleInstance, block: Block) -> list[Instance] | None:
        """The instances a plan lists for the block (None: no plan, expand it here)."""

    def child_module(self, parent: ModuleInstance, name: str, key: Key) -> ModuleInstance | None:
        """The instance `key` of the module call `name` (None: not analysed)."""

    def computed(self, block: Block, args: Callable[[], dict[str, Value]],
                 region: str | None = None) -> dict[str, Callable[[], Value]]:
        """Attributes a data source computes that tfcheck knows without AWS (`region`: of its
        provider, when known)."""

    def argument_values(self, block: Block, scope: ModuleScope) -> tuple[dict[str, Value], bool]:
        """All arguments of a block, nested blocks as lists of dicts; whether any is sensitive."""

    def attribute(self, block: Block, name: str, scope: ModuleScope) -> Evaluated:
        """One argument or nested block type of a block, evaluated."""
