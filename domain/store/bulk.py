"""Writing many validated cases at once: the same tables and rows, fewer round trips.

Used by ``CaseRepository.open_cases`` (and so by ``open_case``), by folder imports and by
the benchmark. Callers validate first; this only writes, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from domain.events import Event, event_to_dict
from domain.history import CaseHistory
from domain.people import person_id
from domain.store.audit import audit_values
from domain.store.outbox import insert_dispatches
from domain.store.rules import Standing
from domain.store.summaries import write_summaries
from domain.store.tables import AuditRow, CaseRow, CaseStatus, EventRow, Source


def standing_values(standing: Standing, now: datetime) -> dict[str, Any]:
    return {
        "status": (CaseStatus.CLOSED if standing.closed else CaseStatus.OPEN).value,
        # R-LC2: a closed case raises no further obligations, so it never wakes again.
        "next_wake": None if standing.closed else standing.next_wake,
        "updated_at": now,
    }


def journal_rows(
    case_id: int,
    first_seq: int,
    events: Sequence[Event],
    recorded_by: str,
    source: Source,
    now: datetime,
    request_key: str | None = None,
    late: Sequence[str | None] = (),
) -> list[dict[str, Any]]:
    """The journal rows of ``events``; ``late``: each one's late reason, if it gives one."""
    person_id(recorded_by)  # R-G2: whoever writes to the store, never a name or a typed line
    reasons = list(late) or [None] * len(events)
    return [
        {
            "case_id": case_id,
            "seq": seq,
            "type": event.type,
            "payload": event_to_dict(event),
            "recorded_by": recorded_by,
            "recorded_at": now,
            "source": source.value,
            "request_key": request_key,
            "late_reason": reason,
        }
        for (seq, event), reason in zip(enumerate(events, start=first_seq), reasons, strict=True)
    ]


def insert_cases(
    session: Session,
    cases: Sequence[tuple[CaseHistory, Standing]],
    *,
    recorded_by: str,
    source: Source,
    now: datetime,
    late: Mapping[str, Sequence[str | None]] | None = None,
) -> dict[str, int]:
    """Insert new cases with their journals and due dispatches; returns reference -> id.
    ``late``: by case reference, each event's late reason (``journal_rows``)."""
    case_rows = [
        {
            "reference": history.reference,
            "profile": history.profile,
            "team": history.team,
            "last_seq": len(history.events),
            "opened_at": now,
            **standing_values(standing, now),
        }
        for history, standing in cases
    ]
    returned = session.execute(insert(CaseRow).returning(CaseRow.reference, CaseRow.id), case_rows)
    case_ids = {reference: case_id for reference, case_id in returned}
    events = [
        row
        for history, _ in cases
        for row in journal_rows(
            case_ids[history.reference],
            1,
            history.events,
            recorded_by,
            source,
            now,
            late=(late or {}).get(history.reference, ()),
        )  # fmt: skip
    ]
    if events:
        session.execute(insert(EventRow), events)
    write_summaries(
        session,
        [
            (case_ids[history.reference], history.team, len(history.events), standing)
            for history, standing in cases
        ],
    )
    dispatches = [dispatch for _, standing in cases for dispatch in standing.dispatches]
    insert_dispatches(session, case_ids, dispatches, now)
    # R-G2: who opened (or imported) each case, in the audit log, in the same transaction.
    session.execute(insert(AuditRow), [
        audit_values(now, recorded_by, "opened_case", history.reference,
                     detail={"events": len(history.events), "source": source.value})
        for history, _ in cases
    ])  # fmt: skip
    return case_ids
