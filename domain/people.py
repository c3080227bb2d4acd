"""Who acts: the id of the person who records an event, answers a resume form or reads a
case (R-G2), as the sign-in layer or the command line establishes it, never as typed.

A person's id is the authority's opaque staff id, taken from its identity provider (a claim
the configuration names) or, on a server's command line, the operating-system user or a
configured identity. On a case, the same id is that person's member id: the team manager
who acknowledges an escalation is the member whose id is the signed-in person's (R-E6).
An id is a short slug (``domain.events.ID_PATTERN``): it cannot carry a name, an e-mail
address, a newline or a terminal escape into the journal, a notice, Prefect or a log (R-G1).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from domain.errors import RejectedEvent
from domain.events import ID_PATTERN

PERSON_PATTERN = re.compile(ID_PATTERN)
# Services that record without a person: the demo's loader and the clock. Never a person's
# id (the sign-in layer refuses a person whose id is one of these).
SERVICE_IDS = frozenset({"demo", "clock", "import"})


def person_id(value: object, field: str = "recorded_by") -> str:
    """``value`` if it is a person's id; otherwise refused, naming the field and the rule."""
    if not isinstance(value, str) or not value:
        raise RejectedEvent(field, "R-G2", "who acts is required: the signed-in person's id")
    if len(value) > 32 or not PERSON_PATTERN.fullmatch(value):
        shown = ascii(value[:40]) + ("..." if len(value) > 40 else "")
        raise RejectedEvent(field, "R-G2", f"{shown} is not a person's id: lower-case "
                            "letters, digits and dashes, at most 32, never a name or e-mail")  # fmt: skip
    return value


def names_of(claims: dict[str, object]) -> set[str]:
    """The words of a person's name and e-mail address in an identity provider's claims."""
    words: set[str] = set()
    for claim in ("name", "given_name", "family_name", "preferred_username", "email", "upn"):
        text = claims.get(claim)
        if isinstance(text, str):
            folded = unicodedata.normalize("NFKD", text).casefold()
            words |= {w for w in re.split(r"[^a-z0-9]+", folded.split("@")[0]) if len(w) >= 3}
    return words


def id_without_name(value: str, name_words: Iterable[str]) -> str:
    """R-G1: a person's id may not spell their name or e-mail (a provider configured to send
    ``preferred_username`` as the id, say): it reaches Prefect and every recorded event."""
    parts = set(value.split("-"))
    found = sorted(word for word in name_words if word in parts or word == value)
    if found:
        raise RejectedEvent("person", "R-G1", "the id the identity provider gives spells the "
                            "person's name or e-mail: configure an opaque staff id claim")  # fmt: skip
    return value
