"""Integrity: a request key per recorded event (a retried command never records twice), and
outbox and digest rows that keep what they say and are never deleted.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

KEEPS = "a notice keeps what it says; only its delivery changes (R-E1, R-G2)"
NEVER_DELETED = "a notice is never deleted (R-G2)"
IMMUTABLE = {
    "outbox": ("idempotency_key", "case_id", "obligation", "rung", "payload", "created_at"),
    "digests": ("key", "team", "day", "payload", "created_at"),
}


def sqlite_triggers(table: str, columns: tuple[str, ...]) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_never_deleted BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{NEVER_DELETED}'); END",
        f"CREATE TRIGGER {table}_keeps_its_notice BEFORE UPDATE OF {', '.join(columns)} "
        f"ON {table} BEGIN SELECT RAISE(ABORT, '{KEEPS}'); END",
    ]


def postgres_triggers(table: str, columns: tuple[str, ...]) -> list[str]:
    return [
        f"CREATE FUNCTION {table}_never_deleted() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{NEVER_DELETED}'; END $$",
        f"CREATE TRIGGER {table}_never_deleted BEFORE DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_never_deleted()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_never_deleted()",
        f"CREATE FUNCTION {table}_keeps_its_notice() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{KEEPS}'; END $$",
        f"CREATE TRIGGER {table}_keeps_its_notice BEFORE UPDATE OF {', '.join(columns)} "
        f"ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_keeps_its_notice()",
    ]


def upgrade() -> None:
    op.add_column("events", sa.Column("request_key", sa.String(80), nullable=True))
    op.create_index(
        "ix_events_case_id_request_key", "events", ["case_id", "request_key"], unique=True
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, columns in IMMUTABLE.items():
        statements = postgres_triggers if postgres else sqlite_triggers
        for statement in statements(table, columns):
            op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in IMMUTABLE:
        for trigger in ("never_deleted", "keeps_its_notice", "no_truncate"):
            if postgres:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{trigger} ON {table}")
            elif trigger != "no_truncate":
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{trigger}")
        if postgres:
            op.execute(f"DROP FUNCTION IF EXISTS {table}_never_deleted()")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_keeps_its_notice()")
    op.drop_index("ix_events_case_id_request_key", table_name="events")
    op.drop_column("events", "request_key")
