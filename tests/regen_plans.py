"""Regenerate the ``plan.json`` of plan fixtures with real Terraform, offline, against moto.

Usage::

    python -m tests.regen_plans [--check] [-j N] [--mirror DIR] [--terraform PATH] [FIXTURE_DIR ...]

Without arguments every directory under ``fixtures/`` that holds an ``expected.json`` is
regenerated. A fixture directory is one root module, or, when its ``expected.json`` lists
``"roots"``, a folder of root modules (each planned on its own, into its own ``plan.json``).
When a root has a ``before/`` folder, that configuration is applied first (to moto) so the plan
of the real configuration has a prior state: updates, replacements and destroys.

The AWS provider is pointed at a local moto server by an override file (fake credentials,
``endpoints``); :func:`normalise` removes those settings again from the plan, so a committed
``plan.json`` reads as if it came from a real account (111111111111, us-east-1).

``--check`` regenerates into a temporary file and compares with the committed ``plan.json``
after :func:`mask_volatile`, without writing anything.

Terraform, the ``hashicorp/aws`` provider and moto are needed only to regenerate; the tests of
tfcheck itself read the committed plans.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import json
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"

#: The account moto pretends to be; every committed plan is owned by it.
OWNER_ACCOUNT = "111111111111"
#: Seed for moto's random generator after each reset, so ids repeat from run to run
#: when Terraform creates resources in the same order.
MOTO_SEED = 1111
DEFAULT_MIRROR = Path("/opt/tf-plugins")
PROVIDER_SOURCE = "registry.terraform.io/hashicorp/aws"

#: AWS services that fixtures use; each gets an endpoint pointing at moto.
MOTO_SERVICES = (
    "sts", "iam", "kms", "secretsmanager", "s3", "sqs", "sns", "ssm", "logs",
    "dynamodb", "lambda", "ec2", "events", "cloudwatch",
)

#: Provider arguments the offline override adds. A fixture must not set them itself,
#: because :func:`normalise` removes them from ``configuration.provider_config``.
OVERRIDE_ARGUMENTS = (
    "access_key", "secret_key", "token",
    "skip_credentials_validation", "skip_metadata_api_check", "skip_requesting_account_id",
    "skip_region_validation", "s3_use_path_style", "endpoints",
)

OVERRIDE_FILE = "zz_tfcheck_offline_override.tf"
#: Files and folders of a fixture that are not part of the root module.
NOT_CONFIG = {"plan.json", "expected.json", "before", ".terraform", ".terraform.lock.hcl"}
#: What survives between the ``before/`` apply and the real plan.
KEEP_BETWEEN_PHASES = {".terraform", ".terraform.lock.hcl", "terraform.tfstate"}

#: Values that differ between moto runs, masked by :func:`mask_volatile` (see its doc).
VOLATILE_PATTERNS = (
    # KMS key ids, secret version ids (moto: uuid4).
    ("uuid", re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")),
    # The 6-letter suffix Secrets Manager appends to a secret's name in its ARN.
    ("secret-suffix", re.compile(
        r"(?<=:secret:)(?:[A-Za-z0-9/_+=.@-]+?)-([A-Za-z]{6})(?![A-Za-z0-9/_+=.@-])")),
    # The role id in an assumed role's caller identity (``user_id``): moto draws a new one at
    # each GetCallerIdentity when the assumed role does not exist in moto.
    ("role-id", re.compile(r"\bAROA[0-9A-Z]{17}\b")),
)


class RegenError(Exception):
    """A fixture could not be regenerated; ``str()`` is one line for the user."""


# --------------------------------------------------------------------------- moto


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def find_moto_server() -> str | None:
    """The ``moto_server`` executable beside this Python, or on PATH."""
    beside = Path(sys.executable).parent / "moto_server"
    if beside.exists():
        return str(beside)
    return shutil.which("moto_server")


#: moto_server's main, with one change: a request signed with credentials that moto's STS
#: issued by AssumeRole is handled in the account of the assumed role (as AWS does). moto
#: itself answers ``MOTO_ACCOUNT_ID`` for every request when that is set (it takes precedence
#: over the access key), so a provider with ``assume_role`` into another account would still
#: see 111111111111. Every other request (the override's fixed ``mock_access_key``) stays in
#: ``MOTO_ACCOUNT_ID``, so plans of fixtures that assume no role are unchanged.
MOTO_MAIN = """\
import sys
from moto.core.responses import BaseResponse
from moto.iam.models import iam_backends
from moto.server import main

