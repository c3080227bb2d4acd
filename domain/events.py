"""Case events: the append-only facts a case is made of (docs/architecture.md, docs/rules.md).

Every event is an immutable pydantic model with a ``type`` discriminator, so a
case history file (JSON) round-trips exactly. ``on`` is the day the thing
happened; the store records separately who recorded it, when and from where.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CategoryOfAbuse(StrEnum):
    """CIN census codes (docs/rules.md §8)."""

    NEG = "NEG"
    PHY = "PHY"
    SAB = "SAB"
    EMO = "EMO"
    MUL = "MUL"


class MemberRole(StrEnum):
    LEAD_PROFESSIONAL = "lead_professional"
    TEAM_MANAGER = "team_manager"
    PROFESSIONAL = "professional"
    PARENT = "parent"
    FAMILY = "family"
    CHILD = "child"
    CARER = "carer"


PROFESSIONAL_ROLES = frozenset({MemberRole.LEAD_PROFESSIONAL, MemberRole.PROFESSIONAL})
FAMILY_ROLES = frozenset({MemberRole.PARENT, MemberRole.FAMILY, MemberRole.CHILD, MemberRole.CARER})


class Member(Frozen):
    """A core group member. ``id`` is what events refer to; ``name`` never leaves the store."""

    id: str = Field(min_length=1)
    role: MemberRole
    agency: str = ""
    name: str = ""
    contact: str = ""


class Child(Frozen):
    id: str = Field(min_length=1)
    category: CategoryOfAbuse
    name: str = ""
    date_of_birth: date | None = None
    # R-T11: the conference may set more frequent visits than the profile's.
    seen_every_weeks: int | None = Field(default=None, ge=1, le=52)
    previous_plans: int | None = Field(default=None, ge=0, le=99)  # R-LC1, CIN NumberOfPreviousCPP


class Outcome(Frozen):
    id: str = Field(min_length=1)
    text: str = Field(min_length=1)


class VisitLine(Frozen):
    """A line of the visiting matrix (R-P3): who visits how often, and whom they see."""

    member: str
    every_weeks: int = Field(ge=1, le=52)
    sees: tuple[str, ...] = ()
    authorised_by: str | None = None  # R-V4: TM authorisation to go below the minimum


class ConferenceKind(StrEnum):
    INITIAL = "initial"
    REVIEW = "review"
    TRANSFER_IN = "transfer_in"
    PRE_BIRTH = "pre_birth"


class ConferenceDecision(StrEnum):
    PLAN = "plan"  # an initial / transfer-in / pre-birth conference starts a plan
    CONTINUE = "continue"
    END = "end"


class PlanEndReason(StrEnum):
    CONFERENCE = "conference"
    TURNED_18 = "turned_18"
    TRANSFERRED_OUT = "transferred_out"
    LEFT_UK = "left_uk"
    DIED = "died"


class _Event(Frozen):
    on: date


class ConferenceHeld(_Event):
    """R-LC1 / R-LC2: an ICPC (or transfer-in / pre-birth) opens a case; an RCPC continues or ends it."""

    type: Literal["conference_held"] = "conference_held"
    kind: ConferenceKind
    decision: ConferenceDecision
    children: tuple[Child, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    lead_professional: str | None = None
    team_manager: str | None = None
    chair: str = ""
    members: tuple[Member, ...] = ()
    first_cg_on: date | None = None
    cg_every_weeks: int | None = Field(default=None, ge=1, le=12)
    strategy_discussion_on: date | None = None  # R-T0 (transfer-in: the day it was accepted)
    s47_started_on: date | None = None  # R-T0, CIN S47ActualStartDate: absent, the discussion's day
    visiting_matrix: tuple[VisitLine, ...] = ()
    review_on: date | None = None  # the next review conference, if booked here (R-T7, R-T8)


class CoreGroupScheduled(_Event):
    type: Literal["core_group_scheduled"] = "core_group_scheduled"
    meeting: str
    date: date


class Attendance(Frozen):
    """R-M3 / R-M4: who came, who sent apologies or a report, and why family members did not come."""

    present: tuple[str, ...] = ()
    apologies: tuple[str, ...] = ()
    reports_received: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    family_absence_reasons: dict[str, str] = Field(default_factory=dict)


class ActionItem(Frozen):
    id: str = Field(min_length=1)
    owner: str
    due: date
    description: str = ""


class CoreGroupHeld(_Event):
    type: Literal["core_group_held"] = "core_group_held"
    meeting: str
    chair: str
    minute_taker: str
    attendance: Attendance = Attendance()
    outcomes: tuple[Outcome, ...] = ()  # R-P1: conference outcomes unchanged; CGs may add
    actions: tuple[ActionItem, ...] = ()
    decisions: tuple[str, ...] = ()
    disagreements: tuple[str, ...] = ()  # R-E4: reported to the TM and the conference chair
    next_dates: tuple[date, ...] = ()  # R-M7
    recommendation: str | None = None  # R-T17
    visiting_matrix: tuple[VisitLine, ...] = ()


class CoreGroupCancelled(_Event):
    """R-M5: cancelled as inquorate; R-T16 applies."""

    type: Literal["core_group_cancelled"] = "core_group_cancelled"
    meeting: str
    at: datetime
    reason: Literal["inquorate"] = "inquorate"
    present: tuple[str, ...] = ()


class CoreGroupRescheduled(_Event):
    """R-M6: confirmed in writing to all members; the new date is checked at once."""

    type: Literal["core_group_rescheduled"] = "core_group_rescheduled"
    meeting: str
    date: date
    reason: str = ""


class MinutesCirculated(_Event):
    type: Literal["minutes_circulated"] = "minutes_circulated"
    meeting: str
    # R-T18 / highland: who beyond the members received them.
    copied_to: tuple[Literal["qa_manager", "conference_chair"], ...] = ()


class AgreementSigned(_Event):
    type: Literal["agreement_signed"] = "agreement_signed"
    member: str
    meeting: str


class VisitMade(_Event):
    """R-V1."""

    type: Literal["visit_made"] = "visit_made"
    visitor: str
    children_seen: tuple[str, ...] = ()
    seen_alone: tuple[str, ...] = ()
    bedroom_seen: tuple[str, ...] = ()
    no_access: bool = False
    refused_seen_alone: bool = False  # R-V3


class AgencyReportReceived(_Event):
    """R-T9: an agency's written report for the coming review conference."""

    type: Literal["agency_report_received"] = "agency_report_received"
    member: str


