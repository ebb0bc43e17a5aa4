"""Time tfcheck as a whole process next to the cost of reading its input, and next to Checkov.

    bench/run [--sizes 100,1000,10000] [--runs 5] [--data DIR] [--checkov PATH]

For each size N, on the inputs bench.generate writes (deterministic; generated once under
--data, default $TMPDIR/tfcheck-bench), in one run on one machine:

- the floor: `python -c 'import json,sys; json.load(open(sys.argv[1]))' plan.json`;
- tfcheck on the plan (--no-source), on the plan with its .tf files (warm parse cache), and on
  the directory (cold: an empty parse cache; warm: the cache the cold run filled);
- Checkov (when installed: --checkov PATH, $CHECKOV, or `checkov` on PATH) on the same plan
  and directory, once per input (it is slow), up to --checkov-max-units;
- `tfcheck --version` next to `python -c pass` and `python -c 'import tfcheck'`.

tfcheck's modules are byte-compiled first (as `pip install` leaves them).

Each figure is the median of --runs runs (wall time; peak RSS of the process from wait4), the
runs of the things compared interleaved. Every timed tfcheck run must report exactly the
findings bench.generate expects, so the benchmark measures the real work. One table of
ratios and the issue's targets is printed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import generate

PYTHON = sys.executable
FLOOR = "import json,sys; json.load(open(sys.argv[1]))"
OWNER = generate.OWNER


@dataclass
class Sample:
    seconds: list[float] = field(default_factory=list)
    peak_kb: list[int] = field(default_factory=list)

    @property
    def time(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak_mb(self) -> float:
        return max(self.peak_kb) / 1024


def spawn(cmd: list[str], env: dict[str, str] | None = None, devnull_out: bool = False
          ) -> tuple[float, int, bytes, bytes, int]:
    """Run one process: wall time, its own peak RSS (KB) via wait4, stdout, stderr, exit code."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL if devnull_out else out, stderr=err,
                                env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return elapsed, usage.ru_maxrss, out.read(), err.read(), proc.returncode


