"""Read a Terraform root module directory (with its local modules) into the same Graph as a plan."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from tfcheck.errors import InputError
from tfcheck.findings import Location
from tfcheck.model.graph import Graph, Unchecked
from tfcheck.model.resource import Resource
from tfcheck.terraform.addresses import Key, arn_account
from tfcheck.terraform.aws.policy_document import (
    PolicyDocumentError,
    partial_policy_document,
    render_policy_document,
)
from tfcheck.terraform.confine import confined, refuse_special, special
from tfcheck.terraform.eval.budget import BudgetExceeded, charge_instances, evaluation_budget
from tfcheck.terraform.eval.expressions import InstanceRef, Unknown, Value, evaluate
from tfcheck.terraform.eval.from_plan import plan_keys, planned_instances, unknown_attributes
from tfcheck.terraform.eval.modules import META_ARGS, Instance, ModuleInstance
from tfcheck.terraform.eval.resources import build_resource, evaluate_blocks
from tfcheck.terraform.eval.scope import Evaluated, ModuleScope, SensitiveTracker
from tfcheck.terraform.eval.variables import RootVariables
from tfcheck.terraform.files import max_file_size, read_limited
from tfcheck.terraform.hcl.cache import ParseCache, enabled_by_environment, parse_files
from tfcheck.terraform.hcl.grammar_cache import refuse_folder
from tfcheck.terraform.hcl.ignores import Ignore, scan_ignores
from tfcheck.terraform.hcl.parse import Block
from tfcheck.terraform.plan.read import paused_gc

# The stand-in for data.aws_caller_identity's account when no --account-id is given: twelve
# digits that no real account has, recognised by access as "the owner, number unknown".
OWNER_PLACEHOLDER = "000000000000"
MAX_MODULE_DEPTH = 32


def has_terraform_files(directory: Path) -> bool:
    return any(p.is_file() for p in directory.glob("*.tf")) or any(
        p.is_file() for p in directory.glob("*.tf.json"))


def load_directory(root: Path, *, account_ids: Sequence[str] = (), var_files: Sequence[str] = (),
                   variables: Sequence[str] = (), plan_variables: Mapping[str, Value] | None = None,
                   display: str | None = None, cache: bool = True,
                   keep: frozenset[str] | None = None, plan: Graph | None = None,
                   workspace: str | None = None) -> Graph:
    """The root module at `root` (subfolders count only when called as modules).

    `cache`: use the parse cache (hcl.cache), unless TFCHECK_NO_CACHE is set.
    `keep`: the resource types to build Resources of (None: all); the others are not read, as
    no rule reads them.
    `plan`: the plan whose source this is; what it knows is not evaluated again (eval.from_plan):
    its instances are taken, and only the attributes it leaves unknown are evaluated (an
    instance it does not list gets its location and nested blocks only)."""
    shown = display or str(root)
    with paused_gc(), evaluation_budget():  # paused: many objects, few cycles worth collecting
        try:
            return HclLoader(root, account_ids, var_files, variables, plan_variables or {},
                             shown, cache, keep, plan, workspace).load()
        except BudgetExceeded as exc:
            expression = f" in `{exc.expression}`" if exc.expression else ""
            raise InputError(f"evaluation budget exceeded: {exc.what}{expression}",
                             exc.file or shown, exc.line) from None
        except MemoryError:  # never an unknown that passes: the input is refused
            raise InputError("evaluation ran out of memory", shown) from None


class HclLoader:
    def __init__(self, root: Path, account_ids: Sequence[str], var_files: Sequence[str],
                 variables: Sequence[str], plan_variables: Mapping[str, Value], display: str,
                 cache: bool = True, keep: frozenset[str] | None = None,
                 plan: Graph | None = None, workspace: str | None = None) -> None:
        self.cache = ParseCache() if cache and enabled_by_environment() else None
        if self.cache is None:
            refuse_folder()  # nor lark's grammar from the cache folder
        # As Terraform: TF_WORKSPACE selects the workspace when no other choice is made.
        self.workspace = workspace or os.environ.get("TF_WORKSPACE") or "default"
        self.keep = keep
        self.only = unknown_attributes(plan) if plan is not None else None
        self.plan_keys = plan_keys(plan) if plan is not None else None
        self.root = root.resolve()
        self.display = display
        self.tracker = SensitiveTracker()
        self.owner_value = account_ids[0] if account_ids else OWNER_PLACEHOLDER
        self.unchecked: list[Unchecked] = []
        self._module_dirs: dict[tuple[str, str], Path | None] = {}
        self.secret_providers: set[str] = set()
        """The provider configurations that create secrets and secret policies."""
        self.ignores: list[Ignore] = []
        self._parsed: dict[Path, list[Block]] = {}
        self._root_vars = RootVariables(self.root, self._blocks(self.root), var_files, variables,
                                        plan_variables)
        self._modules_json = _modules_json(self.root, display)
        self.region: Value = Unknown("provider region")
        self.accounts: dict[str, str] = {}
        """Provider configuration ("aws", "aws.consumer") -> the one account it manages."""

    def load(self) -> Graph:
        root = ModuleInstance(self, (), self.root, self._blocks(self.root), self._root_vars.value)
        accounts = self._provider_accounts(root)
        self.accounts = {key: next(iter(found)) for key, found in accounts.items() if len(found) == 1}
        resources: list[Resource] = []
        self._walk(root, resources, 0)
        owners, sources = _owners(accounts, self.secret_providers)
        callers = sorted(r.address for r in resources
                         if r.mode == "data" and r.type == "aws_caller_identity")
        return Graph.build(resources, source=self.display, owner_accounts=frozenset(owners),
                           owner_sources=tuple(sources), caller_identity=frozenset(callers),
                           owner_placeholder=OWNER_PLACEHOLDER, unchecked=tuple(self.unchecked),
                           ignores=tuple(self.ignores), loaded_types=self.keep)

    def _walk(self, module: ModuleInstance, out: list[Resource], depth: int) -> None:
        for block in module.resources:
            if self.keep is not None and block.labels[0] not in self.keep:
                continue  # no rule reads it (its text may not even be parsed: hcl.outline)
            try:
                self._walk_block(module, block, out)
            except BudgetExceeded as exc:
                raise exc.at(os.path.join(self.display, block.file), block.line, None) from None
        for name, call in module.calls.items():
            try:
                expanded = module.call_instances(name)
                if not isinstance(expanded, Unknown):
                    charge_instances(len(expanded))
            except BudgetExceeded as exc:
                raise exc.at(os.path.join(self.display, call.file), call.line, None) from None
            if isinstance(expanded, Unknown):
                self.unchecked.append(Unchecked(
                    _call_address(module, name), f"its {_meta_argument(call)} is not known before "
                    "apply, so the resources of this module were not read", _PLAN_FIX,
                    Location(call.file, call.line, self.display)))
                continue
            for key in expanded:
                child = module.child(name, key)
                if child is not None:
                    self._walk(child, out, depth + 1)

    def _walk_block(self, module: ModuleInstance, block: Block, out: list[Resource]) -> None:
        found = module.instances(block)
        if isinstance(found, Unknown):
            self.unchecked.append(Unchecked(
                module.resource_address(block, None),
                f"its {_meta_argument(block)} is not known before apply, so neither how many "
                "instances there are nor their values are known", _PLAN_FIX,
                    Location(block.file, block.line, self.display)))
            return
        charge_instances(len(found))
        if block.labels[0] in _SECRET_TYPES and found:
            self.secret_providers.add(module.provider_key_of(block))
        account = self.accounts.get(module.provider_key_of(block))
        for inst, ref in found:
            names = None if self.only is None else self.only.get(ref.address, frozenset())
            res = build_resource(module, block, inst, ref, self._location(block), names)
            res.account = arn_account(res.values.get("arn")) or account
            out.append(res)

    def planned(self, module: ModuleInstance, block: Block) -> list[Instance] | None:
        """The instances the plan lists for the block, when reading a plan's source."""
        return None if self.plan_keys is None else planned_instances(self.plan_keys, module, block)

    def child_module(self, parent: ModuleInstance, name: str, key: Key) -> ModuleInstance | None:
        call = parent.calls[name]
        where = (parent.address, name)  # the same directory for every instance of the call
        if where not in self._module_dirs:
            self._module_dirs[where] = self._module_dir(parent, name, call)
        directory = self._module_dirs[where]
        if directory is None:
            return None
        if len(parent.segs) >= MAX_MODULE_DEPTH or directory in _ancestors(parent):
            raise InputError(f"module {name!r} includes itself (through {directory.name})",
                             os.path.join(self.display, call.file), call.line)
        expanded = parent.call_instances(name)
        inst = expanded.get(key) if isinstance(expanded, dict) else None
        scope = parent.instance_scope(inst) if inst else parent.scope

        def inputs(var: str) -> Evaluated | None:
            attr = call.attrs.get(var)
            if attr is None or var in META_ARGS:
                return None
            return self.tracker.evaluate(attr.expr, scope)

        child = ModuleInstance(self, parent.segs + ((name, key),), directory,
                               self._blocks(directory), inputs, parent.child_providers(call), parent,
                               parent.child_provider_keys(call))
        return child

    def _module_dir(self, parent: ModuleInstance, name: str, call: Block) -> Path | None:
        source = evaluate(call.attrs["source"].expr, ModuleScope({})) if "source" in call.attrs else None
        if isinstance(source, str) and source.startswith(("./", "../")):
            try:
                directory = confined(parent.dir / source, self.root, source)
            except InputError as err:  # a link loop, or a folder outside the scanned tree
                raise InputError(f"module {name!r}: source {source!r} {err.message}",
                                 os.path.join(self.display, call.file), call.line) from None
            if not directory.is_dir():
                raise InputError(f"module {name!r}: source {source!r} is not a directory",
                                 os.path.join(self.display, call.file), call.line)
            return directory
        key = ".".join([*(n for n, _ in parent.segs), name])
        if key in self._modules_json:
            return self._modules_json[key]
        self.unchecked.append(Unchecked(
            _call_address(parent, name), f"this module (source {source!r}) is not on disk, so it "
            "was not read", "Run `terraform init` so that .terraform/modules holds it, or check "
            "the plan (terraform show -json).", Location(call.file, call.line, self.display)))
        return None

    def _blocks(self, directory: Path) -> list[Block]:
        directory = directory.resolve()
        if directory not in self._parsed:
            # A FIFO or device named like a .tf file is refused, not skipped: Terraform reads it.
            files = sorted(p for p in [*directory.glob("*.tf"), *directory.glob("*.tf.json")]
                           if p.is_file() or special(p))
            items = []
            for path in files:
                rel = self._rel(str(path))
                shown = os.path.join(self.display, os.path.relpath(path, self.root))
                confined(path, self.root, shown)
                refuse_special(path, shown)
                items.append((path, os.path.join(self.display, rel), rel))
            blocks: list[Block] = []
            # From the parse cache, else parsed (several files at once on several processes).
            parsed_files = parse_files(items, self.cache, keep=self.keep)
            for (path, display, rel), parsed in zip(items, parsed_files, strict=True):
                blocks += parsed
                if path.suffix == ".tf":
                    self.ignores += scan_ignores(path.read_text(encoding="utf-8-sig",
                                                                errors="replace"), rel, display)
            self._parsed[directory] = blocks
        return self._parsed[directory]

    def _rel(self, path: str) -> str:
        try:
            return str(Path(path).resolve().relative_to(self.root))
        except ValueError:
            pass
        # A module outside the root (`source = "../modules/x"`, common in monorepos) is named
        # from the root too ("../modules/x/main.tf"), never by an absolute path of this machine;
        # a file that is a link out of the root keeps its own name.
        try:
            return os.path.relpath(os.path.abspath(path), self.root)
        except ValueError:  # another drive (Windows)
            return path

    def _location(self, block: Block) -> tuple[str, int, dict[str, int]]:
        lines = {name: attr.line for name, attr in block.attrs.items()}
        for nested in block.blocks:  # the first block of each type, e.g. `replica {`
            lines.setdefault(nested.labels[0] if nested.type == "dynamic" and nested.labels
                             else nested.type, nested.line)
        return block.file, block.line, lines

    def computed(self, block: Block, args: Callable[[], dict[str, Value]],
                 region: str | None = None) -> dict[str, Callable[[], Value]]:
        """Attributes a data source computes that tfcheck knows without AWS (`region`: of its
        provider, when known)."""
        if block.type != "data":
            return {}
        kind = block.labels[0]
        if kind == "aws_caller_identity":
            return {"account_id": lambda: self.owner_value, "id": lambda: self.owner_value}
        if kind == "aws_kms_key":
            def manager() -> Value:
                # Looked up by an alias of AWS's own (alias/aws/secretsmanager, or its ARN), the
                # key is AWS-managed whatever AWS answers for the rest.
                key_id = args().get("key_id")
                if isinstance(key_id, str) and _AWS_ALIAS.match(key_id):
                    return "AWS"
                return Unknown(f"data.aws_kms_key.{block.labels[1]}.key_manager")
            return {"key_manager": manager}
        if kind == "aws_partition":
            # The partition of the provider's region; never a guess (an unknown region, or one
            # of no known partition, leaves it unknown).
            partition, suffix = _partition_of(region)
            return {"partition": lambda: partition, "id": lambda: partition,
                    "dns_suffix": lambda: suffix}
        if kind == "aws_region":
            return {"name": lambda: self.region, "id": lambda: self.region,
                    "region": lambda: self.region}
        if kind == "aws_iam_policy_document":
            def render() -> Value:
                try:
                    values = args()
                    rendered = render_policy_document(values, is_unknown=_is_unknown, make_unknown=Unknown)
                    if isinstance(rendered, Unknown):  # what is known still says who may act
                        return Unknown(rendered.text, partial_policy_document(values, _is_unknown))
                    return rendered
                except PolicyDocumentError as err:
                    raise InputError(f"data.aws_iam_policy_document.{block.labels[1]}: {err}",
                                     os.path.join(self.display, block.file), block.line) from None
            return {"json": render, "minified_json": lambda: _minified(render())}
        return {}

    def argument_values(self, block: Block, scope: ModuleScope) -> tuple[dict[str, Value], bool]:
        """All arguments of a block, nested blocks as lists of dicts (for policy documents)."""
        values: dict[str, Value] = {}
        sensitive = False
        for name, attr in block.attrs.items():
            if name not in META_ARGS:
                value, _, touched = self.tracker.evaluate(attr.expr, scope)
                values[name] = value
                sensitive = sensitive or touched
        nested = evaluate_blocks(self, block.blocks, scope)
        values.update(nested.raw)
        return values, sensitive or nested.sensitive

    def attribute(self, block: Block, name: str, scope: ModuleScope) -> Evaluated:
        if name in block.attrs:
            return self.tracker.evaluate(block.attrs[name].expr, scope)
        nested = evaluate_blocks(self, [b for b in block.blocks if b.type == name], scope)
        refs = [r for links in nested.refs.values() for r in links]
        return nested.values.get(name, []), refs, nested.sensitive

    def _provider_accounts(self, root: ModuleInstance) -> dict[str, dict[str, str]]:
        """Root provider configuration ("aws", "aws.mgmt") -> the accounts it may create
        resources in (allowed_account_ids, the account of its assume_role), with where each is
        said."""
        out: dict[str, dict[str, str]] = {}
        for block in (b for b in root.blocks if b.type == "provider" and b.labels == ("aws",)):
            where = f"{block.file}:{block.line}"
            alias = evaluate(block.attrs["alias"].expr, root.scope) if "alias" in block.attrs else None
            owners = out.setdefault("aws" + (f".{alias}" if isinstance(alias, str) else ""), {})
            if "allowed_account_ids" in block.attrs:
                ids = evaluate(block.attrs["allowed_account_ids"].expr, root.scope)
                for account in ids if isinstance(ids, list) else []:
                    if isinstance(account, str) and account.isdigit() and len(account) == 12:
                        owners.setdefault(account, f"allowed_account_ids at {where}")
            for assume in block.nested("assume_role"):
                if "role_arn" in assume.attrs:
                    account = arn_account(evaluate(assume.attrs["role_arn"].expr, root.scope))
                    if account:
                        owners.setdefault(account, f"assume_role at {where}")
            if "alias" not in block.attrs and "region" in block.attrs:
                self.region = evaluate(block.attrs["region"].expr, root.scope)
        return out