class AssessmentStarted(_Event):
    type: Literal["assessment_started"] = "assessment_started"
    assessment: str
    child: str


class AssessmentCompleted(_Event):
    type: Literal["assessment_completed"] = "assessment_completed"
    assessment: str


class ConcernRaised(_Event):
    """R-T15: a concern raised orally must be confirmed in writing."""

    type: Literal["concern_raised"] = "concern_raised"
    concern: str
    member: str
    at: datetime


class ConcernConfirmed(_Event):
    type: Literal["concern_confirmed"] = "concern_confirmed"
    concern: str
    at: datetime


class ActionSet(_Event):
    """R-P2."""

    type: Literal["action_set"] = "action_set"
    action: ActionItem


class ActionDone(_Event):
    type: Literal["action_done"] = "action_done"
    action: str


class ReviewBroughtForward(_Event):
    """R-E3: needs the TM's authorisation; every dependent deadline moves."""

    type: Literal["review_brought_forward"] = "review_brought_forward"
    to: date
    authorised_by: str
    reason: str = Field(min_length=1)


class ReviewBooked(_Event):
    """R-T7 / R-T8: the next review conference booked, or booked again, on a day inside its
    timescale. Reports (R-T9), their chase (R-T10), the core groups owed first (R-T2) and
    the last core group's recommendation (R-T17) count back from this day; the deadline
    stays the outer bound. Booking inside the timescale needs no authorisation (R-E3 is for
    bringing the deadline itself forward)."""

    type: Literal["review_booked"] = "review_booked"
    date: date


class EscalationAcknowledged(_Event):
    """R-E6: stops the ladder climbing for that obligation."""

    type: Literal["escalation_acknowledged"] = "escalation_acknowledged"
    obligation: str
    by: str


class CoverStarted(_Event):
    """R-E5: the LP's notifications go to the cover worker while cover is in force."""

    type: Literal["cover_started"] = "cover_started"
    cover: Member


class CoverEnded(_Event):
    type: Literal["cover_ended"] = "cover_ended"


class MemberJoined(_Event):
    type: Literal["member_joined"] = "member_joined"
    member: Member


class MemberWithdrew(_Event):
    type: Literal["member_withdrew"] = "member_withdrew"
    member: str


class RiskRaised(_Event):
    """R-E2: risk not reduced / plan not working: the TM decides."""

    type: Literal["risk_raised"] = "risk_raised"
    member: str
    summary: str = ""


class PlanEnded(_Event):
    """R-LC2a: a plan ends without a conference; recorded by the TM."""

    type: Literal["plan_ended"] = "plan_ended"
    reason: PlanEndReason
    recorded_by: str
    children: tuple[str, ...] = ()  # empty: every child on the case


Event = Annotated[
    ConferenceHeld
    | CoreGroupScheduled
    | CoreGroupHeld
    | CoreGroupCancelled
    | CoreGroupRescheduled
    | MinutesCirculated
    | AgreementSigned
    | VisitMade
    | AgencyReportReceived
    | AssessmentStarted
    | AssessmentCompleted
    | ConcernRaised
    | ConcernConfirmed
    | ActionSet
    | ActionDone
    | ReviewBroughtForward
    | ReviewBooked
    | EscalationAcknowledged
    | CoverStarted
    | CoverEnded
    | MemberJoined
    | MemberWithdrew
    | RiskRaised
    | PlanEnded,
    Field(discriminator="type"),
]

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
EVENT_TYPES: tuple[str, ...] = tuple(
    cls.model_fields["type"].default
    for cls in _Event.__subclasses__()  # every concrete event
)


def event_from_dict(payload: dict[str, object]) -> Event:
    return EVENT_ADAPTER.validate_python(payload)


def event_to_dict(event: Event) -> dict[str, object]:
    return event.model_dump(mode="json")
