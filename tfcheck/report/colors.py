"""Whether text output is coloured: on a terminal, unless NO_COLOR or --no-color; FORCE_COLOR forces it."""

from __future__ import annotations

from collections.abc import Mapping


def wants_color(is_tty: bool, env: Mapping[str, str], no_color_flag: bool = False) -> bool:
    """The conventions of no-color.org and FORCE_COLOR, in that order of precedence: the flag,
    then NO_COLOR (any non-empty value), then FORCE_COLOR (any value but "0"), then the terminal."""
    if no_color_flag or env.get("NO_COLOR", ""):
        return False
    force = env.get("FORCE_COLOR")
    if force is not None:
        return force != "0"
    return is_tty and env.get("TERM", "") != "dumb"