def _ancestors(module: ModuleInstance) -> list[Path]:
    out = []
    node: ModuleInstance | None = module
    while node is not None:
        out.append(node.dir)
        node = node.parent
    return out


def _is_unknown(value: object) -> bool:
    return isinstance(value, Unknown)


def _minified(value: Value) -> Value:
    return json.dumps(json.loads(value), separators=(",", ":")) if isinstance(value, str) else value


def _modules_json(root: Path, display: str) -> dict[str, Path]:
    """Module call keys -> directories, from what `terraform init` recorded (a checkout may carry
    its own .terraform: each directory must stay inside the scanned tree)."""
    path = root / ".terraform" / "modules" / "modules.json"
    shown = os.path.join(display, ".terraform", "modules", "modules.json")
    if not path.is_file() and not special(path):
        return {}
    confined(path, root, shown)
    refuse_special(path, shown)
    # What terraform init wrote: when it is not that, the modules are not there to analyse.
    try:
        doc = json.loads(read_limited(str(path), max_file_size(), str(path)))
    except (InputError, ValueError, RecursionError):
        return {}
    entries = doc.get("Modules") if isinstance(doc, dict) else None
    out: dict[str, Path] = {}
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("Key"), str) and entry.get("Dir"):
            try:
                directory = confined(root / str(entry["Dir"]), root, shown)
            except InputError as err:
                raise InputError(f"module {entry['Key']!r}: directory {str(entry['Dir'])!r} "
                                 f"{err.message}", shown) from None
            if entry["Key"] and directory.is_dir():
                out[entry["Key"]] = directory
    return out


