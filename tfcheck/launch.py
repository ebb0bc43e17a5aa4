"""The `tfcheck` command. `tfcheck --version` is answered here, before the command line
framework and the checker are imported (a tenth of the time); everything else goes to cli.main.

As its own short-lived process, tfcheck keeps what it loads until it exits, and what it builds
(JSON values, resources, findings) holds almost no reference cycles: the cyclic garbage
collector, which would walk every live object again and again as they pile up, is turned off,
and the process ends without tearing its objects down one by one (output flushed first).

Both pay, as `python -m bench.tricks` measures (each switched off alone, median of 3 runs on the
2-core benchmark machine, 2026-12-02): with the collector on, 1.6x the time on a 1,000-unit plan,
1.8x on a 10,000-unit plan with its source, 2.7x on the 10,000-unit directory; ending through the
interpreter's teardown instead of os._exit, 1.2x to 2.0x."""

from __future__ import annotations

import gc
import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        from tfcheck import __version__

        sys.stdout.write(f"tfcheck {__version__}\n")
        return
    if argv is not None:  # called from Python (tests): the calling process keeps its settings
        from tfcheck.cli import main as cli_main

        cli_main(argv)
        return
    gc.disable()
    from tfcheck.cli import main as cli_main

    try:
        cli_main()
    except SystemExit as done:
        code = done.code
    else:
        code = 0
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: nothing more to say
        code = code or 1
    os._exit(code or 0)