Make = Callable[[int], tuple[list[str], dict[str, str]]]
Check = Callable[[bytes, int], None]


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.runs: int = args.runs
        self.tfcheck = generate.tfcheck_command()
        self.checkov = _find_checkov(args.checkov)
        self.cache_root = Path(tempfile.mkdtemp(prefix="tfcheck-bench-cache-"))
        self.targets: list[tuple[str, str, bool | None]] = []
        self.notes: list[str] = []
        self.results: dict[tuple[str, int], Sample] = {}
        _compile_tfcheck()

    # -- helpers ------------------------------------------------------------------------------
    def env(self, cache: Path) -> dict[str, str]:
        """The environment of a run: its own parse cache directory, nothing else changed."""
        env = dict(os.environ)
        env.pop("TFCHECK_NO_CACHE", None)
        env["XDG_CACHE_HOME"] = str(cache)
        return env

    def once(self, label: str, n: int, cmd: list[str], env: dict[str, str],
             check: Check | None = None, devnull: bool = False) -> float:
        elapsed, peak, out, err, code = spawn(cmd, env, devnull)
        if check is not None:
            check(out + b"\0" + err, code)
        sample = self.results.setdefault((label, n), Sample())
        sample.seconds.append(elapsed)
        sample.peak_kb.append(peak)
        return elapsed

    def interleaved(self, n: int, measures: list[tuple[str, Make, Check | None]],
                    runs: int | None = None) -> None:
        """`runs` rounds of every measure in turn; a measure slower than --slow seconds is
        run once (its median is that run)."""
        slow: set[str] = set()
        for i in range(runs or self.runs):
            for label, make, check in measures:
                if label in slow:
                    continue
                cmd, env = make(i)
                if self.once(label, n, cmd, env, check) > self.args.slow:
                    slow.add(label)

    def findings_check(self, n: int, what: str) -> Check:
        want = generate.expected(n, plan=not what.startswith("hcl"))

        def check(output: bytes, code: int) -> None:
            out, _, err = output.partition(b"\0")
            if code not in (0, 1):
                raise SystemExit(f"{what}: tfcheck exited {code}: {err.decode(errors='replace')}")
            got = dict(sorted(Counter(f["rule"] for f in json.loads(out)["findings"]).items()))
            if got != want:
                raise SystemExit(f"{what}: expected findings {want}, tfcheck reported {got}")
        return check

    # -- the measurements ---------------------------------------------------------------------
    def startup(self) -> None:
        bare = self.env(self.cache_root / "startup")
        self.interleaved(0, [
            ("python -c pass", lambda _i: ([PYTHON, "-c", "pass"], bare), None),
            ("python -c 'import tfcheck'", lambda _i: ([PYTHON, "-c", "import tfcheck"], bare), None),
            ("tfcheck --version", lambda _i: ([*self.tfcheck, "--version"], bare), None),
        ], runs=max(self.runs * 2, 10))

    def hcl(self, n: int, root: Path) -> Path:
        """Cold (an empty cache each run) and warm (the cache that run filled); returns a
        filled cache for the plan's source."""
        args = [*self.tfcheck, str(root), "--account-id", OWNER, "--format", "json"]

        def cold(i: int) -> tuple[list[str], dict[str, str]]:
            cache = self.cache_root / f"hcl-{n}-{i}"
            shutil.rmtree(cache, ignore_errors=True)
            return args, self.env(cache)

        def warm(i: int) -> tuple[list[str], dict[str, str]]:
            return args, self.env(self.cache_root / f"hcl-{n}-{i}")

        self.interleaved(n, [("hcl cold", cold, self.findings_check(n, "hcl cold")),
                             ("hcl warm", warm, self.findings_check(n, "hcl warm"))])
        return self.cache_root / f"hcl-{n}-0"

    def plan(self, n: int, root: Path, cache: Path | None) -> None:
        plan = str(root / "plan.json")
        if cache is None:  # fill a parse cache for the plan's source first (not timed)
            cache = self.cache_root / f"plan-{n}"
            spawn([*self.tfcheck, plan, "--format", "json"], self.env(cache), True)
        env = self.env(cache)
        self.interleaved(n, [
            ("floor", lambda _i: ([PYTHON, "-c", FLOOR, plan], env), None),
            ("plan --no-source", lambda _i: ([*self.tfcheck, plan, "--no-source", "--format", "json"],
                                             env), self.findings_check(n, "plan --no-source")),
            ("plan + source (warm)", lambda _i: ([*self.tfcheck, plan, "--format", "json"], env),
             self.findings_check(n, "plan + source")),
        ], runs=max(self.runs, 15) if n <= 100 else None)  # small: noise is a larger share

    def checkov_runs(self, n: int, root: Path) -> None:
        if self.checkov is None or n > self.args.checkov_max_units:
            return
        base = [self.checkov, "--skip-download", "--quiet", "--compact", "-o", "json"]
        env = self.env(self.cache_root / "checkov")
        env.setdefault("BC_SKIP_MAPPING", "TRUE")

        def ok(output: bytes, code: int) -> None:
            if code not in (0, 1):
                err = output.partition(b"\0")[2][-500:]
                raise SystemExit(f"checkov exited {code}: {err!r}")
        for _ in range(self.args.checkov_runs):
            self.once("checkov plan", n, [*base, "-f", str(root / "plan.json"), "--framework",
                                          "terraform_plan"], env, ok, devnull=True)
            self.once("checkov hcl", n, [*base, "-d", str(root), "--framework", "terraform"], env, ok,
                      devnull=True)

    # -- the report -----------------------------------------------------------------------------
    def get(self, label: str, n: int) -> Sample | None:
        return self.results.get((label, n))

    def report(self, sizes: list[int], file_mb: dict[int, float]) -> str:
        lines = [f"machine: {_machine()}",
                 f"python {platform.python_version()}, tfcheck {_tfcheck_version()}, "
                 f"checkov {_checkov_version(self.checkov) if self.checkov else 'not installed'}; "
                 f"median of {self.runs} runs (checkov: {self.args.checkov_runs})", ""]
        head = ["input", "units", "MB", "floor s", "tfcheck s", "×floor", "peak MB", "peak/MB",
                "checkov s", "checkov MB", "×faster"]
        rows: list[list[str]] = []
        for n in sizes:
            floor = self.get("floor", n)
            for label, ck in (("plan --no-source", "checkov plan"), ("plan + source (warm)", None),
                              ("hcl cold", "checkov hcl"), ("hcl warm", None)):
                s = self.get(label, n)
                if s is None:
                    continue
                c = self.get(ck, n) if ck else None
                is_plan = label.startswith("plan")
                rows.append([label, str(n), f"{file_mb[n]:.1f}" if is_plan else "",
                             f"{floor.time:.2f}" if floor and is_plan else "",
                             f"{s.time:.2f}",
                             f"{s.time / floor.time:.2f}" if floor and is_plan else "",
                             f"{s.peak_mb:.0f}",
                             f"{s.peak_mb / file_mb[n]:.2f}" if is_plan and file_mb[n] else "",
                             f"{c.time:.1f}" if c else "", f"{c.peak_mb:.0f}" if c else "",
                             f"{c.time / s.time:.0f}" if c else ""])
        lines += _table(head, rows)
        # Time per unit: the slope between consecutive sizes (what one more unit costs), which
        # leaves out the fixed cost of a run (start-up, imports, the report's head); and, for
        # reference, the time net of an empty plan's, and the gross time, per unit.
        points = [(n, s.time) for n in [0, *sizes]
                  if (s := self.get("plan --no-source", n)) is not None]
        if len(points) >= 3:
            lines += ["", "time per unit (plan --no-source):"]
            base = points[0][1]
            slopes = []
            for (n0, t0), (n1, t1) in zip(points, points[1:], strict=False):
                slope = (t1 - t0) / (n1 - n0)
                if n0:
                    slopes.append(slope)
                lines.append(f"  {n0:>6} → {n1:<6} units: {slope * 1e6:5.0f} µs per added unit;"
                             f"  at {n1}: {(t1 - base) / n1 * 1e6:4.0f} µs/unit net of the empty "
                             f"plan's {base:.2f} s, {t1 / n1 * 1e6:5.0f} gross")
            if len(slopes) >= 2:
                spread = max(slopes) / min(slopes) - 1
                self.targets.append(("time per unit flat 100→10,000 (within 25%)",
                                     f"{spread * 100:.0f}% apart (µs per added unit, "
                                     f"100→1,000 vs 1,000→10,000)", spread <= 0.25))
        startup = [self.get(x, 0) for x in ("python -c pass", "python -c 'import tfcheck'",
                                            "tfcheck --version")]
        if all(startup):
            p, imp, ver = (s.time for s in startup if s)
            lines += ["", f"start-up: python -c pass {p * 1000:.0f} ms, python -c 'import tfcheck' "
                      f"{imp * 1000:.0f} ms, tfcheck --version {ver * 1000:.0f} ms "
                      f"({ver / imp:.2f}× the import)"]
            self.targets.append(("tfcheck --version ≤ 1.5× python -c 'import tfcheck'",
                                 f"{ver / imp:.2f}×", ver / imp <= 1.5))
        self._plan_targets(file_mb)
        self._hcl_targets()
        lines += ["", "targets:"]
        for name, measured, met in self.targets:
            mark = "n/a " if met is None else ("MET " if met else "MISS")
            lines.append(f"  [{mark}] {name}: {measured}")
        lines += [f"  note: {x}" for x in self.notes]
        return "\n".join(lines)

    def _plan_targets(self, file_mb: dict[int, float]) -> None:
        for n, target in ((1000, 2.0), (10000, 2.0)):
            s, floor = self.get("plan --no-source", n), self.get("floor", n)
            if s and floor:
                r = s.time / floor.time
                self.targets.append((f"plan {n:,} units ≤ {target:g}× the floor", f"{r:.2f}×",
                                     r <= target))
        s = self.get("plan --no-source", 10000)
        if s:
            r = s.peak_mb / file_mb[10000]
            self.targets.append(("plan 10,000 units peak memory ≤ 4× the file size",
                                 f"{r:.2f}× ({s.peak_mb:.0f} MB for {file_mb[10000]:.0f} MB)", r <= 4))
        s, c = self.get("plan --no-source", 1000), self.get("checkov plan", 1000)
        if s:
            self.targets.append(("plan 1,000 units ≥ 100× faster than Checkov",
                                 f"{c.time / s.time:.0f}×" if c else "checkov not run",
                                 (c.time / s.time >= 100) if c else None))

    def _hcl_targets(self) -> None:
        s, c = self.get("hcl cold", 1000), self.get("checkov hcl", 1000)
        if s:
            self.targets.append(("HCL 1,000 units ≥ 20× faster than Checkov (cold cache)",
                                 f"{c.time / s.time:.0f}×" if c else "checkov not run",
                                 (c.time / s.time >= 20) if c else None))
        s, w = self.get("hcl cold", 1000), self.get("hcl warm", 1000)
        if s and w:
            self.targets.append(("HCL 1,000 units warm cache ≤ 25% of cold", f"{w.time / s.time:.0%}",
                                 w.time / s.time <= 0.25))


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def fmt(r: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                         enumerate(zip(r, widths, strict=True))).rstrip()
    return [fmt(head), fmt(["-" * w for w in widths]), *map(fmt, rows)]


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        mem = 0
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cpu}, {cpus} CPUs, {mem:.0f} GiB RAM, {platform.system()} {platform.release()}"


