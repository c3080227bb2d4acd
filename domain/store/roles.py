"""Two roles on PostgreSQL (R-G2): an **owner** that migrates (``cpo db upgrade``, owning the
tables and their triggers) and an **application** role that the workers, the clock and
``cpo`` connect as, which may only read and add, and make the few updates the work needs:

- the journal, the audit log, the children's facts (and the store's settings): read, insert;
- the cases: read, insert, and update their standing (status, next wake, run, sequence,
  ``standing_as_of``), never their reference, team or profile, never delete;
- the outbox and the digests: read, insert, and update their delivery columns only (a
  notice's text only while it is withdrawn, which a trigger checks); never delete;
- the read model (case summaries, open obligations, the rebuild's progress) and the runs'
  last labels: anything, since they are derived and rebuilt from the journal.

So the application cannot drop a trigger, truncate a table or rewrite what it recorded,
whatever SQL reaches it. Granted afresh after every upgrade (``grant_application_role``):
each table of the schema must appear below, so a new table is a decision, not an accident.
"""

from __future__ import annotations

import re

from sqlalchemy import text

from domain.store.database import Database
from domain.store.tables import Base

ROLE = re.compile(r"[a-z_][a-z0-9_]{0,62}")
DELIVERY = ("status", "attempts", "last_error", "next_attempt_at", "delivered_at", "delivered_to")
# table: the columns the application may update (None: any, and delete too; () none)
PRIVILEGES: dict[str, tuple[str, ...] | None] = {
    "cases": ("status", "next_wake", "flow_run_id", "last_seq", "updated_at", "standing_as_of"),
    "events": (),
    "outbox": (*DELIVERY, "withdrawn_at", "withdrawn_reason", "payload"),
    "digests": DELIVERY,
    "child_facts": (),
    "audit_log": (),
    "store_settings": (),
    "case_summaries": None,
    "open_obligations": None,
    "summary_rebuilds": None,
    "run_labels": None,  # what each case's run was last labelled with: the UI's, derived
}


class RoleError(ValueError):
    """A role that cannot be granted: the message says why."""


def grant_statements(role: str) -> list[str]:
    """What the application role ``role`` is granted, exactly (all else revoked first)."""
    if not ROLE.fullmatch(role):
        raise RoleError(f"{role!r} is not a role name (lowercase letters, digits and _)")
    tables = Base.metadata.tables
    unknown = set(tables) - set(PRIVILEGES)
    if unknown:
        raise RoleError(f"no privileges decided for table(s) {sorted(unknown)}")
    statements = [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT ON alembic_version TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
    ]
    for name, updates in PRIVILEGES.items():
        if name not in tables:
            continue  # a table a later migration adds
        if updates is None:
            statements.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {name} TO {role}")
            continue
        statements.append(f"GRANT SELECT, INSERT ON {name} TO {role}")
        columns = [column for column in updates if column in tables[name].columns]
        if columns:
            statements.append(f"GRANT UPDATE ({', '.join(columns)}) ON {name} TO {role}")
    return statements


def grant_application_role(database: Database, role: str) -> None:
    """Grant ``role`` the application's privileges on the store (PostgreSQL only), as the
    tables' owner, in one transaction."""
    if database.dialect != "postgresql":
        raise RoleError("only PostgreSQL has roles: a SQLite store is one file, its owner's")
    statements = grant_statements(role)
    with database.engine.begin() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}
        ).scalar()
        if not exists:
            raise RoleError(f"no role {role!r} on this server: create it first (LOGIN)")
        for statement in statements:
            connection.execute(text(statement))
