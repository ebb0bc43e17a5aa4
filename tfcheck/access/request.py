"""A request as AWS sees it: who calls, which action, and the context keys AWS sets for it."""

from __future__ import annotations

from dataclasses import dataclass, field

from tfcheck.access.match import Known, Vague

READ = "secretsmanager:GetSecretValue"
WRITES = ("secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret")
DECRYPT = "kms:Decrypt"
GENERATE = "kms:GenerateDataKey"
KMS_NEEDED = {READ: (DECRYPT,), "secretsmanager:PutSecretValue": (GENERATE,),
              "secretsmanager:UpdateSecret": (GENERATE,)}
"""What Secrets Manager asks KMS for, for each secret action (Secrets Manager User Guide, "Secret
encryption and decryption"): GetSecretValue decrypts; storing a new value generates a data key."""
KMS_DOCUMENTED_TOO = {"secretsmanager:PutSecretValue": (DECRYPT,),
                      "secretsmanager:UpdateSecret": (DECRYPT,)}
"""Also listed for writers in AWS's documentation, for some paths only (comparing versions):
refused, it is an advisory, not a block."""

ABSENT = "absent"
"""A context key's value when AWS does not set it for this request."""


@dataclass(frozen=True)
class Caller:
    """One identity that signs a request."""

    account: str
    arn: str
    """aws:PrincipalArn: the account root, a role (for its sessions) or a user."""
    kind: str
    """aws:PrincipalType: Account, AssumedRole or User."""
    partition: str = "aws"
    session: str | None = None
    """The sts assumed-role ARN, for a session."""
    org_id: str | None = None
    org_paths: tuple[str, ...] | None = None
    fresh: bool = False
    """An account no policy names: "anyone else"."""
    chosen: tuple[tuple[str, str], ...] | None = None
    """The keys the caller chooses to send (tags, VPC endpoint, MFA) and their values: every
    other such key is absent. None: not said, so they are unknown."""

    @property
    def bare(self) -> bool:
        return self.chosen is not None

    def describe(self) -> str:
        return self.session or self.arn


@dataclass(frozen=True)
class Request:
    """A principal, an action and the context keys (lower-cased) AWS evaluates conditions on."""

    caller: Caller
    action: str
    context: dict[str, Known | tuple[str, ...]] = field(default_factory=dict, hash=False)
    """Keys AWS sets; a key missing here is one tfcheck cannot tell (unknown, not absent)."""
    absent: frozenset[str] = frozenset()
    """Keys AWS does not set for this request."""
    same: frozenset[str] = frozenset()
    """Unknown policy values that are the secret's ARN in this request (Target.refs)."""
    resource: Known | None = None
    """The ARN the request acts on, read by an identity policy's Resource; None for a resource
    policy (a secret policy or key policy applies to its own secret or key only)."""
    resource_refs: frozenset[str] = frozenset()
    """Unknown policy values that are `resource` itself (`aws_kms_key.shared.arn`)."""
    absent_prefixes: tuple[str, ...] = ()
    """Key families whose every member AWS would set is in `context` (the resource's tags, when
    known): any other member is absent."""
    unrelated: bool = False
    """`resource` is one no policy names (an account no one uses): an unknown Resource value, the
    ARN of something in some configuration, is not it."""


@dataclass(frozen=True)
class Target:
    """Where a secret (or replica) lives: what Secrets Manager puts in its calls to KMS."""

    region: Known
    arn: Known
    """The secret's ARN in that region (Vague when created by this plan: AWS adds a suffix)."""
    partition: str = "aws"
    refs: frozenset[str] = frozenset()
    """The expressions that are this ARN (`aws_secretsmanager_secret.db.arn`): a policy value
    known after apply that is one of them is the ARN itself, whatever AWS names it."""


def principal_context(caller: Caller) -> dict[str, Known | tuple[str, ...]]:
    ctx: dict[str, Known | tuple[str, ...]] = {
        "aws:principalarn": caller.arn,
        "aws:principalaccount": caller.account,
        "aws:principaltype": caller.kind,
        "aws:principalisawsservice": "false",
        "aws:securetransport": "true",
    }
    if caller.org_id is not None:
        ctx["aws:principalorgid"] = caller.org_id
    if caller.org_paths is not None:
        ctx["aws:principalorgpaths"] = caller.org_paths
    for key, value in caller.chosen or ():
        ctx[key] = value
    return ctx


# Set only when a service calls on a customer's behalf (never on a direct call); an org key is
# absent for an account outside any organization.
_DIRECT_ABSENT = frozenset({"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths",
                            "aws:calledvia", "aws:calledviafirst", "aws:calledvialast",
                            "kms:viaservice"})
_ORG_KEYS = ("aws:principalorgid", "aws:principalorgpaths")


def _absent(caller: Caller, base: frozenset[str]) -> frozenset[str]:
    return base | frozenset(k for k in _ORG_KEYS if k not in principal_context(caller))


def secret_request(caller: Caller, action: str, target: Target) -> Request:
    """The caller's own call to Secrets Manager."""
    ctx = principal_context(caller)
    ctx["aws:viaawsservice"] = "false"
    ctx["aws:requestedregion"] = target.region
    return Request(caller, action, ctx, _absent(caller, _DIRECT_ABSENT))


def via_service(target: Target) -> Known:
    """kms:ViaService when Secrets Manager in the secret's region calls KMS for the reader."""
    suffix = "amazonaws.com.cn" if target.partition == "aws-cn" else "amazonaws.com"
    if isinstance(target.region, Vague):
        return Vague(f"secretsmanager.*.{suffix}", f"secretsmanager.<region>.{suffix} ({target.region.text})")
    return f"secretsmanager.{target.region}.{suffix}"


def kms_request(caller: Caller, action: str, target: Target) -> Request:
    """The call Secrets Manager makes to KMS for the caller, as the caller."""
    ctx = principal_context(caller)
    ctx.update({
        "aws:viaawsservice": "true",
        "aws:requestedregion": target.region,
        "kms:viaservice": via_service(target),
        "kms:calleraccount": caller.account,
        "kms:encryptioncontext:secretarn": target.arn,
        "kms:encryptioncontext:secretversionid": Vague("*", "the secret version id"),
        "kms:encryptioncontextkeys": ("SecretARN", "SecretVersionId"),
    })
    absent = _absent(caller, _DIRECT_ABSENT - {"kms:viaservice"})
    return Request(caller, action, ctx, absent | {"kms:grantoperations", "kms:requestalias"}, target.refs)


def direct_kms_request(caller: Caller, action: str, region: Known) -> Request:
    """The caller calling KMS itself, outside Secrets Manager (what kms:ViaService prevents)."""
    ctx = principal_context(caller)
    ctx.update({"aws:viaawsservice": "false", "aws:requestedregion": region,
                "kms:calleraccount": caller.account})
    return Request(caller, action, ctx, _absent(caller, _DIRECT_ABSENT))


ENCRYPTION_CONTEXT = "kms:encryptioncontext:"
_CHOSEN = frozenset({"aws:sourcevpc", "aws:sourcevpce", "aws:vpcsourceip", "aws:multifactorauthpresent",
                     "aws:multifactorauthage", "aws:sourceidentity", "aws:federatedprovider"})


def is_chosen(key: str) -> bool:
    """A key the caller decides whether to send: principal or request tags, a VPC endpoint, MFA."""
    return key in _CHOSEN or key.startswith(("aws:principaltag/", "aws:requesttag/", "aws:tagkeys"))
