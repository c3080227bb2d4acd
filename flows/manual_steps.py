"""The meetings' and visits' manual steps as deployments: each a form in the Prefect UI.

A core group held, cancelled or moved, its minutes, a visit, an agency's report. Each is
recorded as of now through ``flows/recording.py`` (the use case the command line uses too),
then the case's run is woken to act on it at once; a step the rules refuse ends Rejected.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, Literal

from prefect import flow

from domain.events import (
    AgencyReportReceived,
    Attendance,
    CoreGroupCancelled,
    CoreGroupHeld,
    CoreGroupRescheduled,
    MinutesCirculated,
    Slug,
    VisitMade,
)
from domain.recording import LateReason
from flows.clock_source import LONDON
from flows.duty_steps import DUTY_STEPS
from flows.forms import (
    Recommendation,
    RecordedBy,
    Reference,
    ask,
    ask_day,
    ask_late_reason,
    ask_meeting,
    ask_member,
    ask_members,
    ask_on,
    ask_recorded_by,
    ask_reference,
)
from flows.recording import record


@flow(name="record-core-group-held", flow_run_name="core-group-{reference}", persist_result=False)
def record_core_group_held(
    reference: Reference = ask_reference(),
    on: date = ask_on("the core group met"),
    meeting: Slug = ask_meeting(),
    chair: Slug = ask_member("Chair", "The lead professional or their manager (R-M1)"),
    minute_taker: Slug = ask_member("Minute taker", "Never the chair (R-M2)"),
    recorded_by: RecordedBy = ask_recorded_by(),
    late_reason: LateReason | None = ask_late_reason(),
    present: tuple[Slug, ...] = ask_members("Present", "Who came (R-M3)"),
    apologies: tuple[Slug, ...] = ask_members("Apologies", "Who sent apologies (R-M3)"),
    reports_received: tuple[Slug, ...] = ask_members(
        "Reports received", "Written reports from those absent (R-M3)"
    ),
    next_dates: tuple[date, ...] = ask(
        "Next core groups", "The dates agreed (R-M7), YYYY-MM-DD", ()
    ),
    recommendation: Recommendation = ask(
        "Recommendation to the review", "The last core group's, before a review (R-T17)", "none"
    ),
    disagreement: bool = ask(
        "Professional disagreement", "Raised at the meeting: the TM hears (R-E4)", False
    ),
    absent: tuple[Slug, ...] = ask_members("Absent", "Who did not come (R-M3, R-M4)"),
    vice_chair: Slug | None = ask_member("Vice chair", "Appointed to stand in (R-M1, 004)", None),
    contingency_plan: bool = ask(
        "Contingency plan", "The detailed plan holds one (R-P6, 003 §1.3.6)", False
    ),
) -> Any:
    """A core group held: who came, who chaired and minuted it, the next dates agreed."""
    return record(reference, lambda: CoreGroupHeld(
        on=on, meeting=meeting, chair=chair, minute_taker=minute_taker,
        attendance=Attendance(present=present, apologies=apologies,
                              reports_received=reports_received, absent=absent),
        next_dates=next_dates,
        recommendation=None if recommendation == "none" else recommendation,
        disagreements=("a professional disagreement was recorded",) if disagreement else (),
        vice_chair=vice_chair,
        contingency_plan="agreed at the core group" if contingency_plan else None,
    ), recorded_by, late_reason)  # fmt: skip


@flow(name="record-core-group-cancelled", flow_run_name="core-group-cancelled-{reference}",
      persist_result=False)  # fmt: skip
def record_core_group_cancelled(
    reference: Reference = ask_reference(),
    on: date = ask_on("it was called off"),
    meeting: Slug = ask_meeting(),
    at: time = ask("At", "When it was called off, HH:MM (R-T16 counts from it)"),
    recorded_by: RecordedBy = ask_recorded_by(),
    late_reason: LateReason | None = ask_late_reason(),
    present: tuple[Slug, ...] = ask_members("Present", "Who came"),
) -> Any:
    """R-M5: a core group judged inquorate and cancelled; R-T16 applies."""
    return record(reference, lambda: CoreGroupCancelled(
        on=on, meeting=meeting, at=datetime.combine(on, at, LONDON), present=present
    ), recorded_by, late_reason)  # fmt: skip


@flow(name="record-core-group-moved", flow_run_name="core-group-moved-{reference}",
      persist_result=False)  # fmt: skip
def record_core_group_moved(
    reference: Reference = ask_reference(),
    on: date = ask_on("it was moved"),
    meeting: Slug = ask_meeting(),
    to: date = ask_day("New date", "The day it moves to (R-M6)"),
    recorded_by: RecordedBy = ask_recorded_by(),
    late_reason: LateReason | None = ask_late_reason(),
) -> Any:
    """R-M6: a core group rescheduled; a new date past its deadline is reported at once."""
    return record(
        reference,
        lambda: CoreGroupRescheduled(on=on, meeting=meeting, date=to),
        recorded_by,
        late_reason,
    )


@flow(name="record-minutes", flow_run_name="minutes-{reference}", persist_result=False)
def record_minutes(
    reference: Reference = ask_reference(),
    on: date = ask_on("they went out"),
    meeting: Slug = ask_meeting(),
    recorded_by: RecordedBy = ask_recorded_by(),
    late_reason: LateReason | None = ask_late_reason(),
    copied_to: tuple[Literal["qa_manager", "conference_chair"], ...] = ask(
        "Also sent to", "Where the profile asks (R-T18)", ()
    ),
) -> Any:
    """R-T5: the core group's minutes and updated plan circulated."""
    return record(
        reference, lambda: MinutesCirculated(on=on, meeting=meeting, copied_to=copied_to),
        recorded_by, late_reason,
    )  # fmt: skip


