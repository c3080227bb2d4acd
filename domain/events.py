"""Case events: the append-only facts a case is made of (docs/architecture.md, docs/rules.md).

Every event is an immutable pydantic model with a ``type`` discriminator, so a
case history file (JSON) round-trips exactly. ``on`` is the day the thing
happened; the store records separately who recorded it, when and from where.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, TypeAdapter

from domain.text import normalised


class _Kind:
    """A mark on a field's type that ``domain.plausible`` reads when an event is recorded."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


IS_ID = _Kind("id")
IS_LINE = _Kind("line")  # free text on one line: a name, an agency, a contact
IS_TEXT = _Kind("text")  # free text that may run over several lines: a reason, a summary

# Ids are short codes, so free text cannot carry a name into a notice, a log or the UI
# (R-G1): lowercase letters, digits and dashes, up to 32 characters. What is read back from
# the journal needs only that shape; a new id must also be opaque (OPAQUE_ID_PATTERN), which
# is checked when it is recorded (``domain.plausible``), so a journal written before the rule
# still loads and wakes.
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,31}$"
# A digit in it unless it is three characters or fewer (sw, tm, hv), and never five letters
# in a row: hv, c1, cg-p0-1 pass; maryam-okafor, jane.smith@example.org, school do not.
OPAQUE_ID_PATTERN = (
    r"^(?![a-z0-9-]*[a-z]{5})(?=[a-z0-9-]{1,3}$|[a-z0-9-]*[0-9])[a-z0-9][a-z0-9-]{0,31}$"
)
OPAQUE_ID_RULE = (
    "an id is a code like hv, c1 or cg-p0-1 (lowercase letters, digits, dashes; a digit in "
    "it unless 3 characters or fewer; at most 4 letters in a row), never a name"
)


_ID = re.compile(ID_PATTERN)


def _slug(value: str) -> str:
    if not _ID.fullmatch(value):
        raise ValueError(f"{value!r} is not an id: {OPAQUE_ID_RULE}")
    return value


Slug = Annotated[
    str,
    Field(
        min_length=1,
        max_length=32,
        description="A short code: lowercase letters, digits and dashes, never a name",
        # The forms (Prefect builds them from this schema) ask for what a new id must be.
        json_schema_extra={"pattern": OPAQUE_ID_PATTERN},
    ),
    AfterValidator(_slug),
    IS_ID,
]
Number = Annotated[int, Strict()]  # a whole number, never true, 4.0 or "4" (R-G3)
Flag = Annotated[bool, Strict()]  # true or false, never 1 or "yes"


KEY_PATTERN = r"^R-[A-Z0-9]+[A-Za-z0-9:._-]*$"  # an obligation's key, e.g. R-T5:cg-p0-1


# Free text, with the same limits on every store (SQLite takes anything; PostgreSQL refuses a
# NUL byte), normalised (NFC): a few words (an agency, a name), a contact (an apprise URL), a
# sentence or two. What else it may not carry is checked when it is recorded (``domain.text``).
Short = Annotated[str, Field(max_length=80), AfterValidator(normalised), IS_LINE]
Contact = Annotated[str, Field(max_length=300), AfterValidator(normalised), IS_LINE]
Long = Annotated[str, Field(max_length=500), AfterValidator(normalised), IS_TEXT]
Slugs = tuple[Slug, ...]


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

    id: Slug
    role: MemberRole
    agency: Short = ""
    name: Short = ""
    contact: Contact = ""


class Child(Frozen):
    id: Slug
    category: CategoryOfAbuse
    name: Short = ""
    date_of_birth: date | None = None
    # R-T11: the conference may set more frequent visits than the profile's.
    seen_every_weeks: Number | None = Field(default=None, ge=1, le=52)
    previous_plans: Number | None = Field(
        default=None, ge=0, le=99
    )  # R-LC1, CIN NumberOfPreviousCPP
    # R-LC4: not yet born (None: unborn if the conference is a pre-birth one); seen from birth.
    unborn: bool | None = None


class Outcome(Frozen):
    id: Slug
    text: Long = Field(min_length=1)


class VisitLine(Frozen):
    """A line of the visiting matrix (R-P3): who visits how often, and whom they see."""

    member: Slug
    every_weeks: Number = Field(ge=1, le=52)
    sees: Slugs = ()
    authorised_by: Slug | None = None  # R-V4: TM authorisation to go below the minimum


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
    ADOPTED = "adopted"  # an adoption order ends the plan (CIN RC1)


