"""Recording a manual step from a form: as of now, through the use case, then wake the
case's run; the step's run ends Completed with one line saying what it recorded (the case,
the event's number in its journal, its day). When the rules refuse it, the run ends
**Rejected** with one line naming the field and the rule (R-G3): nothing written, no error
logged, no traceback. A refusal is an answer, not a fault, so Rejected is a completed state
by type (nothing to retry: the same form would be refused again); a run that ends Failed is
a fault worth looking into.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from prefect import get_run_logger
from prefect.states import Completed
from pydantic import ValidationError

from domain.errors import RejectedEvent
from domain.events import Event
from domain.people import person_id
from domain.recording import LateReason
from domain.store import Source
from flows.clock_source import now_london
from services.cases import Recorded
from tasks import store
from tasks.run_control import wake_run_after_recording


def rejected(line: str) -> Any:
    """The run's final state when the rules refuse the step: named, one line, no trace."""
    get_run_logger().warning("Rejected: %s", line)
    return Completed(name="Rejected", message=line)


def recorded(done: Recorded, on: date, woken: str) -> Any:
    """The run's final state when the step is recorded: what, where, which day."""
    line = f"{done} (on {on:%a} {on.day} {on:%b %Y}); the case's run: {woken}"
    get_run_logger().info("%s", line)
    return Completed(message=line)


def invalid(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "form"
    return f"{where}: {first['msg']} (R-G3)"


def record(
    reference: str,
    build: Callable[[], Event],
    recorded_by: str,
    late_reason: LateReason | None = None,
) -> Any:
    """Record the step as of now (its ``on`` may be an earlier day: it takes its place in the
    case's story), then wake the case's run so it acts on it at once."""
    try:
        person_id(recorded_by)  # R-G2: stamped by the sign-in layer, or the service's
        event = build()
    except ValidationError as error:
        return rejected(invalid(error))
    except RejectedEvent as refused:
        return rejected(str(refused))
    moment = now_london()
    done = store.record_event(reference, event, recorded_by, Source.UI, moment, late_reason)
    if isinstance(done, store.Refused):
        return rejected(done.line)
    woken = wake_run_after_recording(reference, moment, moment)
    return recorded(done, event.on, woken.action.value)
