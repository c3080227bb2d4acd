"""One long-running flow run per case: wake, act on what is due, publish, sleep.

Each execution of the body is ONE wake (see flows/suspend_keys.py): take the latest resume
input only, record an acknowledgement chosen in the resume form (R-E6) before anything else,
wake the case through its use case (queue what is due exactly once by key, R-E1; move its
next wake; write its read model), deliver, publish the case page, set the run's tags and
state message from its drift, and suspend with no timeout, waiting for the form built from
the escalations then open. A suspended run holds no process. Nothing is cached by Prefect:
the store is the truth. When the plan has ended (R-LC2, R-LC2a) the run completes.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from prefect import flow, get_run_logger
from prefect.client.orchestration import get_client
from prefect.context import FlowRunContext
from prefect.flow_runs import suspend_flow_run
from pydantic import ValidationError

from domain.events import EscalationAcknowledged, EventVoided
from domain.store import Source, Standing
from flows.case_form import CaseWake, acknowledgement_form
from flows.clock_source import as_of_moment
from flows.suspend_keys import FIRST, SuspendKey, latest
from flows.suspending import suspend_with
from notifications.settings import case_link
from services.case_page import CasePage
from services.run_labels import RunLabel, label_of, team_of, with_label
from tasks import store
from tasks.artifacts import publish_case_artifacts
from tasks.delivery import deliver_notices


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
    def acknowledge(self, reference: str, chosen: tuple[str, str], as_of: datetime) -> None: ...
    def void(
        self, reference: str, chosen: tuple[int, str, str], person: str, as_of: datetime
    ) -> None: ...
    def refresh(self, reference: str, as_of: datetime) -> Standing: ...
    def deliver(self, as_of: datetime) -> int: ...
    def publish(self, reference: str, as_of: datetime) -> CasePage: ...
    def label(self, page: CasePage, is_open: bool) -> RunLabel: ...
    def suspend(self, key: SuspendKey, page: CasePage, label: RunLabel) -> None: ...


def wake_cycle(reference: str, as_of: str | None, fired: set[str], steps: CaseSteps) -> WakeOutcome:
    """The body of one execution of a case run, given the suspend keys it has fired so far."""
    resumed_from = latest(fired)
    wake = steps.resumed_with(resumed_from) if resumed_from else CaseWake(as_of=as_of)
    moment = as_of_moment(wake.as_of)
    if resumed_from is None:
        steps.adopt(reference)  # a first or healed run: the store points here from now on
    chosen = wake.acknowledgement()
    if chosen is not None:
        steps.acknowledge(reference, chosen, moment)
    correction = wake.correction()
    if correction is not None:
        steps.void(reference, correction, wake.acting_person or "", moment)
    standing = steps.refresh(reference, moment)
    steps.deliver(moment)
    page = steps.publish(reference, moment)
    label = steps.label(page, not standing.closed)
    if standing.closed:
        return WakeOutcome(reference, moment, True, None)
    key = (resumed_from or FIRST).next(page.seq)
    steps.suspend(key, page, label)
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

    def acknowledge(self, reference: str, chosen: tuple[str, str], as_of: datetime) -> None:
        # R-E6: the acknowledger is the person who answered the form, as the sign-in layer
        # stamped them (never a choice in the form); the store checks the profile allows them.
        key, person = chosen
        try:
            event = EscalationAcknowledged(on=as_of.date(), obligation=key, by=person)
        except ValidationError:
            get_run_logger().warning("The acknowledgement was not recorded: no signed-in person")
            return
        done = store.record_event(reference, event, person, Source.UI, as_of)
        if isinstance(done, store.Refused):  # not theirs to acknowledge, or met since the form
            get_run_logger().warning("The acknowledgement was not recorded: %s", done.line)

    def void(
        self, reference: str, chosen: tuple[int, str, str], person: str, as_of: datetime
    ) -> None:
        # R-G3: on the team manager's authority, chosen in the form; recorded by the person
        # who answered it, as the sign-in layer stamped them (R-G2).
        from flows.recording import invalid  # only when a void was chosen

        seq, reason, by = chosen
        try:
            event = EventVoided(on=as_of.date(), voids=seq, reason=reason, authorised_by=by)
        except ValidationError as error:
            line = invalid(error)
        else:
            done = store.record_event(reference, event, person, Source.UI, as_of)
            line = done.line if isinstance(done, store.Refused) else ""
        if line:  # refused: said in one line, and the case wakes as it would anyway
            get_run_logger().warning("The void was not recorded: %s", line)

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
            get_run_logger().warning("Delivery failed; the notices stay queued for a retry")
            return 0
        return int(state.result())

    def publish(self, reference: str, as_of: datetime) -> CasePage:
        page = store.read_case_page(reference, as_of)
        publish_case_artifacts(page)
        return page

    def label(self, page: CasePage, is_open: bool) -> RunLabel:
        # The Runs page shows drift: tags to filter by (none once the plan has ended) ...
        with get_client(sync_client=True) as client:
            run = client.read_flow_run(UUID(self.flow_run_id))
            label = label_of(page.drift, team_of(run.tags), is_open)
            client.update_flow_run(run.id, tags=with_label(list(run.tags), label))
        if is_open:  # so the clock relabels it only when its drift changes again
            store.record_label(page.reference, self.flow_run_id, label.key(), page.as_of)
        return label

    def suspend(self, key: SuspendKey, page: CasePage, label: RunLabel) -> None:
        # ... and the suspended state's name and message say it in words.
        form = acknowledgement_form(page, case_link(page.reference))
        # No timeout: a case sleeps for weeks, and the pause-expiration service is off.
        suspend_with(str(key), form, label.message, name=label.state_name)


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
    get_run_logger().info(
        "Case %s: the plan ended; as of %s", reference, f"{outcome.as_of:%Y-%m-%d}"
    )
    return f"{reference}: plan ended"
