"""Late entries: why an event is recorded late, notices withdrawn when no longer owed, and
whether the store is a simulation's.

- ``events.late_reason``: the reason an event recorded long after it happened gives (R-G3).
- ``outbox.withdrawn_at`` / ``withdrawn_reason``: a notice queued and not yet sent whose
  obligation is no longer open, or whose event was voided, is withdrawn before it can go:
  kept, marked why, never deleted. It may be queued again (pending) if it is owed again, and
  only then may its text change; a notice once sent keeps what it said.
- ``store_settings``: one row per setting, never changed once written. ``mode`` =
  ``simulation`` marks a store whose records may take their ``as_of`` from the caller
  (``cpo simulate``'s copy, the tests' stores); without it a store is real, and every
  record takes today from the clock.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)
KEEPS = "a notice keeps what it says; only its delivery changes (R-E1, R-G2)"
SETTLED = "the store settings are set once (R-G2)"
KEYS = "idempotency_key, case_id, obligation, rung, created_at"


def _sqlite() -> list[str]:
    return [
        "DROP TRIGGER outbox_keeps_its_notice",
        f"CREATE TRIGGER outbox_keeps_its_notice BEFORE UPDATE OF {KEYS} ON outbox "
        f"BEGIN SELECT RAISE(ABORT, '{KEEPS}'); END",
        "CREATE TRIGGER outbox_keeps_its_text BEFORE UPDATE OF payload ON outbox "
        f"WHEN OLD.status <> 'withdrawn' BEGIN SELECT RAISE(ABORT, '{KEEPS}'); END",
        "CREATE TRIGGER store_settings_set_once BEFORE UPDATE ON store_settings "
        f"BEGIN SELECT RAISE(ABORT, '{SETTLED}'); END",
        "CREATE TRIGGER store_settings_never_deleted BEFORE DELETE ON store_settings "
        f"BEGIN SELECT RAISE(ABORT, '{SETTLED}'); END",
    ]


def _postgres() -> list[str]:
    return [
        "DROP TRIGGER outbox_keeps_its_notice ON outbox",
        f"CREATE TRIGGER outbox_keeps_its_notice BEFORE UPDATE OF {KEYS} ON outbox "
        "FOR EACH ROW EXECUTE FUNCTION outbox_keeps_its_notice()",
        "CREATE TRIGGER outbox_keeps_its_text BEFORE UPDATE OF payload ON outbox "
        "FOR EACH ROW WHEN (OLD.status <> 'withdrawn') "
        "EXECUTE FUNCTION outbox_keeps_its_notice()",
        "CREATE FUNCTION store_settings_set_once() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{SETTLED}'; END $$",
        "CREATE TRIGGER store_settings_set_once BEFORE UPDATE OR DELETE ON store_settings "
        "FOR EACH ROW EXECUTE FUNCTION store_settings_set_once()",
        "CREATE TRIGGER store_settings_no_truncate BEFORE TRUNCATE ON store_settings "
        "FOR EACH STATEMENT EXECUTE FUNCTION store_settings_set_once()",
    ]


def upgrade() -> None:
    op.add_column("events", sa.Column("late_reason", sa.String(32), nullable=True))
    op.add_column("outbox", sa.Column("withdrawn_at", WHEN, nullable=True))
    op.add_column("outbox", sa.Column("withdrawn_reason", sa.Text(), nullable=True))
    op.create_table(
        "store_settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(255), nullable=False),
        sa.Column("set_at", WHEN, nullable=False),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _postgres() if postgres else _sqlite():
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("DROP TRIGGER outbox_keeps_its_text ON outbox")
        op.execute("DROP TRIGGER outbox_keeps_its_notice ON outbox")
        op.execute(
            "CREATE TRIGGER outbox_keeps_its_notice BEFORE UPDATE OF "
            f"{KEYS}, payload ON outbox FOR EACH ROW EXECUTE FUNCTION outbox_keeps_its_notice()"
        )
    else:
        op.execute("DROP TRIGGER outbox_keeps_its_text")
        op.execute("DROP TRIGGER outbox_keeps_its_notice")
        op.execute(
            f"CREATE TRIGGER outbox_keeps_its_notice BEFORE UPDATE OF {KEYS}, payload ON outbox "
            f"BEGIN SELECT RAISE(ABORT, '{KEEPS}'); END"
        )
    op.drop_table("store_settings")
    if postgres:
        op.execute("DROP FUNCTION store_settings_set_once()")
    op.drop_column("outbox", "withdrawn_reason")
    op.drop_column("outbox", "withdrawn_at")
    op.drop_column("events", "late_reason")
