"""A witness: one concrete request that shows a finding, for the message and the JSON report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tfcheck.access.match import Vague
from tfcheck.access.request import Caller, Request

HIDDEN = "(a value marked sensitive)"
# Condition keys as AWS spells them, for messages (policies may write them in any case).
_SPELLING = {k.lower(): k for k in (
    "aws:PrincipalArn", "aws:PrincipalAccount", "aws:PrincipalOrgID", "aws:PrincipalOrgPaths",
    "aws:PrincipalType", "kms:ViaService", "kms:CallerAccount", "kms:EncryptionContext:SecretARN",
    "kms:EncryptionContext:SecretVersionId", "kms:EncryptionContextKeys", "aws:RequestedRegion",
    "aws:PrincipalIsAWSService", "aws:SecureTransport", "aws:ViaAWSService")}


def spelled(text: str) -> str:
    """Condition keys in `text` as AWS writes them."""
    for lower, proper in _SPELLING.items():
        text = text.replace(lower, proper)
    return text


@dataclass(frozen=True)
class Witness:
    """A request the secret policy allows and the key refuses (or, for a public secret or the
    AWS-managed key, a request from another account that the secret policy allows)."""

    caller: Caller
    action: str
    allowed_by: str
    """The secret policy statement that lets it in, and what it matched."""
    kms: Request | None = None
    """The call Secrets Manager makes to KMS for it (None when the key is not asked)."""
    refused: str = ""
    """Why the key refuses it."""
    statement: str | None = None
    """The key statement (or grant) that refuses it or would have to allow it."""
    certain: bool = True
    unknown: str = ""
    """When not certain: the value known only after apply that decides it."""
    sensitive: bool = False
    allowing: str | None = None
    """The secret policy statement (Sid or #index) that lets it in."""

    def who(self) -> str:
        return HIDDEN if self.sensitive else self.caller.describe()

    def text(self) -> str:
        """One sentence: who may call what, and why the key refuses (or what that depends on)."""
        allowed = f" ({spelled(self.allowed_by)})" if self.allowed_by and not self.sensitive else ""
        via_text = ""
        if self.kms is not None:
            via = self.kms.context.get("kms:viaservice")
            via_text = (via if isinstance(via, str) else via.shape if isinstance(via, Vague)
                        else "Secrets Manager")
        named = self.statement and not self.sensitive and self.statement not in self.refused
        where = f" (statement {self.statement})" if named else ""
        if not self.certain:
            out = f"{self.who()} calling {self.action} may be allowed{allowed}"
            if self.kms is not None:
                out += f" and refused {self.kms.action} via {via_text}{where}"
            return out + f": it depends on {self.unknown or 'a value known only after apply'}"
        out = f"{self.who()} may call {self.action}{allowed}"
        if self.kms is not None:
            reason = "" if self.sensitive else f": {spelled(self.refused)}" if self.refused else ""
            out += f" but the key refuses {self.kms.action} via {via_text}{reason}{where}"
        return out

    def to_json(self) -> dict[str, Any]:
        """The JSON report's `witness` object (schema version 1, additive)."""
        context: dict[str, Any] = {}
        request = self.kms
        if request is not None:
            for key, value in sorted(request.context.items()):
                context[_SPELLING.get(key, key)] = _json_value(value)
        principal = HIDDEN if self.sensitive else self.caller.describe()
        return {
            "principal": principal,
            "principal_account": HIDDEN if self.sensitive else self.caller.account,
            "action": self.action,
            "kms_action": request.action if request is not None else None,
            "context": {} if self.sensitive else context,
            "allowed_by": None if self.sensitive else spelled(self.allowed_by) or None,
            "allowing_statement": None if self.sensitive else self.allowing,
            "refused_by": None if self.sensitive else spelled(self.refused) or None,
            "statement": None if self.sensitive else self.statement,
            "certain": self.certain,
            "unknown": self.unknown or None,
        }


def _json_value(value: object) -> Any:
    if isinstance(value, Vague):
        return {"unknown": value.text, "shape": value.shape}
    if isinstance(value, tuple):
        return list(value)
    return value
