"""Who records (R-G2): the person or service a journal entry, a fact or an audit entry names.

Until people sign in, commands are told who is acting (``--recorded-by``, ``--by``, the
forms' "Recorded by"); whatever says it, the store keeps it only in this shape, on every
store alike: a user id or an e-mail address, at most 64 characters, one line. Refused
before any write, so PostgreSQL never has to refuse an over-long value itself.
"""

from __future__ import annotations

import re

from domain.errors import RejectedEvent

ACTOR = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.@()-]{0,63}")


def actor(value: str, field: str = "recorded_by") -> str:
    """``value`` if it can name who acts; otherwise a refusal naming ``field``."""
    if not ACTOR.fullmatch(value):
        shown = repr(value) if len(value) <= 40 else f"{value[:37]!r}... ({len(value)} long)"
        raise RejectedEvent(
            field,
            "R-G2",
            f"{shown} cannot name who acts: a user id or e-mail address of up to 64 letters, "
            "digits, spaces and . _ @ ( ) -",
        )
    return value
