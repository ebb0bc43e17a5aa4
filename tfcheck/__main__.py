"""Entry point for `python -m tfcheck`."""

from tfcheck.cli import main

main()
