"""What each speed trick of tfcheck buys: the same runs with one trick switched off at a time.

    python -m bench.tricks [--sizes 1000,10000] [--runs 5] [--data DIR]

The tricks, each kept only while this shows it pays (README, "Benchmark"):

- `gc`: the cyclic garbage collector off for the whole process (launch.py) and while large
  data is built (plan.read.paused_gc);
- `exit`: the process ends with os._exit after flushing its output, without tearing down
  every object it built (launch.py);
- `stream`: the plan is read one resource at a time by plan/stream.py (the standard library's
  scanner, element by element) instead of one `json.loads` of the whole text.

Each variant runs `python -m bench.tricks --run-without TRICK -- ARGS…`, which switches the
trick off by patching tfcheck in that process only, then runs tfcheck as its command does.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
from pathlib import Path

from bench import generate
from bench.run import PYTHON, Sample, spawn

TRICKS = ("gc", "exit", "stream")


def run_without(trick: str, args: list[str]) -> None:
    """tfcheck's own entry point, with one trick switched off."""
    if trick == "none":
        pass
    elif trick == "gc":
        gc.disable = lambda: None  # type: ignore[assignment]
    elif trick == "exit":
        os._exit = sys.exit  # type: ignore[assignment]
    elif trick == "stream":
        from tfcheck.terraform.plan import read, stream

        def refuse(_text: str, _keep: object) -> dict[str, object]:
            raise stream.Fallback
        read.read_slim = refuse  # type: ignore[assignment]
    from tfcheck.launch import main

    sys.argv = ["tfcheck", *args]
    main()


def measure(sizes: list[int], runs: int, data: Path) -> list[str]:
    results: dict[tuple[str, str, int], Sample] = {}
    for n in sizes:
        root = generate.ensure(n, data)
        plan = str(root / "plan.json")
        cache = Path(tempfile.mkdtemp(prefix="tfcheck-tricks-"))
        env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
        env.pop("TFCHECK_NO_CACHE", None)
        inputs = {"plan --no-source": [plan, "--no-source"], "plan + source": [plan],
                  "hcl warm": [str(root), "--account-id", generate.OWNER]}
        for args in inputs.values():  # fill the parse cache (not timed)
            spawn([*generate.tfcheck_command(), *args, "--format", "json"], env, True)
        for _ in range(runs):
            for label, args in inputs.items():
                for trick in ("all on", *TRICKS):
                    if trick == "stream" and label == "hcl warm":
                        continue
                    # The same launcher for every variant, so its own imports cancel out.
                    off = "none" if trick == "all on" else trick
                    cmd = [PYTHON, "-m", "bench.tricks", "--run-without", off, "--"]
                    elapsed, peak, _, err, code = spawn([*cmd, *args, "--format", "json"], env, True)
                    if code not in (0, 1):
                        raise SystemExit(f"{label} without {trick}: exit {code}: {err[-300:]!r}")
                    sample = results.setdefault((label, trick, n), Sample())
                    sample.seconds.append(elapsed)
                    sample.peak_kb.append(peak)
    lines = [f"median of {runs} runs; each row: one trick off, as time and peak memory "
             "relative to all tricks on", "",
             f"{'input':<18} {'units':>6}  {'trick off':<9} {'s':>7} {'×time':>6} {'MB':>7} {'×mem':>6}"]
    for n in sizes:
        for label in inputs:
            base = results[(label, "all on", n)]
            lines.append(f"{label:<18} {n:>6}  {'(none)':<9} {base.time:>7.2f} {1:>6.2f} "
                         f"{base.peak_mb:>7.0f} {1:>6.2f}")
            for trick in TRICKS:
                s = results.get((label, trick, n))
                if s is not None:
                    lines.append(f"{'':<18} {'':>6}  {trick:<9} {s.time:>7.2f} {s.time / base.time:>6.2f} "
                                 f"{s.peak_mb:>7.0f} {s.peak_mb / base.peak_mb:>6.2f}")
    return lines


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--run-without":
        rest = sys.argv[3:]
        run_without(sys.argv[2], rest[1:] if rest[:1] == ["--"] else rest)
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "tfcheck-bench")
    args = parser.parse_args()
    print("\n".join(measure([int(s) for s in args.sizes.split(",")], args.runs, args.data)))


if __name__ == "__main__":
    main()
