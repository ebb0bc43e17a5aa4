"""Where a secret (or replica) lives: the region and ARN Secrets Manager names when it calls KMS."""

from __future__ import annotations

from tfcheck.access.match import Vague
from tfcheck.access.request import Target
from tfcheck.model.resource import Resource
from tfcheck.terraform.addresses import arn_region


def _partition(region: str | None) -> str:
    if region and region.startswith("cn-"):
        return "aws-cn"
    if region and region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def secret_target(secret: Resource | None, owners: frozenset[str], mine: frozenset[str],
                  key_region: str | None = None) -> Target:
    """Where the secret lives and its ARN (its shape, when AWS has not named it yet)."""
    region = secret.region if secret is not None else None
    # A value marked sensitive never reaches a witness: it is then known by its shape only.
    arn = secret.get("arn") if secret is not None and not secret.is_sensitive("arn") else None
    # A secret's key must be in the secret's region: the key's region says where it is too.
    region = region or (arn_region(arn) if isinstance(arn, str) else None) or key_region
    partition = _partition(region)
    where: str | Vague = region if region else Vague("*", "the secret's region (not known)")
    if isinstance(arn, str) and arn:
        return Target(where, arn, partition)
    name = secret.get("name") if secret is not None and not secret.is_sensitive("name") else None
    # The owner's account: the one known, else the stand-in data.aws_caller_identity gives (the
    # key policy's patterns use the same one), else any 12 characters.
    account = next(iter(owners)) if len(owners) == 1 else next(iter(mine)) if len(mine) == 1 else "?" * 12
    shape = (f"arn:{partition}:secretsmanager:{region or '*'}:{account}:secret:"
             f"{name + '-??????' if isinstance(name, str) else '*'}")
    what = secret.address if secret is not None else "the secret"
    return Target(where, Vague(shape, f"the ARN of {what} (known after apply)"), partition)


def replica_target(primary: Target, region: str | None) -> Target:
    """A replica's: the same name in another region."""
    partition = _partition(region) if region else primary.partition
    where: str | Vague = region if region else Vague("*", "the replica's region (not known)")
    arn = primary.arn
    if isinstance(arn, str):
        parts = arn.split(":")
        if len(parts) > 3 and region:
            parts[3] = region
            return Target(where, ":".join(parts), partition)
        return Target(where, Vague("*", "the replica's ARN"), partition)
    parts = arn.shape.split(":")
    if len(parts) > 3:
        parts[3] = region or "*"
    return Target(where, Vague(":".join(parts), arn.text.replace("ARN of", "replica ARN of")), partition)
