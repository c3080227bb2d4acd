"""The lost-run check (flows/lost_runs.py): a run that stops giving signs of life is set
Crashed by the Prefect server, whatever stopped it; one that sleeps or ends never is.
(Measured with a worker killed mid-burst: tests/e2e/test_failover.py.)"""

from __future__ import annotations

from datetime import timedelta

from prefect.client.schemas.objects import StateType

from flows.lost_runs import SIGNS_OF_LIFE, lost_runs_automation


def test_a_run_taken_started_or_beating_must_give_another_sign_within_the_window() -> None:
    automation = lost_runs_automation(timedelta(seconds=75))
    trigger = automation.trigger
    assert trigger.posture.value == "Proactive" and trigger.threshold == 1
    assert trigger.within == timedelta(seconds=75)
    assert set(trigger.for_each) == {"prefect.resource.id"}  # one window per run
    for sign in ("Pending", "Submitting", "Running", "heartbeat"):
        assert f"prefect.flow-run.{sign}" in trigger.after
    assert trigger.expect == {"prefect.flow-run.*"}  # any state or beat answers it
    [crash] = automation.actions
    assert crash.state is StateType.CRASHED and "75 s" in (crash.message or "")


def test_a_run_asleep_or_ended_opens_no_window() -> None:
    """A suspended case run holds no process and no slot: it must never be taken for lost."""
    for state in ("Suspended", "Paused", "Completed", "Failed", "Crashed", "Cancelled",
                  "Scheduled", "Late", "AwaitingConcurrencySlot", "Resuming"):  # fmt: skip
        assert f"prefect.flow-run.{state}" not in SIGNS_OF_LIFE


def test_only_runs_a_worker_started_are_watched() -> None:
    trigger = lost_runs_automation().trigger
    assert trigger.match_related.root == {"prefect.resource.role": "deployment"}
    assert trigger.match.root == {"prefect.resource.id": "prefect.flow-run.*"}
