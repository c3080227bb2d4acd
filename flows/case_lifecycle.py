"""One long-running flow run per case: wake, act on what is due, publish, sleep.

Each execution of the body is ONE wake (see flows/suspend_keys.py): take the latest resume
input only, read the store as it is now, derive as of the wake's ``as_of``, write what is
due to the outbox (exactly once by its idempotency keys, R-E1), deliver, publish the
timeline, move the next wake, and suspend with no timeout. A suspended run holds no process.
Nothing is cached by Prefect: the store is the truth, and a resumed run must see it as it is.
When the plan has ended (R-LC2, R-LC2a) the run completes.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from prefect import flow, get_run_logger
from prefect.context import FlowRunContext
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput
from pydantic import Field

from domain.events import Event
from domain.store import Source, Standing
from flows.clock_source import as_of_moment
from flows.suspend_keys import FIRST, SuspendKey, latest
from tasks import store
from tasks.artifacts import publish_case_artifacts
from tasks.delivery import deliver_notices


class CaseWake(RunInput):
    """The case run's resume form: what the clock sends, and what an admin may fill in."""

    as_of: str | None = Field(
        default=None, description="ISO date or date-time (Europe/London); empty means now"
    )
    event: Event | None = Field(default=None, description="An event to record before the wake")
    recorded_by: str = Field(default="", description="Who is recording the event (R-G2)")


@dataclass(frozen=True)
class WakeOutcome:
    reference: str
    as_of: datetime
    closed: bool
    suspended_as: SuspendKey | None


class CaseSteps(Protocol):
    """The side effects of a wake, in the order a wake performs them."""

    def resumed_with(self, key: SuspendKey) -> CaseWake: ...
    def adopt(self, reference: str) -> None: ...
    def record(self, reference: str, wake: CaseWake, as_of: datetime) -> None: ...
    def refresh(self, reference: str, as_of: datetime) -> Standing: ...
    def deliver(self, as_of: datetime) -> int: ...
    def publish(self, reference: str, as_of: datetime) -> int: ...
    def suspend(self, key: SuspendKey) -> None: ...


def wake_cycle(reference: str, as_of: str | None, fired: set[str], steps: CaseSteps) -> WakeOutcome:
    """The body of one execution of a case run, given the suspend keys it has fired so far."""
    resumed_from = latest(fired)
    wake = steps.resumed_with(resumed_from) if resumed_from else CaseWake(as_of=as_of)
    moment = as_of_moment(wake.as_of)
    if resumed_from is None:
        steps.adopt(reference)  # a first or healed run: the store points here from now on
    if wake.event is not None:
        steps.record(reference, wake, moment)
    standing = steps.refresh(reference, moment)
    steps.deliver(moment)
    seq = steps.publish(reference, moment)
    if standing.closed:
        return WakeOutcome(reference, moment, True, None)
    key = (resumed_from or FIRST).next(seq)
    steps.suspend(key)
    return WakeOutcome(reference, moment, False, key)


class PrefectCaseSteps:
    """The real side effects: store tasks, delivery, artifacts, and Prefect's suspend."""

    def __init__(self, flow_run_id: str) -> None:
        self.flow_run_id = flow_run_id

    def resumed_with(self, key: SuspendKey) -> CaseWake:
        # A key that has fired is not suspended again: Prefect returns its input.
        return suspend_flow_run(wait_for_input=CaseWake, key=str(key))

    def adopt(self, reference: str) -> None:
        store.adopt_run(reference, self.flow_run_id)

    def record(self, reference: str, wake: CaseWake, as_of: datetime) -> None:
        assert wake.event is not None
        store.record_event(reference, wake.event, wake.recorded_by or "ui", Source.UI, as_of)

    def refresh(self, reference: str, as_of: datetime) -> Standing:
        standing = store.wake_case(reference, as_of)
        # Fault injection for the end-to-end tests only: hold the wake here, outbox written
        # and nothing delivered, so a test can kill the worker mid-wake deterministically.
        time.sleep(float(os.environ.get("CPO_FAULT_HOLD_WAKE_SECONDS", "0")))
        return standing

    def deliver(self, as_of: datetime) -> int:
        # At-least-once from the outbox: a failed delivery leaves its rows pending and
        # visible for the next wake; it must not stop this case from going back to sleep.
        state = deliver_notices(as_of, return_state=True)
        if not state.is_completed():
            get_run_logger().warning("Delivery failed; outbox rows stay pending")
            return 0
        return int(state.result())

    def publish(self, reference: str, as_of: datetime) -> int:
        view, journal = store.read_case(reference, as_of)
        notices = store.read_case_notices(reference)
        publish_case_artifacts(reference, as_of, journal, view.obligations, notices, view.review)
        return journal[-1].seq if journal else 0

    def suspend(self, key: SuspendKey) -> None:
        # No timeout: a case sleeps for weeks, and the pause-expiration service is off.
        suspend_flow_run(wait_for_input=CaseWake, key=str(key))


def fired_suspend_keys() -> tuple[str, set[str]]:
    context = FlowRunContext.get()
    assert context is not None and context.flow_run is not None
    run = context.flow_run
    return str(run.id), set(run.empirical_policy.pause_keys or ())


@flow(name="case-lifecycle", flow_run_name="{reference}", persist_result=False)
def case_lifecycle(reference: str, as_of: str | None = None) -> str:
    """The case's run. ``as_of`` (ISO, Europe/London) applies to its first wake only; later
    wakes take theirs from the resume input."""
    flow_run_id, fired = fired_suspend_keys()
    outcome = wake_cycle(reference, as_of, fired, PrefectCaseSteps(flow_run_id))
    get_run_logger().info("Case %s: plan ended as of %s", reference, outcome.as_of.date())
    return f"{reference}: plan ended"
