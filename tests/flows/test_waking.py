"""What the clock and a manual step do with a case's run, given its state; and the clock's time."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import uuid4

import pytest
from prefect.client.schemas.objects import FlowRun, State, StateType

from domain.store import OverdueCase
from flows.clock_source import LONDON, as_of_moment
from flows.suspend_keys import SuspendKey, latest, parse
from services.clock import Caseload
from tasks.artifacts import artifact_key, caseload_markdown
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


def caseload(by_team: dict[str, dict[str, int]], *cases: OverdueCase, failing=()) -> Caseload:
    return Caseload(NOW, by_team, list(cases), len(failing), list(failing))


def test_the_caseload_overview_counts_overdue_by_team_and_rung_in_the_ladders_order() -> None:
    late = OverdueCase("CP-9", "team-north", 3, date(2025, 3, 3), "escalation_tm", None)
    text = caseload_markdown(caseload({"team-north": {"missed": 2, "escalation_tm": 1}}, late))
    assert "| team | missed | escalation tm | total |" in text
    assert "| team-north | 2 | 1 | 3 |" in text
    assert "| CP-9 | team-north | 3 | 2025-03-03 | escalation tm |" in text
    assert "Nothing overdue" in caseload_markdown(caseload({}))


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


def test_staff_see_every_notice_not_delivered_with_its_error() -> None:
    from datetime import UTC

    from domain.dispatch import Dispatch, Recipient, RecipientRole, Rung
    from domain.store import OutboxEntry
    from domain.store.tables import OutboxStatus
    from tasks.artifacts import timeline_markdown

    def entry(n: int, status: OutboxStatus, error: str | None = None) -> OutboxEntry:
        dispatch = Dispatch(
            case_reference="CP-1", team="north", profile="england", obligation=f"R-T5:cg-{n}",
            rule="R-T5", rung=Rung.MISSED, template="missed", title="Minutes circulated",
            subject=f"core group cg-{n}", owner_role="lead_professional", owner="sw",
            due=date(2025, 3, 3), overdue_since=date(2025, 3, 4),
            fires_at=datetime(2025, 3, 4, 8, tzinfo=UTC), action="Circulate",
            recipients=(Recipient(role=RecipientRole.TEAM_MANAGER),),
        )  # fmt: skip
        return OutboxEntry(
            dispatch.idempotency_key, dispatch, status, 1, error, None, None,
            datetime(2025, 3, 4, 8, tzinfo=UTC),
        )  # fmt: skip

    failing = entry(1, OutboxStatus.FAILED, "team_manager:north: no valid endpoint")
    delivered = [entry(n, OutboxStatus.DELIVERED) for n in range(2, 40)]
    text = timeline_markdown("CP-1", NOW, [], [], [failing, *delivered])
    assert "**not delivered** after 1 attempt(s), retry no: team_manager:north" in text
    assert text.count("| delivered |") == 15  # the latest delivered ones, not all 38
    overview = caseload_markdown(Caseload(NOW, {}, [], 3, [failing]))
    assert "**3 notice(s) not delivered**" in overview and "| CP-1 |" in overview
