"""The case state: what a fold of the case's events knows (``domain.state`` builds it).

Plain values, no rules: the validation reads it, the obligations engine and the notices
derive from it. Meeting ids are made here and nowhere else, so the fold, the notices and
the calendar invitations always name a meeting the same way.
"""

from __future__ import annotations

import copy
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TypeVar

from pydantic import BaseModel

from domain.calendar import WorkingDayCalendar
from domain.dispatch import MeetingKind, MeetingRef
from domain.events import (
    ActionItem,
    CategoryOfAbuse,
    ConferenceDecision,
    EpisodeClosure,
    Event,
    EventVoided,
    Member,
    Outcome,
    VisitLine,
)
from domain.history import CaseHeader
from domain.profiles import PolicyProfile, calendar_for
from domain.timescales import review_deadline

E = TypeVar("E", bound=BaseModel)


def first_core_group(period: int) -> str:
    """The core group a conference sets (R-LC1, R-T1): ``cg-p<N>-1``, N from 0."""
    return f"cg-p{period}-1"


def agreed_core_group(meeting: str, n: int) -> str:
    """The n-th date (from 1) agreed at core group ``meeting`` (R-M7)."""
    return f"{meeting}-next-{n}"


def review_conference(period: int) -> str:
    """The review conference the conference of ``period`` leads to."""
    return f"rcpc-{period + 1}"


def review_period(meeting: str) -> int:
    """The period whose review conference ``meeting`` is (``rcpc-1`` -> 0)."""
    return int(meeting.removeprefix("rcpc-")) - 1


@dataclass(frozen=True, slots=True)
class Booking:
    """A meeting's entry as its members' calendars hold it."""

    meeting: str
    kind: MeetingKind
    on: date
    revision: int = 0  # SEQUENCE: up on each move, and past each CANCEL
    cancelled: bool = False

    def moved(self, on: date) -> Booking:
        """Booked again: the same entry, updated (a cancelled one comes back)."""
        if on == self.on and not self.cancelled:
            return self
        return replace(self, on=on, revision=self.revision + 1, cancelled=False)

    def ref(self) -> MeetingRef:
        return MeetingRef(
            meeting=self.meeting,
            kind=self.kind,
            on=self.on,
            revision=self.revision,
            cancelled=self.cancelled,
        )


@dataclass(frozen=True, slots=True)
class BookingChange:
    """What one event did to one calendar entry: the notices and invitations read these."""

    before: Booking | None
    after: Booking


@dataclass
class ChildRecord:
    id: str
    initial_category: CategoryOfAbuse
    latest_category: CategoryOfAbuse
    plan_start: date
    seen_every_weeks: int | None = None
    plan_end: date | None = None
    end_reason: str | None = None
    previous_plans: int | None = None  # R-LC1: CIN NumberOfPreviousCPP, when recorded
    closure: EpisodeClosure | None = None  # the episode when the plan ended, if said or certain
    name: str = ""  # kept for R-G1's secure channels only; never in an ordinary notice
    unborn: bool = False  # R-LC4: on a pre-birth plan until born
    born_on: date | None = None

    @property
    def seen_from(self) -> date | None:
        """R-LC4: visits fall due from the plan's start, or an unborn child's birth."""
        return self.born_on if self.unborn else self.plan_start


@dataclass
class Meeting:
    id: str
    period: int
    scheduled_for: date | None = None
    held_on: date | None = None
    held_index: int | None = None  # the event that recorded it
    chair: str | None = None
    minute_taker: str | None = None
    cancelled_at: datetime | None = None
    minutes_on: date | None = None
    copied_to: tuple[str, ...] = ()
    recommendation: str | None = None
    reschedules: int = 0
    contingency_plan: bool = False  # R-P6
    reports_received: tuple[str, ...] = ()  # R-M3: at the meeting
    apologies: tuple[str, ...] = ()  # R-M3: recorded at the meeting


