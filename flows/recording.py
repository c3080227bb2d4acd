"""Recording an admin's step: validate through the domain, append, wake the case's run.

The manual-step deployments, the case run's resume form and ``cpo record ...`` all come
here, so a step recorded from the UI and from the CLI is the same code path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from prefect.context import FlowRunContext

from domain.events import ConferenceHeld, Event
from domain.history import CaseHistory
from domain.store import ConcurrencyConflict, Source
from flows.clock_source import as_of_moment, now_london
from tasks import store
from tasks.run_control import Woken, start_case_run, wake_case

CONFLICT_ATTEMPTS = 3
# A manual step that finds the case's run mid-wake waits this long for it to sleep again.
WAIT_FOR_SUSPEND_SECONDS = 90.0
STALE_AFTER = timedelta(minutes=30)


def call(step: Any, *args: Any) -> Any:
    """Run a task as a task inside a flow run (visible in the UI), as a plain function from
    the CLI (no flow run to attach it to, and no server needed just to validate)."""
    return step(*args) if FlowRunContext.get() is not None else step.fn(*args)


@dataclass(frozen=True)
class Recorded:
    reference: str
    seq: int
    event_type: str
    woken: str

    def __str__(self) -> str:
        return f"{self.reference}: recorded {self.event_type} as #{self.seq}; run {self.woken}"


def append(
    reference: str, event: Event, recorded_by: str, source: Source, as_of: str | None
) -> int:
    """Append at the case's current sequence; a concurrent writer means reload and retry.
    RejectedEvent propagates with its field, rule and message (R-G3): nothing is written."""
    moment = as_of_moment(as_of)
    for attempt in range(CONFLICT_ATTEMPTS):
        _history, seq = call(store.load_case, reference)
        try:
            return int(call(store.append_event, reference, event, seq, recorded_by, source, moment))
        except ConcurrencyConflict:
            if attempt == CONFLICT_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def wake(reference: str, as_of: str | None, wait: float = WAIT_FOR_SUSPEND_SECONDS) -> Woken:
    moment = as_of_moment(as_of)
    flow_run_id = call(store.case_flow_run, reference)
    return wake_case(reference, moment, flow_run_id, now_london(), STALE_AFTER, wait)


def record(
    reference: str, event: Event, recorded_by: str, as_of: str | None, source: Source = Source.UI
) -> Recorded:
    seq = append(reference, event, recorded_by, source, as_of)
    woken = wake(reference, as_of)
    return Recorded(reference, seq, event.type, woken.action.value)


def open_case(
    reference: str,
    team: str,
    profile: str,
    conference: ConferenceHeld,
    recorded_by: str,
    as_of: str | None,
    source: Source = Source.UI,
) -> Recorded:
    """R-LC1: the ICPC that decides on a plan opens the case; its run starts at once."""
    history = CaseHistory(reference=reference, team=team, profile=profile, events=(conference,))
    moment = as_of_moment(as_of)
    seq = int(call(store.open_case, history, recorded_by, source, moment))
    start_case_run(reference, moment, previous=None)
    return Recorded(reference, seq, conference.type, "start")
