"""A journal nobody rewrites, whoever connects (R-G2): what the application's code never does,
the database refuses too.

- **No replacing** (SQLite): ``INSERT OR REPLACE`` / ``REPLACE INTO`` deletes the row it
  replaces without firing a delete trigger (unless the connection turned recursive triggers
  on, which a curious ``sqlite3`` shell does not), and an upsert's insert half runs before
  its update half: a row whose key is taken is refused before either, on the journal, the
  cases, the outbox, the digests, the children's facts, the audit log and the store's
  settings. (PostgreSQL has no
  REPLACE; its upserts update, and the update triggers refuse them.)
- **A notice sent is frozen**: once an outbox or digest row is delivered nothing of it
  changes (not its status, its time, its endpoints); a withdrawn one may only be queued again.
- **Cases are never deleted** (nor renamed): their journals, notices and facts are kept.
- **A child's facts change only by a new version**: each write adds a row (``version`` up
  by one, audited); the latest is the child's facts, the earlier ones stay.
- ``cases.standing_as_of``: the moment the case's next wake and read model were derived as
  of, so a wake that ran late (an older ``as_of``) never moves either back.

On PostgreSQL the application also connects as a role that cannot drop these triggers
(``domain/store/roles.py``, ``cpo db upgrade --app-role``).

Revision ID: 0008
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0012"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)
JOURNAL = "events journal is append-only (R-G2)"
NOTICE = "a notice is never replaced (R-G2)"
SENT = "a notice sent is never changed (R-E1, R-G2)"
WITHDRAWN = "a withdrawn notice may only be queued again (R-E1)"
CASE = "a case is never replaced, renamed or deleted (R-G2)"
FACTS = "the facts of a child change only by a new version (R-G2)"
AUDIT = "audit log is append-only (R-G2)"
SETTLED = "the settings of a store are set once (R-G2)"

# table: (what it says when refused, the keys a new row may not share with one kept)
NEVER_REPLACED = {
    "events": (JOURNAL, ("id", "case_id, seq", "case_id, request_key")),
    "cases": (CASE, ("id", "reference")),
    "outbox": (NOTICE, ("id", "idempotency_key")),
    "digests": (NOTICE, ("id", "key")),
    "child_facts": (FACTS, ("id", "case_id, child, version")),
    "audit_log": (AUDIT, ("id",)),
    "store_settings": (SETTLED, ("key",)),  # a real store is never made a simulation's
}
IDENTITY = "reference, profile, team, opened_at"


def _taken(table: str, key: str) -> str:
    columns = [column.strip() for column in key.split(",")]
    same = " AND ".join(f"kept.{column} = NEW.{column}" for column in columns)
    return f"EXISTS (SELECT 1 FROM {table} AS kept WHERE {same})"


def sqlite_triggers() -> list[str]:
    found = []
    for table, (message, keys) in NEVER_REPLACED.items():
        taken = " OR ".join(_taken(table, key) for key in keys)
        found.append(
            f"CREATE TRIGGER {table}_never_replaced BEFORE INSERT ON {table} "
            f"WHEN {taken} BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )
    for table in ("outbox", "digests"):
        found.append(
            f"CREATE TRIGGER {table}_sent_is_frozen BEFORE UPDATE ON {table} "
            f"WHEN OLD.status = 'delivered' BEGIN SELECT RAISE(ABORT, '{SENT}'); END"
        )
    found += [
        "CREATE TRIGGER outbox_withdrawn_requeued_only BEFORE UPDATE ON outbox "
        "WHEN OLD.status = 'withdrawn' AND NEW.status NOT IN ('withdrawn', 'pending') "
        f"BEGIN SELECT RAISE(ABORT, '{WITHDRAWN}'); END",
        f"CREATE TRIGGER cases_never_deleted BEFORE DELETE ON cases "
        f"BEGIN SELECT RAISE(ABORT, '{CASE}'); END",
        f"CREATE TRIGGER cases_keep_their_identity BEFORE UPDATE OF {IDENTITY} ON cases "
        f"BEGIN SELECT RAISE(ABORT, '{CASE}'); END",
    ]
    found += [
        f"CREATE TRIGGER child_facts_versioned_{verb.lower()} BEFORE {verb} ON child_facts "
        f"BEGIN SELECT RAISE(ABORT, '{FACTS}'); END"
        for verb in ("UPDATE", "DELETE")
    ]
    return found


def postgres_triggers() -> list[str]:
    refuse = "EXECUTE FUNCTION cpo_refuse"
    return [
        # One function for every refusal: its argument is what the refusal says.
        "CREATE FUNCTION cpo_refuse() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $$",
        *(
            f"CREATE TRIGGER {table}_sent_is_frozen BEFORE UPDATE ON {table} FOR EACH ROW "
            f"WHEN (OLD.status = 'delivered') {refuse}('{SENT}')"
            for table in ("outbox", "digests")
        ),
        "CREATE TRIGGER outbox_withdrawn_requeued_only BEFORE UPDATE ON outbox FOR EACH ROW "
        "WHEN (OLD.status = 'withdrawn' AND NEW.status NOT IN ('withdrawn', 'pending')) "
        f"{refuse}('{WITHDRAWN}')",
        f"CREATE TRIGGER cases_never_deleted BEFORE DELETE ON cases FOR EACH ROW "
        f"{refuse}('{CASE}')",
        f"CREATE TRIGGER cases_no_truncate BEFORE TRUNCATE ON cases FOR EACH STATEMENT "
        f"{refuse}('{CASE}')",
        f"CREATE TRIGGER cases_keep_their_identity BEFORE UPDATE OF {IDENTITY} ON cases "
        f"FOR EACH ROW {refuse}('{CASE}')",
        f"CREATE TRIGGER child_facts_versioned BEFORE UPDATE OR DELETE ON child_facts "
        f"FOR EACH ROW {refuse}('{FACTS}')",
        f"CREATE TRIGGER child_facts_no_truncate BEFORE TRUNCATE ON child_facts "
        f"FOR EACH STATEMENT {refuse}('{FACTS}')",
    ]


def upgrade() -> None:
    op.add_column("cases", sa.Column("standing_as_of", WHEN, nullable=True))
    op.execute(
        "UPDATE cases SET standing_as_of = (SELECT s.as_of FROM case_summaries AS s "
        "WHERE s.case_id = cases.id)"
    )
    with op.batch_alter_table("child_facts") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.drop_constraint("uq_child_facts_case_id_child", type_="unique")
        batch.create_unique_constraint(
            "uq_child_facts_case_id_child_version", ["case_id", "child", "version"]
        )
    with op.batch_alter_table("child_facts") as batch:
        batch.alter_column("version", server_default=None)
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in postgres_triggers() if postgres else sqlite_triggers():
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        for trigger, table in (
            ("outbox_sent_is_frozen", "outbox"),
            ("digests_sent_is_frozen", "digests"),
            ("outbox_withdrawn_requeued_only", "outbox"),
            ("cases_never_deleted", "cases"),
            ("cases_no_truncate", "cases"),
            ("cases_keep_their_identity", "cases"),
            ("child_facts_versioned", "child_facts"),
            ("child_facts_no_truncate", "child_facts"),
        ):
            op.execute(f"DROP TRIGGER {trigger} ON {table}")
        op.execute("DROP FUNCTION cpo_refuse()")
    else:
        for statement in sqlite_triggers():
            op.execute(f"DROP TRIGGER {statement.split()[2]}")
    with op.batch_alter_table("child_facts") as batch:
        batch.drop_constraint("uq_child_facts_case_id_child_version", type_="unique")
        batch.drop_column("version")
        batch.create_unique_constraint("uq_child_facts_case_id_child", ["case_id", "child"])
    op.drop_column("cases", "standing_as_of")
