"""Use cases on one case: open it, record an event on it, wake it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.errors import RejectedEvent
from domain.events import ConferenceHeld, EscalationAcknowledged, Event
from domain.history import CaseHistory
from domain.store import CaseRepository, ConcurrencyConflict, Source, Standing
from domain.store.summaries import ObligationAt

CONFLICT_ATTEMPTS = 3


@dataclass(frozen=True)
class Recorded:
    """An event now in the journal: which case, its number there, and what it was."""

    reference: str
    seq: int
    event_type: str

    def __str__(self) -> str:
        return f"{self.reference}: recorded {self.event_type} as event {self.seq}"


def record_event(
    store: CaseRepository,
    reference: str,
    event: Event,
    *,
    recorded_by: str,
    source: Source,
    as_of: datetime,
) -> Recorded:
    """Validate through the domain and append at the case's current sequence, in one
    transaction with the outbox rows and the read model it changes. A concurrent writer
    means: read the sequence again and retry. A RejectedEvent (R-G3) writes nothing."""
    if isinstance(event, EscalationAcknowledged):
        check_acknowledgement(store, reference, event, as_of)
    for attempt in range(CONFLICT_ATTEMPTS):
        seq = store.summary(reference).last_seq
        try:
            new_seq = store.append(
                reference,
                event,
                expected_seq=seq,
                recorded_by=recorded_by,
                source=source,
                as_of=as_of,
            )
            return Recorded(reference, new_seq, event.type)
        except ConcurrencyConflict:
            if attempt == CONFLICT_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def open_escalations(store: CaseRepository, reference: str, as_of: datetime) -> list[ObligationAt]:
    """R-E6: the case's obligations escalated to the team manager or beyond, not yet
    acknowledged, as of ``as_of`` (from the read model)."""
    return [o for o in store.obligations_at(reference, as_of) if o.escalated]


def check_acknowledgement(
    store: CaseRepository, reference: str, event: EscalationAcknowledged, as_of: datetime
) -> None:
    """An acknowledgement names an escalation that is open on the case (R-E6): a key that
    stops nothing must not look as if it had."""
    open_now = open_escalations(store, reference, as_of)
    if any(o.key == event.obligation for o in open_now):
        return
    listed = "; ".join(f"{o.key} ({o.title}, {o.subject})" for o in open_now)
    raise RejectedEvent(
        "obligation",
        "R-E6",
        f"{event.obligation!r} is not an open escalation of {reference}; "
        + (f"open escalations: {listed}" if listed else "it has none to acknowledge"),
    )


def open_case(
    store: CaseRepository,
    reference: str,
    team: str,
    profile: str,
    conference: ConferenceHeld,
    *,
    recorded_by: str,
    source: Source,
    as_of: datetime,
) -> Recorded:
    """R-LC1: the conference that decides on a plan opens the case."""
    history = CaseHistory(reference=reference, team=team, profile=profile, events=(conference,))
    seq = store.open_case(history, recorded_by=recorded_by, source=source, as_of=as_of)
    return Recorded(reference, seq, conference.type)


def wake_case(store: CaseRepository, reference: str, as_of: datetime) -> Standing:
    """Derive the case as of ``as_of`` and, in one transaction, queue what is now due
    (exactly once by key, R-E1), move its next wake and write its read model."""
    return store.refresh(reference, as_of)