class EpisodeClosure(StrEnum):
    """What the end of a plan does to the child's children-in-need episode, chosen when the
    plan ends: it continues (child-in-need services go on: the episode stays open), or it
    closes for one of the DfE's reasons (CIN ReasonForClosure, N00103; ``CIN_CLOSURE_CODES``).
    RC8 and RC9 ("case closed after assessment") never follow a plan (CIN 2990)."""

    CIN_CONTINUES = "cin_continues"
    ADOPTED = "adopted"  # RC1
    DIED = "died"  # RC2
    CHILD_ARRANGEMENTS_ORDER = "child_arrangements_order"  # RC3
    SPECIAL_GUARDIANSHIP_ORDER = "special_guardianship_order"  # RC4
    TRANSFERRED_TO_ANOTHER_AUTHORITY = "transferred_to_another_authority"  # RC5
    TRANSFERRED_TO_ADULT_SERVICES = "transferred_to_adult_services"  # RC6
    SERVICES_CEASED = "services_ceased"  # RC7: for any other reason, incl. no longer in need


# CIN census ReasonForClosure codes (N00103; the DfE's CIN XML schema, reasonforclosuretype).
CIN_CLOSURE_CODES: dict[EpisodeClosure, str] = {
    EpisodeClosure.ADOPTED: "RC1",
    EpisodeClosure.DIED: "RC2",
    EpisodeClosure.CHILD_ARRANGEMENTS_ORDER: "RC3",
    EpisodeClosure.SPECIAL_GUARDIANSHIP_ORDER: "RC4",
    EpisodeClosure.TRANSFERRED_TO_ANOTHER_AUTHORITY: "RC5",
    EpisodeClosure.TRANSFERRED_TO_ADULT_SERVICES: "RC6",
    EpisodeClosure.SERVICES_CEASED: "RC7",
}
# A plan that ended for one of these reasons closed the episode for certain; the others (a
# conference's decision, turning 18) need the closure said (``PlanEnded.closure``).
CLOSURE_OF_REASON: dict[PlanEndReason, EpisodeClosure] = {
    PlanEndReason.DIED: EpisodeClosure.DIED,
    PlanEndReason.ADOPTED: EpisodeClosure.ADOPTED,
    PlanEndReason.TRANSFERRED_OUT: EpisodeClosure.TRANSFERRED_TO_ANOTHER_AUTHORITY,
    PlanEndReason.LEFT_UK: EpisodeClosure.SERVICES_CEASED,
}

# CIN census factors identified at assessment (AssessmentFactors, N00181; the DfE's CIN XML
# schema, assessmentfactorstype). 18A and 19A are retired (CIN 8945Q, 8950Q).
NO_FACTORS = "21"  # "no factors identified": never on a child protection case (CIN 8873Q)
AssessmentFactor = Literal[
    "1A", "1B", "1C", "2A", "2B", "2C", "3A", "3B", "3C", "4A", "4B", "4C", "5A", "5B", "5C",
    "6A", "6B", "6C", "7A", "8B", "8C", "8D", "8E", "8F", "9A", "10A", "11A", "12A", "13A",
    "14A", "15A", "16A", "17A", "18B", "18C", "19B", "19C", "20", "21", "22A", "23A", "24A",
]  # fmt: skip
ASSESSMENT_FACTORS: tuple[str, ...] = get_args(AssessmentFactor)


class ProtectionKind(StrEnum):
    """Emergency protection (Annex A List 7): an emergency protection order (Children Act 1989
    s44) or police protection (s46)."""

    EMERGENCY_PROTECTION_ORDER = "emergency_protection_order"
    POLICE_PROTECTION = "police_protection"


class _Event(Frozen):
    on: date