def _compile_tfcheck() -> None:
    """Byte-compile tfcheck first, as `pip install` does: with PYTHONDONTWRITEBYTECODE set
    (some CI images set it) an editable checkout would otherwise be compiled on every run."""
    import compileall

    import tfcheck

    compileall.compile_dir(str(Path(tfcheck.__file__).parent), quiet=1)


def _tfcheck_version() -> str:
    from tfcheck import __version__
    return __version__


def _checkov_version(path: str) -> str:
    try:
        done = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=120,
                              check=False)
        return done.stdout.strip().splitlines()[-1]
    except (OSError, subprocess.TimeoutExpired, IndexError):
        return "?"


def _find_checkov(explicit: str | None) -> str | None:
    for candidate in (explicit, os.environ.get("CHECKOV"), shutil.which("checkov")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000",
                        help="units per generated input, comma-separated")
    parser.add_argument("--hcl-sizes", default=None,
                        help="sizes to time on HCL directories (default: --sizes)")
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--data", type=Path,
                        default=Path(tempfile.gettempdir()) / "tfcheck-bench",
                        help="where the generated inputs are kept between runs")
    parser.add_argument("--checkov", default=None, help="the checkov executable")
    parser.add_argument("--checkov-runs", type=int, default=1)
    parser.add_argument("--checkov-max-units", type=int, default=1000,
                        help="skip Checkov above this size (it takes minutes per 1,000 units)")
    parser.add_argument("--slow", type=float, default=30.0,
                        help="run a measurement once when one run takes longer (seconds)")
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",") if x]
    hcl_sizes = [int(x) for x in (args.hcl_sizes or args.sizes).split(",") if x]
    bench = Bench(args)
    try:
        file_mb: dict[int, float] = {}
        for n in [0, *sizes]:
            root = generate.ensure(n, args.data)
            file_mb[n] = (root / "plan.json").stat().st_size / 1e6
            print(f"[{time.strftime('%H:%M:%S')}] {n} units: plan.json {file_mb[n]:.1f} MB",
                  file=sys.stderr, flush=True)
            cache = bench.hcl(n, root) if n and n in hcl_sizes else None
            bench.plan(n, root, cache)
            if n:
                bench.checkov_runs(n, root)
            for old in bench.cache_root.glob(f"*-{n}*"):
                shutil.rmtree(old, ignore_errors=True)
        bench.startup()
        if bench.checkov is None:
            bench.notes.append("Checkov is not installed (--checkov PATH or $CHECKOV): no ratios")
        print(bench.report(sizes, file_mb))
    finally:
        shutil.rmtree(bench.cache_root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