@dataclass(frozen=True, slots=True)
class CoverPeriod:
    """R-E5: who covered for the LP, from when to when (None: still in force)."""

    member: str
    start: date
    end: date | None = None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class NoAccess:
    """A visit without access (R-V5) and its place among the visits: ``in_a_row`` counts it
    with the no-access visits straight before it (R-V2)."""

    position: int
    on: date
    visitor: str
    in_a_row: int


@dataclass
class Conference:
    on: date
    kind: str
    decision: ConferenceDecision
    chair: str


@dataclass
class CaseState:
    reference: str
    team: str
    profile: str
    policy: PolicyProfile
    events: list[Event] = field(default_factory=list)  # the events that count, in order
    # Each counted event's position in the journal (from 0): notices are keyed by it, so a
    # correction never renumbers them. Voided events are kept apart by journal number.
    positions: list[int] = field(default_factory=list)
    voided: dict[int, Event] = field(default_factory=dict)
    read: int = 0  # events of the history read so far, voided ones included
    corrections: set[int] = field(default_factory=set)  # journal numbers voided so far
    by_type: dict[str, list[Event]] = field(default_factory=dict)  # events of each type, in order
    conferences: list[Conference] = field(default_factory=list)
    lead_professional: str | None = None
    team_manager: str | None = None
    members: dict[str, Member] = field(default_factory=dict)
    former_members: dict[str, Member] = field(default_factory=dict)
    children: dict[str, ChildRecord] = field(default_factory=dict)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    cg_every_weeks: int | None = None
    meetings: dict[str, Meeting] = field(default_factory=dict)
    visiting_matrix: dict[str, VisitLine] = field(default_factory=dict)
    actions: dict[str, tuple[ActionItem, date, date | None]] = field(default_factory=dict)
    assessments: dict[str, tuple[str, date, date | None]] = field(default_factory=dict)
    concerns: dict[str, tuple[str, datetime, datetime | None]] = field(default_factory=dict)
    acknowledged: dict[str, date] = field(default_factory=dict)
    brought_forward: dict[int, date] = field(default_factory=dict)  # period -> new deadline
    review_booked: dict[int, date] = field(default_factory=dict)  # period -> booked date
    held: dict[int, list[str]] = field(default_factory=dict)  # period -> meetings held, in order
    seen: dict[str, list[date]] = field(default_factory=dict)  # child -> days seen (R-T11)
    seen_alone: dict[str, list[date]] = field(default_factory=dict)  # child -> days (R-T12)
    # Calendar entries: core groups by meeting id, and the review each period leads to.
    bookings: dict[str, Booking] = field(default_factory=dict)
    reviews: dict[int, Booking] = field(default_factory=dict)
    booking_changes: dict[int, list[BookingChange]] = field(default_factory=dict)  # by event
    cover: Member | None = None
    # Who was in post when: each lead professional from the day a conference named them
    # (``domain.visitors.statutory`` reads it for visits looked at after the fold: returns).
    lead_professionals: list[tuple[date, str]] = field(default_factory=list)
    cover_periods: list[CoverPeriod] = field(default_factory=list)
    member_since: dict[str, date] = field(default_factory=dict)
    member_left: dict[str, date] = field(default_factory=dict)  # withdrew that day
    # Visits by members whose visits are not statutory (R-T11 counts them only where the
    # profile says so); the days the LP (or the cover, a statutory visitor) saw the child are
    # ``seen`` and ``seen_alone`` (domain.visits.statutory).
    sightings: dict[str, list[date]] = field(default_factory=dict)
    no_access: list[NoAccess] = field(default_factory=list)  # R-V5, R-V2
    no_access_run: int = 0  # visits without access since the last with access (R-V2)
    access_plans: list[tuple[date, bool]] = field(default_factory=list)  # day, with police
    direct_contact: dict[str, date] = field(default_factory=dict)  # 003 §1.4.9: member, since
    risks: list[tuple[int, date, str]] = field(default_factory=list)  # R-E2: where, day, who
    risk_decisions: list[date] = field(default_factory=list)
    apologies: dict[tuple[str, str], date] = field(default_factory=dict)  # R-M3
    meeting_reports: dict[tuple[str, str], date] = field(default_factory=dict)  # R-M3
    vice_chairs: dict[int, str] = field(default_factory=dict)  # R-M1: period -> member
    shared: dict[tuple[str, str], date] = field(default_factory=dict)  # what, about -> first day
    plan_shared: list[date] = field(default_factory=list)  # R-P5: the days, in order
    closed_on: date | None = None
    close_reason: str | None = None

    @property
    def opened(self) -> bool:
        return bool(self.conferences)

    @property
    def closed(self) -> bool:
        return self.closed_on is not None

    @property
    def period(self) -> int:
        """Index of the current conference period (0 = since the ICPC)."""
        return len(self.conferences) - 1

    @property
    def last_event_on(self) -> date | None:
        """The day of the latest event the case's timeline counts: a correction (R-G3) is
        dated when it was made, and once a mistake is voided the real, earlier event can be
        recorded, so corrections do not hold the order back."""
        opened = self.conferences[0].on if self.conferences else None
        dated = (
            e.on
            for e in reversed(self.events)
            if not isinstance(e, EventVoided) and (opened is None or e.on >= opened)
        )  # an enquiry's facts dated before the case opened hold nothing back
        return next(dated, None)

    @property
    def header(self) -> CaseHeader:
        return CaseHeader(reference=self.reference, profile=self.profile, team=self.team)

    @property
    def calendar(self) -> WorkingDayCalendar:
        return calendar_for(self.policy)

    def of(self, event_type: type[E]) -> list[E]:
        """The events of one type, in the order they happened."""
        name = event_type.model_fields["type"].default
        return self.by_type.get(name, [])  # type: ignore[return-value]

    def held_in_period(self, period: int) -> list[Meeting]:
        return [self.meetings[m] for m in self.held.get(period, ())]

    def following_conference(self, period: int) -> date | None:
        """The day of the conference that followed ``period``'s, if there was one yet."""
        following = period + 1
        return self.conferences[following].on if following < len(self.conferences) else None

    def period_on(self, day: date) -> int:
        """The conference period in force on ``day`` (0 from the ICPC)."""
        return max(0, bisect_right([c.on for c in self.conferences], day) - 1)

    def member_role(self, member_id: str) -> str | None:
        member = self.members.get(member_id) or self.former_members.get(member_id)
        return member.role.value if member is not None else None

    def review_deadline(
        self,
        period: int,
        profile: PolicyProfile | None = None,
        calendar: WorkingDayCalendar | None = None,
    ) -> date:
        """R-T7 / R-T8, or the date the TM brought the review forward to (R-E3): the outer
        bound, what escalates when no review is held."""
        if period in self.brought_forward:
            return self.brought_forward[period]
        return review_deadline(
            profile or self.policy,
            calendar or self.calendar,
            self.conferences[period].on,
            period,
        )

    def review_date(
        self,
        period: int,
        profile: PolicyProfile | None = None,
        calendar: WorkingDayCalendar | None = None,
    ) -> date:
        """The day the review is booked for, else its deadline: what reports, chases and
        the last core group count back from (R-T9, R-T10, R-T17, R-T2)."""
        booked = self.review_booked.get(period)
        return booked if booked is not None else self.review_deadline(period, profile, calendar)

    def copy(self) -> CaseState:
        clone = copy.copy(self)
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, dict | list | set):
                setattr(clone, name, copy.copy(value))
        clone.by_type = {k: list(v) for k, v in self.by_type.items()}
        clone.held = {k: list(v) for k, v in self.held.items()}
        clone.seen = {k: list(v) for k, v in self.seen.items()}
        clone.seen_alone = {k: list(v) for k, v in self.seen_alone.items()}
        clone.sightings = {k: list(v) for k, v in self.sightings.items()}
        clone.meetings = {k: copy.copy(m) for k, m in self.meetings.items()}
        clone.children = {k: copy.copy(c) for k, c in self.children.items()}
        return clone
