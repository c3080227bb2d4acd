"""The case state: what a fold of the case's events knows (``domain.state`` builds it).

Plain values, no rules: the validation reads it, the obligations engine and the notices
derive from it. Meeting ids are made here and nowhere else, so the fold, the notices and
the calendar invitations always name a meeting the same way.
"""

from __future__ import annotations

import copy
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
    # Who was in post when (``domain.visits.statutory``): each lead professional from the day
    # a conference named them, and each cover worker's (start, end or None, member id).
    lead_professionals: list[tuple[date, str]] = field(default_factory=list)
    covers: list[tuple[date, date | None, str]] = field(default_factory=list)
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
        clone.meetings = {k: copy.copy(m) for k, m in self.meetings.items()}
        clone.children = {k: copy.copy(c) for k, c in self.children.items()}
        return clone