env_account = BaseResponse.get_current_account

def get_current_account(self):
    key = self.get_access_key()
    if key.startswith("ASIA"):  # temporary credentials (STS)
        for account_id, backends in list(iam_backends.items()):
            for backend in list(backends.values()):
                issued = backend.access_keys.get(key)
                if issued is not None and issued.role_arn:
                    return account_id
    return env_account(self)

BaseResponse.get_current_account = get_current_account
sys.exit(main(sys.argv[1:]))
"""


def _python_of(executable: str) -> str | None:
    """The Python interpreter of a ``moto_server`` console script (its ``#!`` line), if any."""
    try:
        with open(executable, "rb") as f:
            first = f.readline(4096).decode("utf-8", "replace").strip()
    except OSError:
        return None
    if not first.startswith("#!"):
        return None
    words = first[2:].split()
    if words and words[0].endswith("/env"):
        words = words[1:]
    if len(words) != 1 or "python" not in Path(words[0]).name:
        return None
    return shutil.which(words[0]) or (words[0] if Path(words[0]).exists() else None)


class MotoServer:
    """One moto server on a free 127.0.0.1 port, owned by this process.

    It runs :data:`MOTO_MAIN` with the interpreter of the ``moto_server`` script (so assumed
    roles change account); an executable that is not a Python script is run as it is.
    """

    def __init__(self, executable: str | None = None) -> None:
        exe = executable or find_moto_server()
        if not exe:
            raise RegenError("moto_server not found (pip install 'moto[server]')")
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in stop()
            prefix="tfcheck-moto-", suffix=".log", delete=False)
        env = dict(os.environ, MOTO_ACCOUNT_ID=OWNER_ACCOUNT)
        python = _python_of(exe)
        command = [python, "-c", MOTO_MAIN] if python else [exe]
        self._proc = subprocess.Popen(
            [*command, "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self._log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 30
        while True:
            try:
                self.reset()
                break
            except OSError as e:
                if self._proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RegenError(
                        f"moto_server did not start on port {self.port} ({e}); "
                        f"log: {self._log.name}") from None
                time.sleep(0.2)

    def _post(self, path: str) -> None:
        req = urllib.request.Request(self.url + path, data=b"", method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            r.read()

    def reset(self) -> None:
        """Forget every resource, and seed the random ids."""
        self._post("/moto-api/reset")
        self._post(f"/moto-api/seed?a={MOTO_SEED}")

    def stop(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._log.close()
        with contextlib.suppress(OSError):
            os.unlink(self._log.name)

    def __enter__(self) -> MotoServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --------------------------------------------------------------------------- terraform setup


@dataclass(frozen=True)
class Tools:
    """Where Terraform and the provider come from."""

    terraform: str
    mirror: Path | None  # None: ordinary `terraform init` from the registry

    def cli_config(self) -> str:
        if self.mirror is not None:
            # The mirror is an unpacked layout, so `init` only symlinks the provider:
            # a plugin_cache_dir would add nothing (measured: init takes ~0.5 s either way).
            return (
                "provider_installation {\n"
                f"  filesystem_mirror {{\n    path    = {json.dumps(str(self.mirror))}\n"
                f"    include = [\"{PROVIDER_SOURCE}\"]\n  }}\n"
                f"  direct {{\n    exclude = [\"{PROVIDER_SOURCE}\"]\n  }}\n"
                "}\n")
        cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
        cache = cache / "tfcheck" / "terraform-plugins"
        cache.mkdir(parents=True, exist_ok=True)
        return (f"plugin_cache_dir = {json.dumps(str(cache))}\n"
                "plugin_cache_may_break_dependency_lock_file = true\n")


def find_tools(terraform: str | None = None, mirror: str | None = None) -> Tools:
    """Resolve ``--terraform`` / ``--mirror`` (or ``TFCHECK_TF_MIRROR``) with their defaults."""
    tf = terraform or shutil.which("terraform")
    if not tf or not Path(tf).exists():
        raise RegenError(f"terraform not found ({terraform or 'not on PATH'})")
    chosen = mirror or os.environ.get("TFCHECK_TF_MIRROR")
    if chosen:
        path = Path(chosen)
        if not (path / PROVIDER_SOURCE).is_dir():
            raise RegenError(f"provider mirror {path} has no {PROVIDER_SOURCE}")
        return Tools(tf, path)
    if (DEFAULT_MIRROR / PROVIDER_SOURCE).is_dir():
        return Tools(tf, DEFAULT_MIRROR)
    return Tools(tf, None)


def terraform_version(terraform: str) -> str:
    out = subprocess.run([terraform, "version", "-json"], capture_output=True, text=True,
                         env=_tf_env(None), check=False)
    try:
        return str(json.loads(out.stdout)["terraform_version"])
    except (ValueError, KeyError):
        raise RegenError(f"{terraform} version -json: unexpected output") from None


def _tf_env(cli_config: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "TF_")) or k == "AWS_CA_BUNDLE"}
    env.update(TF_IN_AUTOMATION="1", TF_INPUT="0", CHECKPOINT_DISABLE="1",
               AWS_EC2_METADATA_DISABLED="true")
    if cli_config is not None:
        env["TF_CLI_CONFIG_FILE"] = str(cli_config)
    return env


def provider_aliases(module_dir: Path) -> list[str | None]:
    """The ``provider "aws"`` blocks of a root module: ``None`` for the default, else alias."""
    import hcl2  # only needed to regenerate

    opts = hcl2.SerializationOptions(
        strip_string_quotes=True, explicit_blocks=False, with_comments=False)
    found: list[str | None] = []
    for path in sorted(module_dir.glob("*.tf")) + sorted(module_dir.glob("*.tf.json")):
        if path.name == OVERRIDE_FILE:
            continue
        try:
            if path.name.endswith(".json"):
                doc = json.loads(path.read_text(encoding="utf-8-sig"))
            else:
                with path.open(encoding="utf-8-sig") as f:
                    doc = hcl2.load(f, serialization_options=opts)
        except Exception as e:  # lark's errors have no common public base here
            raise RegenError(f"{_label(path)}: cannot parse: {str(e).splitlines()[0]}") from None
        blocks = doc.get("provider", [])
        if isinstance(blocks, dict):
            blocks = [blocks]
        for block in blocks:
            bodies = block.get("aws", [])
            for body in bodies if isinstance(bodies, list) else [bodies]:
                clash = sorted(set(body) & set(OVERRIDE_ARGUMENTS))
                if clash:
                    raise RegenError(
                        f"{_label(path)}: provider \"aws\" sets {', '.join(clash)}; "
                        "leave these to the offline override")
                alias = body.get("alias")
                found.append(str(alias) if alias is not None else None)
    return found


def override_hcl(aliases: Sequence[str | None], moto_url: str) -> str:
    """An override file that points every ``provider "aws"`` block at moto.

    ``skip_requesting_account_id`` is deliberately not set: the provider asks moto's STS for
    the account as it would ask AWS, so ``allowed_account_ids`` works (with the skip, the
    provider fails with "AWS account ID not allowed").
    """
    endpoints = "".join(f"    {svc:<14} = \"{moto_url}\"\n" for svc in MOTO_SERVICES)
    out = ["# Generated by tests/regen_plans.py: offline settings, removed from plan.json.\n"]
    for alias in aliases:
        out.append("provider \"aws\" {\n")
        if alias is not None:
            out.append(f"  alias = \"{alias}\"\n")
        out.append(
            "  access_key                  = \"mock_access_key\"\n"
            "  secret_key                  = \"mock_secret_key\"\n"
            "  skip_credentials_validation = true\n"
            "  skip_metadata_api_check     = true\n"
            "  s3_use_path_style           = true\n"
            f"  endpoints {{\n{endpoints}  }}\n"
            "}\n")
    return "".join(out)


# --------------------------------------------------------------------------- normalisation


def normalise(plan: dict[str, Any]) -> dict[str, Any]:
    """Remove what the offline setup added, and volatile fields, from ``show -json`` output.

    - ``configuration.provider_config.*.expressions``: the override's arguments
      (:data:`OVERRIDE_ARGUMENTS`); an ``expressions`` left empty is dropped, as Terraform
      omits it for a provider block without arguments.
    - ``timestamp`` (the time of the plan).
    - ``relevant_attributes`` is sorted (by resource, then attribute path): Terraform 1.11
      emits the same entries in a different order from run to run.

    Everything else, including Terraform's key order, is kept.
    """
    plan = json.loads(json.dumps(plan))  # deep copy, order kept
    plan.pop("timestamp", None)
    if isinstance(plan.get("relevant_attributes"), list):
        plan["relevant_attributes"].sort(
            key=lambda r: (str(r.get("resource")), json.dumps(r.get("attribute"))))
    for cfg in plan.get("configuration", {}).get("provider_config", {}).values():
        exprs = cfg.get("expressions")
        if exprs is None:
            continue
        for arg in OVERRIDE_ARGUMENTS:
            exprs.pop(arg, None)
        if not exprs:
            del cfg["expressions"]
    text = json.dumps(plan)
    if "127.0.0.1:" in text or "mock_access_key" in text:
        raise RegenError("offline settings leaked into the plan JSON (see normalise())")
    return plan


def dumps(plan: dict[str, Any]) -> str:
    """The committed form: Terraform's key order, ``indent=1``, trailing newline."""
    return json.dumps(plan, indent=1, ensure_ascii=False) + "\n"


def mask_volatile(text: str) -> str:
    """Replace the values that moto draws at random by numbered placeholders.

    Masked (:data:`VOLATILE_PATTERNS`): UUIDs (KMS key ids and everything built on them -
    key ARNs, alias targets, key policies' ``Resource`` - and secret version ids) and the
    6-letter random suffix of secret ARNs. The same value gets the same placeholder
    everywhere in one text (numbered by first appearance), so which resource refers to which
    is still compared. moto is seeded, so these values normally repeat anyway; they differ
    when Terraform happens to create two resources of a kind in a different order.
    """
    for kind, pattern in VOLATILE_PATTERNS:
        seen: dict[str, str] = {}

        def repl(m: re.Match[str], kind: str = kind, seen: dict[str, str] = seen) -> str:
            value = m.group(1) if m.groups() else m.group(0)
            tag = seen.setdefault(value, f"<{kind}-{len(seen) + 1}>")
            if m.groups():
                return m.group(0)[: m.start(1) - m.start(0)] + tag
            return tag

        text = pattern.sub(repl, text)
    return text


# --------------------------------------------------------------------------- one fixture


def _copy_config(src: Path, dst: Path, *, root_skip: set[str]) -> None:
    for item in sorted(src.iterdir()):
        if item.name in root_skip or item.name.startswith("terraform.tfstate"):
            continue
        if item.is_dir():
            shutil.copytree(item, dst / item.name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns(".terraform", "terraform.tfstate*"))
        else:
            shutil.copy2(item, dst / item.name)


def _clear(work: Path) -> None:
    for item in work.iterdir():
        if item.name in KEEP_BETWEEN_PHASES:
            continue
        if item.is_dir():
            shutil.rmtree(item)
        else:
            item.unlink()


class _Runner:
    def __init__(self, tools: Tools, work: Path, cli_config: Path, label: str) -> None:
        self.tools, self.work, self.label = tools, work, label
        self.env = _tf_env(cli_config)
        self.log = work.parent / "terraform.log"

    def __call__(self, *args: str, phase: str) -> str:
        cmd = [self.tools.terraform, *args]
        proc = subprocess.run(cmd, cwd=self.work, env=self.env, capture_output=True,
                              text=True, check=False)
        with self.log.open("a", encoding="utf-8") as f:
            f.write(f"$ {' '.join(cmd)}   # {phase}\n{proc.stdout}{proc.stderr}\n")
        if proc.returncode != 0:
            lines = [ln.strip(" │╷╵") for ln in proc.stderr.splitlines()]
            first = next((ln for ln in lines if ln.startswith("Error:")), None)
            first = first or next((ln for ln in lines if ln), f"exit code {proc.returncode}")
            raise RegenError(f"{self.label}: terraform {args[0]} ({phase}) failed: {first} "
                             f"(log: {self.log})")
        return proc.stdout


def regenerate(fixture_dir: Path | str, out_path: Path | str | None = None, *,
               tools: Tools | None = None, moto: MotoServer | None = None,
               keep_workdir: bool = False) -> dict[str, Any]:
    """Plan one fixture against moto and return the normalised plan JSON.

    Writes it to ``out_path`` (in the committed form, :func:`dumps`) when given. Starts its
    own moto server unless one is passed (which is reset first).
    """
    fixture = Path(fixture_dir).resolve()
    label = _label(fixture)
    if not any(fixture.glob("*.tf")) and not any(fixture.glob("*.tf.json")):
        raise RegenError(f"{label}: no .tf files (a fixture directory is one root module)")
    tools = tools or find_tools()
    before = fixture / "before"
    aliases = provider_aliases(fixture)
    before_aliases = provider_aliases(before) if before.is_dir() else []
    with contextlib.ExitStack() as stack:
        if moto is None:
            moto = stack.enter_context(MotoServer())
        else:
            moto.reset()
        tmp = Path(tempfile.mkdtemp(prefix="tfcheck-regen-"))
        work = tmp / "root"
        work.mkdir()
        cli_config = tmp / "cli.tfrc"
        cli_config.write_text(tools.cli_config(), encoding="utf-8")
        tf = _Runner(tools, work, cli_config, label)
        ok = False
        try:
            if before.is_dir():
                _copy_config(fixture, work, root_skip=NOT_CONFIG)  # its modules/, if any
                for item in work.iterdir():
                    if item.is_file():
                        item.unlink()
                _copy_config(before, work, root_skip=set())
                (work / OVERRIDE_FILE).write_text(
                    override_hcl(before_aliases, moto.url), encoding="utf-8")
                tf("init", "-input=false", "-no-color", phase="before/")
                # One resource at a time: moto draws ids in request order (steadier ids).
                tf("apply", "-auto-approve", "-input=false", "-no-color", "-parallelism=1",
                   phase="before/")
                _clear(work)
            _copy_config(fixture, work, root_skip=NOT_CONFIG)
            (work / OVERRIDE_FILE).write_text(override_hcl(aliases, moto.url), encoding="utf-8")
            tf("init", "-input=false", "-no-color", phase="plan")
            tf("plan", "-out=tfcheck.tfplan", "-input=false", "-no-color", phase="plan")
            shown = tf("show", "-json", "tfcheck.tfplan", phase="show")
            try:
                plan = normalise(json.loads(shown))
            except ValueError as e:
                raise RegenError(f"{label}: terraform show -json: not JSON ({e})") from None
            except RegenError as e:
                raise RegenError(f"{label}: {e}") from None
            if out_path is not None:
                Path(out_path).write_text(dumps(plan), encoding="utf-8")
            ok = True
            return plan
        finally:
            if ok and not keep_workdir:
                shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------- command line


def _label(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def _expected(fixture: Path) -> dict[str, Any]:
    try:
        expected = json.loads((fixture / "expected.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return expected if isinstance(expected, dict) else {}


def _wants_plan(fixture: Path) -> bool:
    """False for HCL-only fixtures: their expected.json says ``"plan": false``."""
    return _expected(fixture).get("plan") is not False


def fixture_roots(fixture: Path) -> list[Path]:
    """The root modules of a fixture: its ``"roots"`` folders (expected.json) when it lists
    them, else the fixture directory itself."""
    roots = _expected(fixture).get("roots")
    if roots is None:
        return [fixture]
    if (not isinstance(roots, list) or not roots
            or not all(isinstance(r, str) and r and not Path(r).is_absolute()
                       and ".." not in Path(r).parts for r in roots)):
        raise RegenError(f"{_label(fixture)}/expected.json: \"roots\" must list folders "
                         "inside the fixture")
    found = []
    for name in roots:
        folder = fixture / name
        if not (any(folder.glob("*.tf")) or any(folder.glob("*.tf.json"))):
            raise RegenError(f"{_label(folder)}: a root of the fixture has no .tf files")
        found.append(folder)
    return found


def discover(args: Sequence[str]) -> list[Path]:
    """Root module directories to plan: those given, or those of every fixture below them that
    has ``expected.json`` (each root of a fixture that lists ``"roots"``; HCL-only fixtures,
    whose expected.json says ``"plan": false``, are left out)."""
    roots = [Path(a) for a in args] or [FIXTURES]
    found: list[Path] = []
    for root in roots:
        if not root.is_dir():
            raise RegenError(f"{root}: not a directory")
        if any(root.glob("*.tf")) or any(root.glob("*.tf.json")):
            if not _wants_plan(root):
                raise RegenError(f"{root}: an HCL-only fixture (expected.json: \"plan\": false)")
            found.append(root.resolve())
            continue
        below = sorted(p.parent.resolve() for p in root.rglob("expected.json")
                       if "before" not in p.relative_to(root).parts
                       and _wants_plan(p.parent))
        if not below:
            raise RegenError(f"{root}: no fixture (no .tf files, no expected.json below)")
        for fixture in below:
            found.extend(fixture_roots(fixture))
    return list(dict.fromkeys(found))


def _check(fixture: Path, plan: dict[str, Any]) -> str | None:
    committed = fixture / "plan.json"
    if not committed.exists():
        return "no committed plan.json"
    old = mask_volatile(committed.read_text(encoding="utf-8"))
    new = mask_volatile(dumps(plan))
    if old == new:
        return None
    diff = difflib.unified_diff(old.splitlines(), new.splitlines(), "committed", "regenerated",
                                n=2, lineterm="")
    return "\n".join(list(diff)[:40])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.regen_plans",
        description="Regenerate fixtures' plan.json with Terraform against moto (offline).")
    parser.add_argument("fixtures", nargs="*", metavar="FIXTURE_DIR",
                        help="fixture directories (a fixture of several roots: each of them), "
                        "or folders to search (default: fixtures/)")
    parser.add_argument("--mirror", help="filesystem mirror holding hashicorp/aws "
                        "(default: $TFCHECK_TF_MIRROR, else /opt/tf-plugins if present, "
                        "else the registry)")
    parser.add_argument("--terraform", help="terraform binary (default: from PATH)")
    parser.add_argument("--moto-server", help="moto_server executable (default: beside python)")
    parser.add_argument("-j", "--jobs", type=int, default=2,
                        help="fixtures planned in parallel, one moto server each (default 2)")
    parser.add_argument("--check", action="store_true",
                        help="compare with the committed plan.json instead of writing it")
    parser.add_argument("--keep", action="store_true", help="keep the work directories")
    ns = parser.parse_args(argv)
    if ns.jobs < 1:
        parser.error("-j must be at least 1")
    try:
        fixtures = discover(ns.fixtures)
        tools = find_tools(ns.terraform, ns.mirror)
        version = terraform_version(tools.terraform)
    except RegenError as e:
        print(f"regen_plans: error: {e}", file=sys.stderr)
        return 2
    source = f"mirror {tools.mirror}" if tools.mirror else "registry (network)"
    print(f"terraform {version}, provider from {source}, {len(fixtures)} plan(s), "
          f"-j {ns.jobs}", flush=True)
    if not version.startswith("1.11."):
        print(f"regen_plans: warning: committed plans come from Terraform 1.11, not {version}",
              file=sys.stderr)

    servers: queue.Queue[MotoServer] = queue.Queue()
    started: list[MotoServer] = []
    lock = threading.Lock()
    failures: list[str] = []

    def one(fixture: Path) -> None:
        moto = servers.get()
        t0 = time.monotonic()
        try:
            out = None if ns.check else fixture / "plan.json"
            plan = regenerate(fixture, out, tools=tools, moto=moto, keep_workdir=ns.keep)
            problem = _check(fixture, plan) if ns.check else None
            status = "differs" if problem else ("same" if ns.check else "ok")
        except RegenError as e:
            problem, status = str(e), "FAILED"
        finally:
            servers.put(moto)
        with lock:
            print(f"{time.monotonic() - t0:6.1f}s  {status:<7} {_label(fixture)}", flush=True)
            if problem:
                failures.append(problem if status == "FAILED"
                                else f"{_label(fixture)}: differs\n{problem}")

    t_start = time.monotonic()
    try:
        for _ in range(min(ns.jobs, len(fixtures))):
            server = MotoServer(ns.moto_server)
            started.append(server)
            servers.put(server)
        with ThreadPoolExecutor(max_workers=len(started)) as pool:
            list(pool.map(one, fixtures))
    except RegenError as e:
        print(f"regen_plans: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("regen_plans: interrupted", file=sys.stderr)
        return 130
    finally:
        for server in started:
            server.stop()
    total = time.monotonic() - t_start
    done = len(fixtures) - len(failures)
    print(f"{done}/{len(fixtures)} plan(s) {'checked' if ns.check else 'regenerated'} "
          f"in {total:.1f}s", flush=True)
    for problem in failures:
        print(f"regen_plans: {problem}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
