"""The case's manual steps as deployments: each a form in the Prefect UI.

Open a case from its initial conference (R-LC1), a review conference (R-LC2), book the
review (R-T7, R-T8) or bring it forward (R-E3), acknowledge an escalation (R-E6), cover for
the lead professional (R-E5), end a plan without a conference (R-LC2a). Each is recorded as
of now through ``flows/recording.py``, like ``flows/manual_steps.py``'s.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from prefect import flow
from pydantic import Field, ValidationError

from domain.events import (
    Child,
    ConferenceDecision,
    ConferenceHeld,
    ConferenceKind,
    CoverEnded,
    CoverStarted,
    EpisodeClosure,
    EscalationAcknowledged,
    EventVoided,
    Member,
    MemberRole,
    Outcome,
    PlanEnded,
    PlanEndReason,
    ReviewBooked,
    ReviewBroughtForward,
    Slug,
)
from domain.recording import LateReason
from domain.store import Source
from flows.clock_source import now_london
from flows.forms import (
    ChildOnPlan,
    EndReason,
    EpisodeEnd,
    ForwardReason,
    GroupMember,
    PlanOutcome,
    RecordedBy,
    Reference,
    Team,
    ask,
    ask_day,
    ask_late_reason,
    ask_member,
    ask_on,
    ask_profile,
    ask_recorded_by,
    ask_reference,
)
from flows.recording import invalid, record, recorded, rejected
from tasks import store
from tasks.run_control import start_case_run

EscalationKey = Annotated[str, Field(max_length=128, pattern=r"^R-[A-Z0-9]+[A-Za-z0-9:._-]*$")]


@flow(name="open-case", flow_run_name="open-{reference}", persist_result=False)
def open_case(
    reference: Reference = ask_reference(),
    team: Team = ask("Team", "The lead professional's team, e.g. team-north"),
    on: date = ask_on("of the initial conference (R-LC1)"),
    children: list[ChildOnPlan] = ask("Children on the plan", "Each child's id and category"),
    outcomes: list[PlanOutcome] = ask("Outline plan", "The outcomes the conference set (R-P1)"),
    members: list[GroupMember] = ask("Core group", "Every member: id, role and agency"),
    lead_professional: Slug = ask_member("Lead professional", "A qualified social worker"),
    team_manager: Slug = ask_member("Team manager", "The lead professional's manager"),
    chair: Slug = ask("Conference chair", "The chair's id"),
    first_core_group_on: date = ask_day("First core group", "Its date (R-T1)"),
    recorded_by: RecordedBy = ask_recorded_by(),
    late_reason: LateReason | None = ask_late_reason(),
    profile: str = ask_profile(),
    strategy_discussion_on: date | None = ask_day(
        "Strategy discussion", "The day the s47 enquiry started (R-T0)", None
    ),
    review_on: date | None = ask_day("Review booked for", "If booked now (R-T7)", None),
) -> Any:
    """R-LC1: the initial conference decided on a plan: open the case and start its run."""
    try:
        conference = ConferenceHeld(
            on=on, kind=ConferenceKind.INITIAL, decision=ConferenceDecision.PLAN,
            children=tuple(Child(id=c.id, category=c.category, seen_every_weeks=c.seen_every_weeks)
                           for c in children),
            outcomes=tuple(Outcome(id=o.id, text=o.text) for o in outcomes),
            members=tuple(Member(id=m.id, role=m.role, agency=m.agency) for m in members),
            lead_professional=lead_professional, team_manager=team_manager, chair=chair,
            first_cg_on=first_core_group_on, strategy_discussion_on=strategy_discussion_on,
            review_on=review_on,
        )  # fmt: skip
    except ValidationError as error:
        return rejected(invalid(error))
    moment = now_london()
    done = store.open_case(
        reference, team, profile, conference, recorded_by, Source.UI, moment, late_reason
    )
    if isinstance(done, store.Refused):
        return rejected(done.line)
    start_case_run(reference, moment, previous=None)
    return recorded(done, on, "start")


@flow(name="record-review-conference", flow_run_name="review-{reference}", persist_result=False)
def record_review_conference(
    reference: Reference = ask_reference(),
    on: date = ask_on("of the review conference"),
    decision: Literal["continue", "end"] = ask("Decision", "Continue the plan, or end it (R-LC2)"),
    chair: Slug = ask("Conference chair", "The chair's id"),
    recorded_by: RecordedBy = ask_recorded_by(),
    late_reason: LateReason | None = ask_late_reason(),
    first_core_group_on: date | None = ask_day(
        "First core group", "Needed if the plan continues (R-LC1)", None
    ),
    review_on: date | None = ask_day("Next review booked for", "If booked now (R-T8)", None),
    closure: EpisodeEnd | None = ask(
        "If the plan ends", "Child-in-need services continue, or why the episode closes", None
    ),
) -> Any:
    """R-LC2: a review conference continues the plan or ends it."""
    return record(reference, lambda: ConferenceHeld(
        on=on, kind=ConferenceKind.REVIEW, decision=ConferenceDecision(decision), chair=chair,
        first_cg_on=first_core_group_on, review_on=review_on,
        closure=EpisodeClosure(closure) if closure else None,
    ), recorded_by, late_reason)  # fmt: skip


@flow(name="book-review", flow_run_name="book-review-{reference}", persist_result=False)
def book_review(
    reference: Reference = ask_reference(),
    on: date = ask_on("it was booked"),
    review_on: date = ask_day("Review on", "Inside its timescale (R-T7, R-T8)"),
    recorded_by: RecordedBy = ask_recorded_by(),
    late_reason: LateReason | None = ask_late_reason(),
    chair_agreed: bool = ask(
        "Conference chair agreed", "To a booked date changing (003 §1.4.12)", False
    ),
) -> Any:
    """Book (or book again) the next review conference; reports count back from it."""
    return record(reference, lambda: ReviewBooked(
        on=on, date=review_on, chair_agreed=chair_agreed
    ), recorded_by, late_reason)  # fmt: skip


@flow(name="bring-review-forward", flow_run_name="review-forward-{reference}",
      persist_result=False)  # fmt: skip
def bring_review_forward(
    reference: Reference = ask_reference(),
    on: date = ask_on("the team manager decided"),
    to: date = ask_day("Brought forward to", "The new review date"),
    authorised_by: Slug = ask_member("Authorised by", "The team manager (R-E3)"),
    reason: ForwardReason = ask("Why", "What brings it forward (R-E3)"),
    recorded_by: RecordedBy = ask_recorded_by(),
    late_reason: LateReason | None = ask_late_reason(),
    chair_agreed: bool = ask(
        "Conference chair agreed", "After consulting the chair (R-E3, 003 §1.4.14)", False
    ),
) -> Any:
    """R-E3: the TM brings the review forward; every dependent deadline moves."""
    return record(reference, lambda: ReviewBroughtForward(
        on=on, to=to, authorised_by=authorised_by, reason=reason, chair_agreed=chair_agreed
    ), recorded_by, late_reason)  # fmt: skip


@flow(name="acknowledge-escalation", flow_run_name="acknowledge-{reference}",
      persist_result=False)  # fmt: skip
def acknowledge_escalation(
    reference: Reference = ask_reference(),
    on: date = ask_on("it was acknowledged"),
    obligation: EscalationKey = ask(
        "Escalation", "Its key, as the notice and the case page show it, e.g. R-T5:cg-p0-1"
    ),
    recorded_by: RecordedBy = ask_recorded_by(),
    late_reason: LateReason | None = ask_late_reason(),
) -> Any:
    """R-E6: stops the ladder climbing for that obligation; acknowledged by the person
    signed in, who must be the one the escalation went to."""
    return record(reference, lambda: EscalationAcknowledged(
        on=on, obligation=obligation, by=recorded_by
    ), recorded_by, late_reason)  # fmt: skip


@flow(name="start-cover", flow_run_name="cover-{reference}", persist_result=False)
def start_cover(
    reference: Reference = ask_reference(),
    on: date = ask_on("cover started"),
    cover: Slug = ask("Cover worker", "Their id; their contact is added from a terminal (R-E5)"),
    recorded_by: RecordedBy = ask_recorded_by(),
    late_reason: LateReason | None = ask_late_reason(),
    agency: str = ask("Agency", "The cover worker's agency", "Children's social care"),
) -> Any:
    """R-E5: the lead professional's notices go to the cover worker from now on."""
    return record(reference, lambda: CoverStarted(
        on=on, cover=Member(id=cover, role=MemberRole.LEAD_PROFESSIONAL, agency=agency)
    ), recorded_by, late_reason)  # fmt: skip