@flow(name="record-visit", flow_run_name="visit-{reference}", persist_result=False)
def record_visit(
    reference: Reference = ask_reference(),
    on: date = ask_on("of the visit"),
    visitor: Slug = ask_member("Visitor", "Who visited"),
    recorded_by: RecordedBy = ask_recorded_by(),
    late_reason: LateReason | None = ask_late_reason(),
    children_seen: tuple[Slug, ...] = ask("Children seen", "Child ids (R-T11)", ()),
    seen_alone: tuple[Slug, ...] = ask("Seen alone", "Child ids; babies: awake (R-T12)", ()),
    bedroom_seen: tuple[Slug, ...] = ask("Bedroom seen", "Child ids (R-T13)", ()),
    no_access: bool = ask("No access", "Nobody was seen (R-V2)", False),
    refused_seen_alone: bool = ask("Seeing alone refused", "By the parents (R-V3)", False),
) -> Any:
    """R-V1: a statutory visit."""
    return record(reference, lambda: VisitMade(
        on=on, visitor=visitor, children_seen=children_seen, seen_alone=seen_alone,
        bedroom_seen=bedroom_seen, no_access=no_access, refused_seen_alone=refused_seen_alone,
    ), recorded_by, late_reason)  # fmt: skip


@flow(name="record-agency-report", flow_run_name="report-{reference}", persist_result=False)
def record_agency_report(
    reference: Reference = ask_reference(),
    on: date = ask_on("it arrived"),
    sent_by: Slug = ask_member("From", "The professional member whose report it is (R-T9)"),
    recorded_by: RecordedBy = ask_recorded_by(),
    late_reason: LateReason | None = ask_late_reason(),
    for_core_group: Slug | None = ask(
        "For a core group", "Its id, if the report is for a core group it misses (R-M3)", None
    ),
) -> Any:
    """R-T9: an agency's written report for the review conference (or, R-M3, for a core group
    the member cannot attend) arrived."""
    return record(reference, lambda: AgencyReportReceived(
        on=on, member=sent_by, meeting=for_core_group
    ), recorded_by, late_reason)  # fmt: skip


MANUAL_STEPS = (
    *DUTY_STEPS,
    record_core_group_held,
    record_core_group_cancelled,
    record_core_group_moved,
    record_minutes,
    record_visit,
    record_agency_report,
)