class ConferenceHeld(_Event):
    """R-LC1 / R-LC2: an ICPC (or transfer-in / pre-birth) opens a case; an RCPC continues or ends it."""

    type: Literal["conference_held"] = "conference_held"
    kind: ConferenceKind
    decision: ConferenceDecision
    children: tuple[Child, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    lead_professional: Slug | None = None
    team_manager: Slug | None = None
    chair: Annotated[str, Field(max_length=32, pattern=r"^([a-z0-9][a-z0-9-]{0,31})?$"), IS_ID] = ""
    members: tuple[Member, ...] = ()
    first_cg_on: date | None = None
    cg_every_weeks: Number | None = Field(default=None, ge=1, le=12)
    strategy_discussion_on: date | None = None  # R-T0 (transfer-in: the day it was accepted)
    s47_started_on: date | None = None  # R-T0, CIN S47ActualStartDate: absent, the discussion's day
    visiting_matrix: tuple[VisitLine, ...] = ()
    review_on: date | None = None  # the next review conference, if booked here (R-T7, R-T8)
    closure: EpisodeClosure | None = None  # a conference that ends the plan: the episode's end


class CoreGroupScheduled(_Event):
    type: Literal["core_group_scheduled"] = "core_group_scheduled"
    meeting: Slug
    date: date


class Attendance(Frozen):
    """R-M3 / R-M4: who came, who sent apologies or a report, and why family members did not come."""

    present: Slugs = ()
    apologies: Slugs = ()
    reports_received: Slugs = ()
    absent: Slugs = ()
    family_absence_reasons: dict[Slug, Long] = Field(default_factory=dict)


class ActionItem(Frozen):
    id: Slug
    owner: Slug
    due: date
    description: Long = ""


class CoreGroupHeld(_Event):
    type: Literal["core_group_held"] = "core_group_held"
    meeting: Slug
    chair: Slug
    minute_taker: Slug
    attendance: Attendance = Attendance()
    outcomes: tuple[Outcome, ...] = ()  # R-P1: conference outcomes unchanged; CGs may add
    actions: tuple[ActionItem, ...] = ()
    decisions: tuple[Long, ...] = ()
    disagreements: tuple[Long, ...] = ()  # R-E4: to the TM and chair
    next_dates: tuple[date, ...] = ()  # R-M7
    recommendation: Long | None = None  # R-T17
    visiting_matrix: tuple[VisitLine, ...] = ()
    vice_chair: Slug | None = None  # R-M1: 004 appoints one to stand in for the chair
    contingency_plan: Long | None = None  # R-P6: 003 §1.3.6, in the detailed plan


class CoreGroupCancelled(_Event):
    """R-M5: cancelled as inquorate; R-T16 applies."""

    type: Literal["core_group_cancelled"] = "core_group_cancelled"
    meeting: Slug
    at: datetime
    reason: Literal["inquorate"] = "inquorate"
    present: Slugs = ()


class CoreGroupRescheduled(_Event):
    """R-M6: confirmed in writing to all members; the new date is checked at once."""

    type: Literal["core_group_rescheduled"] = "core_group_rescheduled"
    meeting: Slug
    date: date
    reason: Long = ""


class ApologiesSent(_Event):
    """R-M3: a member who cannot attend a core group sends written apologies before it, and
    owes a written report by the meeting; a briefed senior colleague may attend instead."""

    type: Literal["apologies_sent"] = "apologies_sent"
    meeting: Slug
    member: Slug
    deputy: Short = ""  # who attends in their place, if anyone (an agency role, never a name)


class MinutesCirculated(_Event):
    type: Literal["minutes_circulated"] = "minutes_circulated"
    meeting: Slug
    # R-T18 / highland: who beyond the members received them.
    copied_to: tuple[Literal["qa_manager", "conference_chair"], ...] = ()


class AgreementSigned(_Event):
    type: Literal["agreement_signed"] = "agreement_signed"
    member: Slug
    meeting: Slug


class VisitMade(_Event):
    """R-V1."""

    type: Literal["visit_made"] = "visit_made"
    visitor: Slug
    children_seen: Slugs = ()
    seen_alone: Slugs = ()
    bedroom_seen: Slugs = ()
    no_access: Flag = False
    refused_seen_alone: Flag = False  # R-V3


class AgencyReportReceived(_Event):
    """R-T9: an agency's written report for the coming review conference."""

    type: Literal["agency_report_received"] = "agency_report_received"
    member: Slug
    meeting: Slug | None = None  # R-M3: a written report for this core group, not the review


class FamilyShare(StrEnum):
    PLAN = "plan"  # R-P5: the child's and the parents' copy of the plan
    MINUTES = "minutes"  # R-T20: a core group's minutes
    REPORT = "report"  # R-T19: an agency's report for the review


class SharedWithFamily(_Event):
    """The family told in writing (003 §1.3.11, §1.3.13; 000; 002): the plan, a core group's
    minutes, or a member's report for the review."""

    type: Literal["shared_with_family"] = "shared_with_family"
    what: FamilyShare
    meeting: Slug | None = None  # the core group whose plan or minutes
    member: Slug | None = None  # the member whose report


class AssessmentStarted(_Event):
    type: Literal["assessment_started"] = "assessment_started"
    assessment: Slug
    child: Slug


class AssessmentCompleted(_Event):
    """Completed (authorised: CIN AssessmentAuthorisationDate) with the factors identified
    (CIN FactorsIdentifiedAtAssessment)."""

    type: Literal["assessment_completed"] = "assessment_completed"
    assessment: Slug
    factors: tuple[AssessmentFactor, ...] = ()


class ConcernRaised(_Event):
    """R-T15: a concern raised orally must be confirmed in writing."""

    type: Literal["concern_raised"] = "concern_raised"
    concern: Slug
    member: Slug
    at: datetime


class ConcernConfirmed(_Event):
    type: Literal["concern_confirmed"] = "concern_confirmed"
    concern: Slug
    at: datetime


class ActionSet(_Event):
    """R-P2."""

    type: Literal["action_set"] = "action_set"
    action: ActionItem


class ActionDone(_Event):
    type: Literal["action_done"] = "action_done"
    action: Slug


class ReviewBroughtForward(_Event):
    """R-E3: needs the TM's authorisation; every dependent deadline moves."""

    type: Literal["review_brought_forward"] = "review_brought_forward"
    to: date
    authorised_by: Slug
    reason: Long = Field(min_length=1)
    chair_agreed: bool = False  # 003 §1.4.14: after consulting the conference chair


class ReviewBooked(_Event):
    """R-T7 / R-T8: the next review conference booked, or booked again, on a day inside its
    timescale. Reports (R-T9), their chase (R-T10), the core groups owed first (R-T2) and
    the last core group's recommendation (R-T17) count back from this day; the deadline
    stays the outer bound. Booking inside the timescale needs no authorisation (R-E3 is for
    bringing the deadline itself forward)."""

    type: Literal["review_booked"] = "review_booked"
    date: date
    chair_agreed: bool = False  # 003 §1.4.12: a booked date changes with the chair's agreement


class EventVoided(_Event):
    """A recorded mistake put right (R-G2, R-G3): the journal's event number ``voids`` no
    longer counts, as if it had never been recorded. Nothing is edited or deleted: the
    journal keeps both, with who voided it, why and on whose authority (the TM's)."""

    type: Literal["event_voided"] = "event_voided"
    voids: Number = Field(ge=1, le=100_000)
    reason: Long = Field(min_length=1)
    authorised_by: Slug


class EscalationAcknowledged(_Event):
    """R-E6: stops the ladder climbing for that obligation."""

    type: Literal["escalation_acknowledged"] = "escalation_acknowledged"
    obligation: str = Field(max_length=128, pattern=KEY_PATTERN)
    by: Slug


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
    member: Slug


class RiskRaised(_Event):
    """R-E2: risk not reduced / plan not working: the TM decides."""

    type: Literal["risk_raised"] = "risk_raised"
    member: Slug
    summary: Long = ""


class RiskDecision(StrEnum):
    """R-E2: what the team manager decides (000; 001; 003 §1.5.1, §1.5.3)."""

    IMMEDIATE_PROTECTION = "immediate_protection"
    COURT_APPLICATION = "court_application"
    ADDITIONAL_RESOURCES = "additional_resources"
    REVIEW_BROUGHT_FORWARD = "review_brought_forward"
    PLAN_RECONSIDERED = "plan_reconsidered"  # 003 §1.5.1: a core group agrees a new plan


class RiskDecided(_Event):
    """R-E2: the LP's team manager decides on every risk raised so far."""

    type: Literal["risk_decided"] = "risk_decided"
    by: Slug
    decision: RiskDecision


class AccessPlanAgreed(_Event):
    """R-V5, R-V2: the plan of action after a visit without access, agreed by the core group
    (with the police where the profile or two failures in a row ask) and authorised by the
    TM; 003 §1.4.9: another agency's member may be agreed to make the direct contact."""

    type: Literal["access_plan_agreed"] = "access_plan_agreed"
    authorised_by: Slug
    with_police: bool = False
    direct_contact_by: Slug | None = None


class ChildBorn(_Event):
    """R-LC4: an unborn child on a pre-birth plan is born; visits fall due from today."""

    type: Literal["child_born"] = "child_born"
    child: Slug


class PlanEnded(_Event):
    """R-LC2a: a plan ends without a conference; recorded by the TM. ``closure``: what becomes
    of the child-in-need episode (``EpisodeClosure``); for some reasons it follows from the
    reason itself (``CLOSURE_OF_REASON``)."""

    type: Literal["plan_ended"] = "plan_ended"
    reason: PlanEndReason
    recorded_by: Slug
    children: Slugs = ()  # empty: every child on the case
    closure: EpisodeClosure | None = None


class EmergencyProtectionTaken(_Event):
    """An emergency protection order made, or police protection taken, on ``on`` (Annex A
    List 7). It may come before the case opened: the enquiry that led to the plan."""

    type: Literal["emergency_protection_taken"] = "emergency_protection_taken"
    kind: ProtectionKind
    children: Slugs = ()  # empty: every child on the case
    ends_on: date | None = None  # an EPO lasts up to 8 days, police protection 72 hours


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
    | EventVoided
    | EscalationAcknowledged
    | CoverStarted
    | CoverEnded
    | MemberJoined
    | MemberWithdrew
    | RiskRaised
    | PlanEnded
    | EmergencyProtectionTaken
    | ApologiesSent
    | SharedWithFamily
    | RiskDecided
    | AccessPlanAgreed
    | ChildBorn,
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