@flow(name="end-cover", flow_run_name="cover-ended-{reference}", persist_result=False)
def end_cover(
    reference: Reference = ask_reference(),
    on: date = ask_on("the lead professional came back"),
    recorded_by: RecordedBy = ask_recorded_by(),
    late_reason: LateReason | None = ask_late_reason(),
) -> Any:
    """R-E5: the lead professional is back."""
    return record(reference, lambda: CoverEnded(on=on), recorded_by, late_reason)


@flow(name="end-plan", flow_run_name="end-plan-{reference}", persist_result=False)
def end_plan(
    reference: Reference = ask_reference(),
    on: date = ask_on("the plan ended"),
    reason: EndReason = ask("Why", "How the plan ended without a conference (R-LC2a)"),
    team_manager: Slug = ask_member("Team manager", "Who records it (R-LC2a)"),
    recorded_by: RecordedBy = ask_recorded_by(),
    late_reason: LateReason | None = ask_late_reason(),
    children: tuple[Slug, ...] = ask("Children", "Child ids; leave empty for every child", ()),
    closure: EpisodeEnd | None = ask(
        "Child-in-need episode",
        "Services continue, or why it closes (needed after turning 18; the census's RC code)",
        None,
    ),
) -> Any:
    """R-LC2a: a plan ends without a conference; pending obligations are discharged."""
    return record(reference, lambda: PlanEnded(
        on=on, reason=PlanEndReason(reason), recorded_by=team_manager, children=children,
        closure=EpisodeClosure(closure) if closure else None,
    ), recorded_by, late_reason)  # fmt: skip


@flow(name="void-event", flow_run_name="void-{reference}", persist_result=False)
def void_event(
    reference: Reference = ask_reference(),
    voids: int = ask(
        "Event number", "The mistake's number (#) on the case page's timeline", ge=1, le=100_000
    ),
    reason: str = ask(
        "Why", "What was wrong, e.g. visit typed with the wrong date", min_length=1, max_length=500
    ),
    authorised_by: Slug = ask_member("Authorised by", "The team manager (R-G3)"),
    recorded_by: RecordedBy = ask_recorded_by(),
    on: date | None = ask_day("On", "The day it was voided; empty: today", None),
) -> Any:
    """R-G3: a mistake voided on the team manager's authority; it stays in the journal, struck
    through, and counts for nothing. Then record the real event."""
    day = on or now_london().date()
    return record(reference, lambda: EventVoided(
        on=day, voids=voids, reason=reason, authorised_by=authorised_by
    ), recorded_by)  # fmt: skip


CASE_STEPS = (
    open_case,
    record_review_conference,
    book_review,
    bring_review_forward,
    acknowledge_escalation,
    start_cover,
    end_cover,
    end_plan,
    void_event,
)
