"""The consumer side of a share: do the readers' own identity policies allow the read and the decrypt?"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from tfcheck.access.candidates import role_caller, vocabulary, with_orgs
from tfcheck.access.facts import Facts, SecretFacts
from tfcheck.access.identities import Attached, Identity
from tfcheck.access.identity_policies import Answer, IdentityWitness, identity_allows, on
from tfcheck.access.key_facts import KeyFacts, KeyKind
from tfcheck.access.match import Known, Vague, tri_all, tri_any
from tfcheck.access.request import DECRYPT, READ, Caller, Request, Target, kms_request, secret_request
from tfcheck.iam import Policy, PrincipalKind, classify

SECRET, KMS = "secret", "kms"
_UNRELATED = "tfcheck-unrelated-Xq9zQw"


@dataclass(frozen=True)
class Gap:
    """A reader in another account whose own policies do not allow one call reading needs."""

    missing: str
    """SECRET (secretsmanager:GetSecretValue on the secret) or KMS (kms:Decrypt on its key)."""
    sf: SecretFacts
    identity: Identity
    action: str
    resource: Known
    resource_name: str
    """The secret's or key's address."""
    place: Attached | None
    """The policy to add the permission to; None: the identity has none in the run."""
    denied: bool
    """An explicit Deny of its own policies refuses it (the fix is there, not a new Allow)."""
    witness: IdentityWitness


_LAST: list[tuple[Facts, tuple[Gap, ...]]] = []
"""The gaps of the last facts asked about (both consumer rules ask about the same facts)."""


def consumer_gaps(facts: Facts) -> tuple[Gap, ...]:
    """Every reader (of another account, in the run) that cannot read a secret shared with it."""
    for seen, gaps in _LAST:
        if seen is facts:
            return gaps
    gaps = tuple(g for sf in facts.secrets for g in _secret_gaps(facts, sf))
    _LAST[:] = [(facts, gaps)]
    return gaps


def _secret_gaps(facts: Facts, sf: SecretFacts) -> Iterator[Gap]:
    if sf.policy is None or sf.secret is None or facts.identities is None:
        return
    accounts: dict[str, None] = {}
    for access in sf.accesses:
        if not access.reads:
            continue
        p = access.principal
        if p.kind in (PrincipalKind.WILDCARD, PrincipalKind.UNKNOWN):
            accounts.update(dict.fromkeys(facts.identities.by_account))
        elif p.account:
            accounts[p.account] = None
    key = _key_arn(sf.key, sf.target)
    for account in accounts:
        if account in facts.mine:
            continue  # in its own account, the secret policy alone lets a role read
        for identity in facts.identities.of(account):
            yield from _reader_gaps(sf, identity, key)


def _reader_gaps(sf: SecretFacts, identity: Identity, key: tuple[Known, frozenset[str], str] | None
                 ) -> Iterator[Gap]:
    assert sf.policy is not None and sf.secret is not None
    policies = [sf.policy, *([sf.key.policy] if sf.key.policy else []),
                *(a.policy for a in identity.policies if a.policy is not None)]
    callers = _callers(identity, policies)
    allowed = [sf.asker.secret(sf.policy, c, READ, sf.target) for c in callers]
    if all(a.value is False for a in allowed):
        return  # the secret policy does not let it read: not a reader
    target = sf.target
    asked = {SECRET: [on(secret_request(c, READ, target), target.arn, target.refs, sf.secret,
                         "secretsmanager") for c in callers]}
    if key is not None:
        asked[KMS] = [on(kms_request(c, DECRYPT, target), key[0], key[1], sf.key.key) for c in callers]
    answers = {what: [identity_allows(identity, r) for r in requests] for what, requests in asked.items()}
    unrelated = {SECRET: _unrelated(target, "secretsmanager", "secret:"),
                 KMS: _unrelated(target, "kms", "key/")}
    named = {sf.secret.address, *([sf.key.key.address] if sf.key.key is not None else [])}
    if not (_named(sf, identity, callers) or _refers(identity, named)
            or any(_meant(identity, asked[w], answers[w], unrelated[w]) for w in asked)):
        return  # nothing says this identity is to read the secret
    for missing, requests in asked.items():
        found = answers[missing]
        ok = tri_any([tri_all([a.value, r.decision.value]) for a, r in zip(allowed, found, strict=True)])
        if ok is True:
            continue
        i = next((i for i, (a, r) in enumerate(zip(allowed, found, strict=True))
                  if a.value is not False and r.decision.value is not True), 0)
        refused = found[i].decision
        resource = requests[i].resource
        assert resource is not None
        unknown = "" if ok is False else (refused.why if refused.value is None else allowed[i].why)
        # Never a value of a document marked sensitive in a message, nor in the witness.
        sensitive = sf.sensitive or any(a.holder.is_sensitive(a.attribute) for a in identity.policies)
        witness = IdentityWitness(callers[i], READ, allowed[i].why, requests[i], refused.why,
                                  refused.statement, ok is False, unknown, sensitive,
                                  allowed[i].statement, resource=resource)
        other = answers[KMS if missing == SECRET else SECRET] if len(answers) > 1 else []
        name = sf.secret.address if missing == SECRET else key[2] if key else ""
        yield Gap(missing, sf, identity, requests[i].action, resource, name,
                  _place(found[i], other, identity), found[i].denied, witness)


def _callers(identity: Identity, policies: list[Policy]) -> list[Caller]:
    """The identity's requests worth asking about: with its tags, and each key it may choose to
    send; in each organization the policies name (which one its account is in is not said)."""
    vocab = vocabulary(policies)
    base = role_caller(classify("AWS", identity.arn)) if identity.kind == "AssumedRole" else \
        Caller(identity.account, identity.arn, "User", classify("AWS", identity.arn).partition or "aws")
    tags = tuple((f"aws:principaltag/{k.lower()}", v) for k, v in identity.tags)
    chosen = [tags, *(tags + (pair,) for pair in vocab.chosen if not pair[0].startswith("aws:principaltag/"))]
    return with_orgs([replace(base, chosen=c) for c in dict.fromkeys(chosen)], vocab)


def _named(sf: SecretFacts, identity: Identity, callers: list[Caller]) -> bool:
    """The secret policy lets this identity in but not just any role of its account."""
    assert sf.policy is not None
    other = f"arn:aws:iam::{identity.account}:role/{_UNRELATED}"
    return all(sf.asker.secret(sf.policy, replace(c, arn=other, kind="AssumedRole"), READ, sf.target).value
               is False for c in callers)


def _refers(identity: Identity, addresses: set[str]) -> bool:
    """A policy of the identity known only after apply is built from the secret's or key's ARN
    (a plan read without its source keeps no more of a jsonencode): it is written for them."""
    for attached in identity.policies:
        if attached.policy is None:
            links = [link for attr, found in attached.holder.links.items()
                     if attr == "policy" or attr.startswith(f"{attached.attribute}.") for link in found]
            if any(link.target in addresses for link in links):
                return True
    return False


def _meant(identity: Identity, requests: list[Request], answers: list[Answer], unrelated: str) -> bool:
    """Its policies allow the call on this resource (perhaps), but not on one of an account no
    policy names: the permission is written for this share, not for everything."""
    if all(a.decision.value is False for a in answers):
        return False
    # An unrelated resource: another ARN, and none of this one's tags.
    probes = [replace(r, resource=unrelated, resource_refs=frozenset(), unrelated=True,
                      context={k: v for k, v in r.context.items() if "resourcetag/" not in k})
              for r in requests]
    return all(identity_allows(identity, probe).decision.value is False for probe in probes)


def _unrelated(target: Target, service: str, kind: str) -> str:
    region = target.region if isinstance(target.region, str) else "us-east-1"
    return f"arn:{target.partition}:{service}:{region}:999999999999:{kind}{_UNRELATED}"


def _place(answer: Answer, other: list[Answer], identity: Identity) -> Attached | None:
    """Where the missing permission goes: the policy whose statement nearly allows it, else the
    one that grants the other half of the read, else the identity's first policy in the run."""
    if answer.place is not None:
        return answer.place
    granting = next((a.place for a in other if a.decision.value is True and a.place is not None), None)
    return granting or next(iter(identity.policies), None)


def _key_arn(key: KeyFacts, target: Target) -> tuple[Known, frozenset[str], str] | None:
    """The key's ARN (its shape when AWS names it at apply), the references that are it, its name."""
    if key.kind is KeyKind.CUSTOMER and key.key is not None:
        res = key.key
        arn = res.get("arn")
        refs = frozenset({f"{res.address}.arn"})
        if isinstance(arn, str) and arn.startswith("arn:"):
            return arn, refs, res.address
        region = key.region or (target.region if isinstance(target.region, str) else "*")
        shape = f"arn:{target.partition}:kms:{region}:{res.account or '*'}:key/*"
        return Vague(shape, f"the ARN of {res.address} (known after apply)"), refs, res.address
    source = key.source
    if key.kind is KeyKind.EXTERNAL and source is not None and isinstance(source.get("arn"), str):
        return source.get("arn"), frozenset({f"{source.address}.arn"}), source.address
    return None
