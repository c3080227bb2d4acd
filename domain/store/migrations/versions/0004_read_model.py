"""The read model: a summary per case and its open obligations, beside the journal.

Written in the same transaction as every event and every wake; rebuilt from the journal by
``cpo db rebuild-summaries`` (which a store upgraded to this revision needs once).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)
RUNGS = ("reminder_at", "chase_at", "missed_at", "escalation_tm_at", "escalation_final_at")


def upgrade() -> None:
    op.create_table(
        "case_summaries",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("as_of", WHEN, nullable=False),
        sa.Column("overdue", sa.Integer(), nullable=False),
        sa.Column("due", sa.Integer(), nullable=False),
        sa.Column("upcoming", sa.Integer(), nullable=False),
        sa.Column("rungs", JSON, nullable=False),
        sa.Column("worst_rung", sa.String(32), nullable=True),
        sa.Column("worst_rung_since", WHEN, nullable=True),
        sa.Column("oldest_overdue", sa.Date(), nullable=True),
        sa.Column("next_deadline", sa.Date(), nullable=True),
        sa.Column("review_deadline", sa.Date(), nullable=True),
        sa.Column("review_booked", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_case_summaries_case_id_cases"
        ),
        sa.PrimaryKeyConstraint("case_id", name="pk_case_summaries"),
    )
    op.create_table(
        "open_obligations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("team", sa.String(128), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("rule", sa.String(16), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("subject_kind", sa.String(32), nullable=False),
        sa.Column("owner_role", sa.String(32), nullable=False),
        sa.Column("owner", sa.String(128), nullable=True),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("due_at", WHEN, nullable=True),
        sa.Column("due_from", WHEN, nullable=True),
        sa.Column("overdue_from", WHEN, nullable=False),
        sa.Column("overdue_since", sa.Date(), nullable=False),
        *[sa.Column(name, WHEN, nullable=True) for name in RUNGS],
        sa.Column("acknowledged_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_open_obligations_case_id_cases"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_open_obligations"),
        sa.UniqueConstraint("case_id", "key", name="uq_open_obligations_case_id_key"),
    )
    op.create_index("ix_open_obligations_case_id", "open_obligations", ["case_id"])
    op.create_index(
        "ix_open_obligations_team_overdue_from", "open_obligations", ["team", "overdue_from"]
    )
    op.create_index("ix_open_obligations_overdue_from", "open_obligations", ["overdue_from"])
    op.create_table(
        "summary_rebuilds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("as_of", WHEN, nullable=False),
        sa.Column("last_case_id", sa.Integer(), nullable=False),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_summary_rebuilds"),
    )


def downgrade() -> None:
    op.drop_table("summary_rebuilds")
    op.drop_table("open_obligations")
    op.drop_table("case_summaries")
