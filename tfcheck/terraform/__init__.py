"""Reading Terraform: a plan JSON, a source directory, or both, into one Graph (`read`)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tfcheck.errors import InputError
from tfcheck.model.graph import Graph
from tfcheck.terraform.plan.prior import build_states
from tfcheck.terraform.plan.read import build_graph, read_plan
from tfcheck.terraform.span import directory_spans, plan_spans


@dataclass(frozen=True)
class ReadOptions:
    """What to read besides the input itself."""

    account_ids: Sequence[str] = ()
    """--account-id: owner accounts the HCL cannot prove by itself."""
    var_files: Sequence[str] = ()
    variables: Sequence[str] = ()
    source: str | None = None
    """The HCL directory of a plan (default: the plan file's directory)."""
    use_source: bool = True
    use_cache: bool = True
    keep: frozenset[str] | None = None
    """The resource types to read, from a plan or HCL (None: all of them)."""
    workspace: str | None = None
    """--workspace: `terraform.workspace` (else TF_WORKSPACE, else "default")."""
    spanning: frozenset[str] = frozenset()
    """Types of `keep` read only when the configuration may span accounts: a root that configures
    the AWS provider more than once, or a run of several roots (`several_roots`). The roles and
    users of one account are never another account's readers: not read, they cost nothing."""
    several_roots: bool = False


def _kept(options: ReadOptions, spans: bool) -> frozenset[str] | None:
    if options.keep is None or spans or options.several_roots:
        return options.keep
    return options.keep - options.spanning


def _no_terraform_files(directory: Path, display: str) -> InputError:
    """Why a directory holds no readable .tf file: a .tf name that is not a regular file (a
    symbolic link loop, a dangling link, a directory) is named, as it would otherwise be
    skipped in silence."""
    for entry in sorted([*directory.glob("*.tf"), *directory.glob("*.tf.json")]):
        if entry.is_symlink() and not entry.exists():
            return InputError("is a symbolic link that leads nowhere (a loop or a missing target)",
                              str(entry))
        if entry.is_dir():
            return InputError("is a directory, not a .tf file", str(entry))
    return InputError("is a directory with no .tf or .tf.json files", display)


def read(path: str, options: ReadOptions) -> Graph:
    """A directory is HCL; a file (or `-`) is a plan, merged with its source directory when there is one."""
    return read_states(path, options, before=False)[0]


def read_states(path: str, options: ReadOptions, before: bool = True) -> tuple[Graph, Graph | None]:
    """The Graph `read` gives, and (with `before`) the Graph of the state before the plan, from
    the plan alone: None for a directory, which has no state before."""
    keep = options.keep
    if path != "-" and Path(path).is_dir():
        # The HCL reader (python-hcl2, lark) is imported only when HCL is read.
        from tfcheck.terraform.source import has_terraform_files, load_directory

        if not has_terraform_files(Path(path)):
            raise _no_terraform_files(Path(path), path)
        keep = _kept(options, bool(options.spanning) and directory_spans(Path(path)))
        return load_directory(Path(path), display=path, account_ids=options.account_ids,
                              var_files=options.var_files, variables=options.variables,
                              cache=options.use_cache, keep=keep, workspace=options.workspace), None
    doc = read_plan(path, keep)
    keep = _kept(options, plan_spans(doc))
    graph, prior = build_states(doc, path, keep) if before else (build_graph(doc, path, keep), None)
    if not options.use_source:
        return graph, prior
    from tfcheck.terraform.source import has_terraform_files, load_directory

    if options.source is not None:
        source, display = Path(options.source), options.source
        if not source.is_dir() or not has_terraform_files(source):
            raise InputError("--source: not a directory with .tf files", options.source)
    elif path == "-":
        return graph, prior
    else:
        source, display = Path(path).resolve().parent, os.path.dirname(path) or "."
        if not has_terraform_files(source):
            return graph, prior
    plan_vars = {name: v["value"] for name, v in (doc.get("variables") or {}).items()
                 if isinstance(v, dict) and "value" in v}
    del doc  # the HCL is read without the plan document held in memory
    # The source gives locations and what the plan leaves unknown: what the plan knows is not
    # evaluated again.
    hcl = load_directory(source, plan_variables=plan_vars, display=display,
                         account_ids=options.account_ids, cache=options.use_cache, keep=keep,
                         workspace=options.workspace, plan=graph)
    from tfcheck.terraform.merge import merge

    return merge(graph, hcl), prior
