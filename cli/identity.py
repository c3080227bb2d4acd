"""Who runs a command on a server: the person the audit log and every recorded event name
(R-G2), never typed on the command line.

``CPO_ACTING_AS`` names a configured identity (a person's opaque staff id, as their identity
provider gives it: the same id they sign in to the UI with); without it, the operating-system
user. Either must be a person's id (``domain/people.py``): a name, an e-mail address, an
empty string or a terminal escape is refused, in one line (exit 1).
"""

from __future__ import annotations

import getpass
import os

from cli.errors import Refused

SETTING = "CPO_ACTING_AS"


def acting_person() -> str:
    from domain.errors import RejectedEvent
    from domain.people import person_id

    configured = os.environ.get(SETTING)
    field = SETTING if configured is not None else "the operating-system user"
    try:
        return person_id(configured if configured is not None else getpass.getuser(), field)
    except RejectedEvent as refused:
        raise Refused(f"{refused} (set {SETTING} to your staff id)") from refused
