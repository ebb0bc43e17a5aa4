"""Access reasoning: who may use each secret, whether its key lets them, and a witness request."""

from tfcheck.access.facts import READ_TYPES, SECRET, SECRET_POLICY, Facts, SecretFacts, build_facts
from tfcheck.access.sharing import Access
from tfcheck.access.witness import Witness

__all__ = ["READ_TYPES", "SECRET", "SECRET_POLICY", "Access", "Facts", "SecretFacts", "Witness",
           "build_facts"]
