"""Admins' steps as deployments: each a typed parameter form in the Prefect UI.

Every form is an event model of domain/events.py (JSON: dates are ISO dates), plus who is
recording it (R-G2) and an optional ``as_of``. Each flow records through the use case
(``services.cases``: the domain validates, the store appends; a rejected step fails the run
with the field, rule and message, and writes nothing: R-G3), then wakes the case's run.
``cpo record ...`` calls the same use cases.
"""

from __future__ import annotations

from typing import Annotated

from prefect import flow
from pydantic import Field

from domain.events import (
    AgencyReportReceived,
    ConferenceHeld,
    CoreGroupCancelled,
    CoreGroupHeld,
    CoreGroupRescheduled,
    CoverEnded,
    CoverStarted,
    EscalationAcknowledged,
    Event,
    MinutesCirculated,
    PlanEnded,
    ReviewBooked,
    ReviewBroughtForward,
    VisitMade,
)
from domain.store import Source
from flows.clock_source import as_of_moment, now_london
from tasks import store
from tasks.run_control import start_case_run, wake_run_after_recording

Reference = Annotated[str, Field(min_length=1, max_length=64, description="Case reference")]
RecordedBy = Annotated[str, Field(min_length=1, description="Who is recording this (R-G2)")]
AsOf = Annotated[
    str | None, Field(description="ISO date or date-time, Europe/London; empty means now")
]
CoreGroupOutcome = Annotated[
    CoreGroupHeld | CoreGroupCancelled | CoreGroupRescheduled, Field(discriminator="type")
]
Cover = Annotated[CoverStarted | CoverEnded, Field(discriminator="type")]


def record(reference: str, event: Event, recorded_by: str, as_of: str | None) -> str:
    """Record the step, then wake the case's run so it acts on it at once."""
    moment = as_of_moment(as_of)
    recorded = store.record_event(reference, event, recorded_by, Source.UI, moment)
    woken = wake_run_after_recording(reference, moment, now_london())
    return f"{recorded}; its run: {woken.action.value}"


@flow(name="open-case", flow_run_name="open-{reference}", persist_result=False)
def open_case(
    reference: Reference,
    team: Annotated[str, Field(min_length=1)],
    conference: ConferenceHeld,
    recorded_by: RecordedBy,
    profile: str = "england",
    as_of: AsOf = None,
) -> str:
    """R-LC1: record the ICPC that decided on a plan, and start the case's run."""
    moment = as_of_moment(as_of)
    recorded = store.open_case(reference, team, profile, conference, recorded_by, Source.UI, moment)
    start_case_run(reference, moment, previous=None)
    return f"{recorded}; its run: start"


@flow(name="record-conference", flow_run_name="conference-{reference}", persist_result=False)
def record_conference(
    reference: Reference, conference: ConferenceHeld, recorded_by: RecordedBy, as_of: AsOf = None
) -> str:
    """R-LC2: a review conference continues the plan or ends it."""
    return record(reference, conference, recorded_by, as_of)


@flow(name="record-core-group", flow_run_name="core-group-{reference}", persist_result=False)
def record_core_group(
    reference: Reference, outcome: CoreGroupOutcome, recorded_by: RecordedBy, as_of: AsOf = None
) -> str:
    """A core group held, cancelled as inquorate (R-M5) or rescheduled (R-M6)."""
    return record(reference, outcome, recorded_by, as_of)


@flow(name="record-minutes", flow_run_name="minutes-{reference}", persist_result=False)
def record_minutes(
    reference: Reference, minutes: MinutesCirculated, recorded_by: RecordedBy, as_of: AsOf = None
) -> str:
    """R-T5: the core group's minutes and updated plan circulated."""
    return record(reference, minutes, recorded_by, as_of)


@flow(name="record-visit", flow_run_name="visit-{reference}", persist_result=False)
def record_visit(
    reference: Reference, visit: VisitMade, recorded_by: RecordedBy, as_of: AsOf = None
) -> str:
    """R-V1: a statutory visit."""
    return record(reference, visit, recorded_by, as_of)


@flow(name="record-agency-report", flow_run_name="report-{reference}", persist_result=False)
def record_agency_report(
    reference: Reference, report: AgencyReportReceived, recorded_by: RecordedBy, as_of: AsOf = None
) -> str:
    """R-T9: an agency's written report for the review conference arrived."""
    return record(reference, report, recorded_by, as_of)


@flow(name="book-review", flow_run_name="book-review-{reference}", persist_result=False)
def book_review(
    reference: Reference, booking: ReviewBooked, recorded_by: RecordedBy, as_of: AsOf = None
) -> str:
    """R-T7 / R-T8: book (or book again) the next review conference inside its timescale."""
    return record(reference, booking, recorded_by, as_of)


@flow(name="bring-review-forward", flow_run_name="review-forward-{reference}", persist_result=False)
def bring_review_forward(
    reference: Reference, change: ReviewBroughtForward, recorded_by: RecordedBy, as_of: AsOf = None
) -> str:
    """R-E3: the TM brings the review forward; every dependent deadline moves."""
    return record(reference, change, recorded_by, as_of)


@flow(name="acknowledge-escalation", flow_run_name="acknowledge-{reference}", persist_result=False)
def acknowledge_escalation(
    reference: Reference,
    acknowledgement: EscalationAcknowledged,
    recorded_by: RecordedBy,
    as_of: AsOf = None,
) -> str:
    """R-E6: stops the ladder climbing for that obligation."""
    return record(reference, acknowledgement, recorded_by, as_of)


@flow(name="lp-cover", flow_run_name="cover-{reference}", persist_result=False)
def lp_cover(
    reference: Reference, cover: Cover, recorded_by: RecordedBy, as_of: AsOf = None
) -> str:
    """R-E5: start or end cover for the lead professional."""
    return record(reference, cover, recorded_by, as_of)


@flow(name="end-plan", flow_run_name="end-plan-{reference}", persist_result=False)
def end_plan(
    reference: Reference, ending: PlanEnded, recorded_by: RecordedBy, as_of: AsOf = None
) -> str:
    """R-LC2a: a plan ends without a conference; pending obligations are discharged."""
    return record(reference, ending, recorded_by, as_of)


MANUAL_STEPS = (
    open_case,
    record_conference,
    record_core_group,
    record_minutes,
    record_visit,
    record_agency_report,
    book_review,
    bring_review_forward,
    acknowledge_escalation,
    lp_cover,
    end_plan,
)
