"""What to do with a case's flow run: pure decisions over its state, no Prefect calls.

``tasks/run_control.py`` carries them out through the Prefect API.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from prefect.client.schemas.objects import FlowRun, StateType

from domain.store import DueCase

AWAKE = frozenset({StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING})
CLAIMED = frozenset({StateType.PENDING, StateType.RUNNING})  # a worker has taken it
GONE = frozenset({StateType.FAILED, StateType.CRASHED, StateType.CANCELLED})


class WakeAction(StrEnum):
    RESUME = "resume"  # suspended: resume it with the wake's as_of
    START = "start"  # missing, failed, crashed, cancelled or stale: a new run from the store
    AWAKE = "awake"  # scheduled, pending or running: it will read the store itself
    DONE = "done"  # completed: the plan has ended (R-LC2), nothing to wake


def decide(
    state_type: StateType | None,
    state_since: datetime | None,
    now: datetime,
    stale_after: timedelta,
) -> WakeAction:
    """What to do with a case whose wake has come, given its run's state."""
    if state_type is None or state_type in GONE:
        return WakeAction.START
    if state_type == StateType.PAUSED:
        return WakeAction.RESUME
    if state_type == StateType.COMPLETED:
        return WakeAction.DONE
    if state_type in CLAIMED and state_since is not None and now - state_since > stale_after:
        # A worker lost mid-wake leaves its run RUNNING for ever (no process to report). A
        # SCHEDULED run is never stale: it waits its turn in the work pool, however long the
        # morning's queue of resumed runs.
        return WakeAction.START
    return WakeAction.AWAKE


@dataclass(frozen=True)
class Lost:
    """The cases whose current run must be replaced, and older awake runs to retire."""

    cases: list[DueCase]
    retire: list[UUID]


def lost_from(
    runs: Iterable[FlowRun],
    current_run_of: Callable[[str], str | None],
    now: datetime,
    stale_after: timedelta,
) -> Lost:
    """A gone or stale run that is still its case's current run: the case needs a new one.
    One that is no longer current was replaced already: left alone if it ended, retired if
    it is still awake (it must never come back and race its replacement)."""
    lost: dict[str, DueCase] = {}
    retire: list[UUID] = []
    for run in runs:
        reference = run.parameters.get("reference")
        if not reference or run.state is None:
            continue
        if decide(run.state.type, run.state.timestamp, now, stale_after) != WakeAction.START:
            continue
        if current_run_of(str(reference)) == str(run.id):
            lost[str(reference)] = DueCase(str(reference), now, str(run.id))
        elif run.state.type in AWAKE:
            retire.append(run.id)
    return Lost(list(lost.values()), retire)
