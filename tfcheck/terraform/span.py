"""Whether a root module may span AWS accounts: more than one `provider "aws"` configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tfcheck.terraform.confine import boundary
from tfcheck.terraform.files import max_file_size
from tfcheck.terraform.hcl.outline import split_blocks


def plan_spans(doc: dict[str, Any]) -> bool:
    """The plan's root module configures the AWS provider more than once (an alias)."""
    configs = (doc.get("configuration") or {}).get("provider_config") or {}
    if not isinstance(configs, dict):
        return True
    return sum(1 for key, c in configs.items()
               if ":" not in key and isinstance(c, dict) and c.get("name") == "aws") > 1


def directory_spans(root: Path) -> bool:
    """The root module's files hold more than one `provider "aws"` block, by the block scanner
    (no parse). Whatever it cannot tell (a .tf.json file, a file it cannot split, read or
    that is not a plain file of the tree) counts as spanning: the reader then reads more."""
    count = 0
    if any(root.glob("*.tf.json")):
        return True
    for path in sorted(root.glob("*.tf")):
        try:
            inside = path.resolve().is_relative_to(boundary(root))
            if not inside or not path.is_file() or path.stat().st_size > max_file_size():
                return True  # the reader refuses it itself, with its own error
            spans = split_blocks(path.read_text(encoding="utf-8-sig"))
        except (OSError, RuntimeError, UnicodeDecodeError):
            return True
        if spans is None:
            return True
        count += sum(1 for s in spans if s.type == "provider" and s.labels[:1] == ("aws",))
    return count > 1
