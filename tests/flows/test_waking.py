"""What the clock and a manual step do with a case's run, given its state; and the clock's time."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import uuid4

import pytest
from prefect.client.schemas.objects import FlowRun, State, StateType

from flows.clock_source import LONDON, as_of_moment
from flows.suspend_keys import SuspendKey, latest, parse
from tasks.artifacts import artifact_key
from tasks.run_policy import WakeAction, decide, lost_from

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=LONDON)
STALE = timedelta(minutes=30)


@pytest.mark.parametrize(
    ("state", "since", "action"),
    [
        (None, None, WakeAction.START),  # the store knows no run, or Prefect lost it
        (StateType.PAUSED, NOW - timedelta(days=20), WakeAction.RESUME),
        (StateType.FAILED, NOW, WakeAction.START),
        (StateType.CRASHED, NOW, WakeAction.START),
        (StateType.CANCELLED, NOW, WakeAction.START),  # a runner shut down after a suspend
        (StateType.COMPLETED, NOW, WakeAction.DONE),
        (StateType.SCHEDULED, NOW - timedelta(minutes=1), WakeAction.AWAKE),
        (StateType.SCHEDULED, NOW - timedelta(hours=3), WakeAction.AWAKE),  # queued in the pool
        (StateType.RUNNING, NOW - timedelta(minutes=5), WakeAction.AWAKE),
        (StateType.RUNNING, NOW - timedelta(hours=2), WakeAction.START),  # lost mid-wake
        (StateType.PENDING, NOW - timedelta(hours=2), WakeAction.START),
        (StateType.CANCELLING, NOW, WakeAction.AWAKE),
    ],
)
def test_the_wake_decision_follows_the_runs_state(
    state: StateType | None, since: datetime | None, action: WakeAction
) -> None:
    assert decide(state, since, NOW, STALE) == action


def test_suspend_keys_round_trip_and_the_latest_is_by_wake_number() -> None:
    assert parse(str(SuspendKey(12, 40))) == SuspendKey(12, 40)
    assert latest({"wake-9-seq-30", "wake-10-seq-31", "wake-2-seq-99"}) == SuspendKey(10, 31)
    assert latest(set()) is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2025-03-10", datetime(2025, 3, 10, 12, 0, tzinfo=LONDON)),
        (date(2025, 7, 1), datetime(2025, 7, 1, 12, 0, tzinfo=LONDON)),
        ("2025-07-01T08:15", datetime(2025, 7, 1, 8, 15, tzinfo=LONDON)),
        ("2025-07-01T08:15:00+00:00", datetime(2025, 7, 1, 9, 15, tzinfo=LONDON)),
    ],
)
def test_as_of_is_london_time_and_a_bare_date_means_midday(
    given: str | date, expected: datetime
) -> None:
    moment = as_of_moment(given)
    assert moment == expected and moment.utcoffset() == expected.utcoffset()


def test_no_as_of_means_now_in_london() -> None:
    assert as_of_moment(None).tzinfo == LONDON


def test_artifact_keys_are_what_prefect_accepts() -> None:
    assert artifact_key("case", "LA/2025_07.1", "timeline") == "case-la-2025-07-1-timeline"


def _run(reference: str, state: StateType, since: datetime) -> FlowRun:
    return FlowRun(
        id=uuid4(),
        flow_id=uuid4(),
        name=reference,
        parameters={"reference": reference},
        state=State(type=state, timestamp=since),
    )


def test_the_clock_replaces_a_cases_current_run_that_is_gone_or_lost_even_if_not_due() -> None:
    crashed = _run("CP-1", StateType.CRASHED, NOW - timedelta(hours=3))
    failed_old = _run("CP-2", StateType.FAILED, NOW - timedelta(hours=5))  # replaced already
    stuck = _run("CP-3", StateType.RUNNING, NOW - timedelta(hours=2))
    stuck_replaced = _run("CP-4", StateType.RUNNING, NOW - timedelta(hours=2))
    busy = _run("CP-5", StateType.RUNNING, NOW - timedelta(minutes=2))
    current = {"CP-1": str(crashed.id), "CP-2": "a-newer-run", "CP-3": str(stuck.id)}
    current |= {"CP-4": "its-replacement", "CP-5": str(busy.id)}
    found = lost_from(
        [crashed, failed_old, stuck, stuck_replaced, busy, crashed], current.get, NOW, STALE
    )
    lost, replaced = found.cases, found.retire
    assert [(c.reference, c.flow_run_id) for c in lost] == [
        ("CP-1", str(crashed.id)),
        ("CP-3", str(stuck.id)),
    ]
    assert replaced == [stuck_replaced.id]  # a gone run that was replaced is left alone
