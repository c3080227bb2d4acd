"""The store's tables: cases, the events journal (the audit log, R-G2), the dispatch outbox,
the team managers' daily digests, the children's personal facts and the audit log of what
is not an event of a case.

The journal and the audit log have no update or delete path in code, and the migrations add
triggers that refuse both in the database too, so they stay append-only whoever connects.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend.

    SQLite keeps no offset, so values are stored as naive UTC there: a plain string
    comparison then orders them correctly, which the next_wake index relies on.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the store only accepts timezone-aware datetimes")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JsonPayload = JSON().with_variant(JSONB(), "postgresql")


class Source(StrEnum):
    """Where a recorded event came from (R-G2: who, what, when, why)."""

    UI = "ui"
    CLI = "cli"
    IMPORT = "import"
    CLOCK = "clock"


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # R-LC2: a closed case raises no further obligations


class OutboxStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    # Queued, never sent, and no longer owed (met by an entry recorded late, its event
    # voided): kept, with when and why, and never sent unless it is owed again (R-E1).
    WITHDRAWN = "withdrawn"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class CaseRow(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    profile: Mapped[str] = mapped_column(String(64))
    team: Mapped[str] = mapped_column(String(128), index=True)
    status: Mapped[str] = mapped_column(String(16), default=CaseStatus.OPEN.value)
    next_wake: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    flow_run_id: Mapped[str | None] = mapped_column(String(64))
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class EventRow(Base):
    """One journal entry: seq counts from 1 within its case, with no gaps. ``request_key``
    names the command that recorded it, so the same command retried records nothing twice."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        Index(None, "case_id", "request_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonPayload)
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    source: Mapped[str] = mapped_column(String(16))
    request_key: Mapped[str | None] = mapped_column(String(80))
    late_reason: Mapped[str | None] = mapped_column(String(32))  # domain.recording.LateReason


class Delivery:
    """The delivery state the outbox and the digests share, on which ``common.py`` claims,
    marks and reads rows alike (R-E1)."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=-1)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # None once delivered, or when delivery has been given up (the row stays visible).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Endpoint ids a partly delivered row already reached: a retry skips them.
    delivered_to: Mapped[list[str] | None] = mapped_column(JsonPayload)


class OutboxRow(Delivery, Base):
    """A dispatch waiting for (or past) delivery; its unique key fires each rung once (R-E1)."""

    __tablename__ = "outbox"
    __table_args__ = (Index(None, "status", "next_attempt_at"),)

    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    obligation: Mapped[str] = mapped_column(String(128))
    rung: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonPayload)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)


class DigestRow(Delivery, Base):
    """One team's daily digest (R-E1): its unique key ``digest|<team>|<day>`` sends it once.

    A digest belongs to a team, not a case, so it has its own table rather than outbox rows.
    ``payload`` is the digest as it stood when the row was created: a retry sends exactly
    that. The row is the record of the notice: what, to which endpoints, when (R-G2).
    """

    __tablename__ = "digests"
    __table_args__ = (Index(None, "status", "next_attempt_at"),)

    key: Mapped[str] = mapped_column(String(255), unique=True)
    team: Mapped[str] = mapped_column(String(128))
    day: Mapped[date] = mapped_column(Date, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JsonPayload)


class StoreSettingRow(Base):
    """A setting of the store itself, written once: ``mode`` = ``simulation`` marks a store
    whose records take their ``as_of`` from the caller (migration 0007)."""

    __tablename__ = "store_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CaseSummaryRow(Base):
    """The read model, per case (docs/architecture.md): its drift as of its last wake or
    event, written in the same transaction; ``cpo db rebuild-summaries`` rebuilds it."""

    __tablename__ = "case_summaries"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)  # the journal entry it reflects
    as_of: Mapped[datetime] = mapped_column(UtcDateTime)
    overdue: Mapped[int] = mapped_column(Integer, default=0)
    due: Mapped[int] = mapped_column(Integer, default=0)
    upcoming: Mapped[int] = mapped_column(Integer, default=0)
    rungs: Mapped[dict[str, int]] = mapped_column(JsonPayload)
    worst_rung: Mapped[str | None] = mapped_column(String(32))
    worst_rung_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    oldest_overdue: Mapped[date | None] = mapped_column(Date)
    next_deadline: Mapped[date | None] = mapped_column(Date)
    review_deadline: Mapped[date | None] = mapped_column(Date)
    review_booked: Mapped[date | None] = mapped_column(Date)


class OpenObligationRow(Base):
    """The read model, per open obligation: the moments its status changes and each rung of
    its ladder falls, so its status and rung as of any later moment are a query."""

    __tablename__ = "open_obligations"
    __table_args__ = (
        UniqueConstraint("case_id", "key"),
        Index(None, "team", "overdue_from"),
        Index(None, "overdue_from"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    team: Mapped[str] = mapped_column(String(128))
    key: Mapped[str] = mapped_column(String(128))
    rule: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    subject_kind: Mapped[str] = mapped_column(String(32))
    owner_role: Mapped[str] = mapped_column(String(32))
    owner: Mapped[str | None] = mapped_column(String(128))
    due: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    due_from: Mapped[datetime | None] = mapped_column(UtcDateTime)
    overdue_from: Mapped[datetime] = mapped_column(UtcDateTime)
    overdue_since: Mapped[date] = mapped_column(Date)
    reminder_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    chase_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    missed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    escalation_tm_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    escalation_final_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acknowledged_on: Mapped[date | None] = mapped_column(Date)  # R-E6


class SummaryRebuildRow(Base):
    """Where ``cpo db rebuild-summaries`` has got to: a rebuild stopped half-way resumes."""

    __tablename__ = "summary_rebuilds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    as_of: Mapped[datetime] = mapped_column(UtcDateTime)
    last_case_id: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ChildFactsRow(Base):
    """A child's personal facts (``domain.child_facts``), one row per case and child: never
    in Prefect, never in a notice (R-G1). Setting them again replaces the row; the audit log
    says who set them and when (R-G2)."""

    __tablename__ = "child_facts"
    __table_args__ = (UniqueConstraint("case_id", "child"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    child: Mapped[str] = mapped_column(String(64))
    la_child_id: Mapped[str] = mapped_column(String(20), index=True)
    facts: Mapped[dict[str, Any]] = mapped_column(JsonPayload)
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    source: Mapped[str] = mapped_column(String(16))


class AuditRow(Base):
    """Who did what (R-G2): events recorded and acknowledged, cases opened and viewed, a
    return or report written, a child's facts set, read or exported; who, when, what, which
    file. Append-only."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(128), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(255), index=True)
    path: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JsonPayload)


class RunLabelRow(Base):
    """What the case's run on the Runs page was last labelled with (its state's name and
    message, its drift tags; ``services/run_labels.py``), so that the clock relabels only
    the runs whose drift has changed since."""

    __tablename__ = "run_labels"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    flow_run_id: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(Text)
    labelled_at: Mapped[datetime] = mapped_column(UtcDateTime)  # the moment it describes