__all__ = ["InstanceRef", "has_terraform_files", "load_directory"]


_PLAN_FIX = ("Check the plan (terraform show -json) instead of the directory, or make count and "
             "for_each depend on values known at plan time.")


def _meta_argument(block: Block) -> str:
    return "for_each" if "for_each" in block.attrs else "count"


def _call_address(module: ModuleInstance, name: str) -> str:
    """A module call's address within its (expanded) parent: `module.a["x"].module.b`."""
    return f"{module.address}.module.{name}" if module.address else f"module.{name}"


# Region prefixes of the partitions other than `aws`, longest first, with their DNS suffixes.
_PARTITIONS = (("us-isob-", "aws-iso-b", "sc2s.sgov.gov"), ("us-isof-", "aws-iso-f", "csp.hci.ic.gov"),
               ("eu-isoe-", "aws-iso-e", "cloud.adc-e.uk"), ("us-iso-", "aws-iso", "c2s.ic.gov"),
               ("us-gov-", "aws-us-gov", "amazonaws.com"), ("cn-", "aws-cn", "amazonaws.com.cn"))
_AWS_ALIAS = re.compile(r"^(?:arn:[\w-]+:kms:[\w-]*:\d*:)?alias/aws/")
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d+")


def _partition_of(region: str | None) -> tuple[Value, Value]:
    """data.aws_partition's partition and dns_suffix in a provider region; unknown when the
    region is (a region of the provider's environment, or not a region name)."""
    if region is None or not _REGION.fullmatch(region):
        return Unknown("data.aws_partition (the provider's region is not known)"), \
            Unknown("data.aws_partition.dns_suffix")
    for prefix, partition, suffix in _PARTITIONS:
        if region.startswith(prefix):
            return partition, suffix
    return "aws", "amazonaws.com"


_SECRET_TYPES = frozenset({"aws_secretsmanager_secret", "aws_secretsmanager_secret_policy"})


def _owners(accounts: dict[str, dict[str, str]], used: set[str]) -> tuple[list[str], list[str]]:
    """The owner accounts with where each is said: those of the provider configurations that
    create the secrets (the owner of a resource is the account of the provider that creates
    it; a role another provider assumes into another account does not make that account
    yours); of every provider when no secret is created here."""
    chosen = [k for k in sorted(accounts) if k in used] if used else sorted(accounts)
    owners: dict[str, str] = {}
    for key in chosen:
        for account, where in accounts[key].items():
            owners.setdefault(account, where)
    ordered = sorted(owners)
    return ordered, [f"{a} ({owners[a]})" for a in ordered]
