"""Use cases on one case: open it, record an event on it, wake it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from domain.errors import RejectedEvent
from domain.events import (
    ConferenceHeld,
    EscalationAcknowledged,
    Event,
    EventVoided,
    event_to_dict,
)
from domain.history import CaseHistory
from domain.ladder import LONDON
from domain.people import person_id
from domain.profiles import load_profile
from domain.recording import LateReason
from domain.state import fold
from domain.store import CaseRepository, ConcurrencyConflict, Source, Standing
from domain.store.summaries import ObligationAt
from domain.validation import validate

CONFLICT_ATTEMPTS = 3


@dataclass(frozen=True)
class Recorded:
    """An event now in the journal: which case, its number there, and what it was."""

    reference: str
    seq: int
    event_type: str
    already: bool = False  # the same command had recorded it before: nothing new

    def __str__(self) -> str:
        done = "already recorded" if self.already else "recorded"
        return f"{self.reference}: {done} {self.event_type} as event {self.seq}"


def request_key(reference: str, event: Event) -> str:
    """The key of a command that records ``event`` on a case: the same event sent again (a
    retried command, a form submitted twice, from the UI or a terminal) has the same key,
    and is recorded once."""
    canonical = json.dumps(event_to_dict(event), sort_keys=True, separators=(",", ":"))
    return "event:" + hashlib.sha256(f"{reference}\n{canonical}".encode()).hexdigest()[:40]


def _live_key(store: CaseRepository, reference: str, key: str) -> tuple[str, int | None]:
    """``key``, and the event a command with it recorded, if any. An event recorded and then
    voided (R-G3) may be recorded again: its key then takes a suffix, ``:r1``, ``:r2``..."""
    voided: set[int] | None = None
    candidate = key
    for again in range(1, 100):
        before = store.recorded_as(reference, candidate)
        if before is None:
            return candidate, None
        if voided is None:
            events = store.load(reference)[0].events
            voided = {e.voids for e in events if isinstance(e, EventVoided)}
        if before not in voided:
            return candidate, before
        candidate = f"{key}:r{again}"
    raise RejectedEvent("type", "R-G3", "this event was recorded and voided too many times")


def record_event(
    store: CaseRepository,
    reference: str,
    event: Event,
    *,
    recorded_by: str,
    source: Source,
    as_of: datetime,
    key: str | None = None,
    late_reason: LateReason | None = None,
) -> Recorded:
    """Validate through the domain and append at the case's current sequence, in one
    transaction with the outbox rows and the read model it changes; once per ``key``
    (default: the event's own, ``request_key``). A concurrent writer means: read the
    sequence again and retry. A RejectedEvent (R-G3) writes nothing. An event recorded
    later than its profile allows gives ``late_reason`` (``domain.recording``)."""
    person_id(recorded_by)
    if isinstance(event, EscalationAcknowledged) and event.by != recorded_by:
        raise RejectedEvent("by", "R-E6", f"{event.by!r} acknowledges only as themselves: "
                            f"this is recorded by {recorded_by!r}")  # fmt: skip
    key = key or request_key(reference, event)
    for attempt in range(CONFLICT_ATTEMPTS):
        key, before = _live_key(store, reference, key)
        if before is not None:
            return Recorded(reference, before, event.type, already=True)
        if isinstance(event, EscalationAcknowledged):
            check_acknowledgement(store, reference, event, as_of)
        seq = store.summary(reference).last_seq
        try:
            new_seq = store.append(
                reference, event, expected_seq=seq, recorded_by=recorded_by, source=source,
                as_of=as_of, request_key=key, late_reason=late_reason,
            )  # fmt: skip
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


def check_acknowledger(
    store: CaseRepository, reference: str, person: str, key: str, as_of: datetime
) -> None:
    """Whether ``person`` may acknowledge the escalation ``key`` on the case now, as recording
    it would decide, without recording anything: a member the profile lets acknowledge, or
    the cover worker standing in for one (R-E6, R-E5), and an escalation open to acknowledge.
    Raises RejectedEvent naming the field and the rule."""
    event = EscalationAcknowledged(on=as_of.date(), obligation=key, by=person_id(person, "by"))
    history, _ = store.load(reference)
    policy = load_profile(history.profile)
    validate(fold(history, policy, known_by=as_of.astimezone(LONDON).date()), event)
    check_acknowledgement(store, reference, event, as_of)


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
    late_reason: LateReason | None = None,
) -> Recorded:
    """R-LC1: the conference that decides on a plan opens the case."""
    person_id(recorded_by)
    history = CaseHistory(reference=reference, team=team, profile=profile, events=(conference,))
    seq = store.open_case(
        history, recorded_by=recorded_by, source=source, as_of=as_of, late_reason=late_reason
    )
    return Recorded(reference, seq, conference.type)


def wake_case(store: CaseRepository, reference: str, as_of: datetime) -> Standing:
    """Derive the case as of ``as_of`` and, in one transaction, queue what is now due
    (exactly once by key, R-E1), move its next wake and write its read model."""
    return store.refresh(reference, as_of)
