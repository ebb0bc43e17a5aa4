"""Entry point for `python -m tfcheck`."""

from tfcheck.launch import main

main()
