"""The case state: a fold of its events.

``apply`` validates an event against the state first and only then builds the
new state, so a rejected event changes nothing (R-G3). Validation rules live in
``domain.validation``; this module only records what happened.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from domain.events import (
    ActionDone,
    ActionItem,
    ActionSet,
    AgencyReportReceived,
    AgreementSigned,
    AssessmentCompleted,
    AssessmentStarted,
    CategoryOfAbuse,
    ConcernConfirmed,
    ConcernRaised,
    ConferenceDecision,
    ConferenceHeld,
    CoreGroupCancelled,
    CoreGroupHeld,
    CoreGroupRescheduled,
    CoreGroupScheduled,
    CoverEnded,
    CoverStarted,
    EscalationAcknowledged,
    Event,
    Member,
    MemberJoined,
    MemberWithdrew,
    MinutesCirculated,
    Outcome,
    PlanEnded,
    ReviewBroughtForward,
    VisitLine,
    VisitMade,
)
from domain.history import CaseHeader, CaseHistory
from domain.profiles import PolicyProfile, load_profile

E = TypeVar("E", bound=BaseModel)


@dataclass
class ChildRecord:
    id: str
    initial_category: CategoryOfAbuse
    latest_category: CategoryOfAbuse
    plan_start: date
    seen_every_weeks: int | None = None
    plan_end: date | None = None
    end_reason: str | None = None
    name: str = ""  # kept for R-G1's secure channels only; never in an ordinary notice


@dataclass
class Meeting:
    id: str
    period: int
    scheduled_for: date | None = None
    held_on: date | None = None
    chair: str | None = None
    minute_taker: str | None = None
    cancelled_at: datetime | None = None
    minutes_on: date | None = None
    copied_to: tuple[str, ...] = ()
    recommendation: str | None = None
    reschedules: int = 0  # the calendar invite's SEQUENCE


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
    events: list[Event] = field(default_factory=list)
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
    brought_forward: dict[int, date] = field(default_factory=dict)  # period -> new review date
    held: dict[int, list[str]] = field(default_factory=dict)  # period -> meetings held, in order
    seen: dict[str, list[date]] = field(default_factory=dict)  # child -> days seen (R-T11)
    seen_alone: dict[str, list[date]] = field(default_factory=dict)  # child -> days (R-T12)
    cover: Member | None = None
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
        return self.events[-1].on if self.events else None

    @property
    def header(self) -> CaseHeader:
        return CaseHeader(reference=self.reference, profile=self.profile, team=self.team)

    @property
    def policy(self) -> PolicyProfile:
        return load_profile(self.profile)

    def of(self, event_type: type[E]) -> list[E]:
        """The events of one type, in the order they happened."""
        name = event_type.model_fields["type"].default
        return self.by_type.get(name, [])  # type: ignore[return-value]

    def copy(self) -> CaseState:
        clone = copy.copy(self)
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, dict | list):
                setattr(clone, name, copy.copy(value))
        clone.by_type = {k: list(v) for k, v in self.by_type.items()}
        clone.held = {k: list(v) for k, v in self.held.items()}
        clone.seen = {k: list(v) for k, v in self.seen.items()}
        clone.seen_alone = {k: list(v) for k, v in self.seen_alone.items()}
        clone.meetings = {k: copy.copy(m) for k, m in self.meetings.items()}
        clone.children = {k: copy.copy(c) for k, c in self.children.items()}
        return clone


def open_state(header: CaseHeader) -> CaseState:
    load_profile(header.profile)  # an unknown profile fails here, not at the first deadline
    return CaseState(reference=header.reference, team=header.team, profile=header.profile)


def apply(state: CaseState, event: Event, index: int | None = None) -> CaseState:
    """The state after ``event``; raises RejectedEvent and leaves ``state`` untouched."""
    from domain.validation import validate

    validate(state, event, index)
    new = state.copy()
    _record(new, event)
    return new


def fold(history: CaseHistory) -> CaseState:
    """The state of a whole history; a bad event raises RejectedEvent naming its index."""
    from domain.validation import validate

    state = open_state(history.header)
    for index, event in enumerate(history.events):
        validate(state, event, index)
        _record(state, event)  # in place: fold owns ``state``
    return state


def to_history(state: CaseState) -> CaseHistory:
    return CaseHistory(
        reference=state.reference,
        profile=state.profile,
        team=state.team,
        events=tuple(state.events),
    )


def _record(state: CaseState, event: Event) -> None:
    state.events.append(event)
    state.by_type.setdefault(event.type, []).append(event)
    handler = _HANDLERS.get(type(event))
    if handler is not None:
        handler(state, event)


def _conference(state: CaseState, event: ConferenceHeld) -> None:
    state.conferences.append(Conference(event.on, event.kind, event.decision, event.chair))
    for member in event.members:
        state.members[member.id] = member
    state.lead_professional = event.lead_professional or state.lead_professional
    state.team_manager = event.team_manager or state.team_manager
    for child in event.children:
        known = state.children.get(child.id)
        if known is None:
            state.children[child.id] = ChildRecord(
                child.id,
                child.category,
                child.category,
                event.on,
                child.seen_every_weeks,
                name=child.name,
            )
        else:
            known.latest_category = child.category
            known.name = child.name or known.name
            known.seen_every_weeks = child.seen_every_weeks or known.seen_every_weeks
    for outcome in event.outcomes:
        state.outcomes[outcome.id] = outcome
    state.cg_every_weeks = event.cg_every_weeks or state.cg_every_weeks
    for line in event.visiting_matrix:
        state.visiting_matrix[line.member] = line
    if event.first_cg_on is not None:
        meeting_id = f"cg-p{state.period}-1"
        state.meetings[meeting_id] = Meeting(meeting_id, state.period, event.first_cg_on)
    if event.decision is ConferenceDecision.END:
        _close(state, event.on, "conference")


def _close(state: CaseState, on: date, reason: str, children: tuple[str, ...] = ()) -> None:
    for child in state.children.values():
        if child.plan_end is None and (not children or child.id in children):
            child.plan_end, child.end_reason = on, reason
    if all(child.plan_end is not None for child in state.children.values()):
        state.closed_on, state.close_reason = on, reason


def _scheduled(state: CaseState, event: CoreGroupScheduled) -> None:
    state.meetings[event.meeting] = Meeting(event.meeting, state.period, event.date)


def _held(state: CaseState, event: CoreGroupHeld) -> None:
    meeting = state.meetings.setdefault(event.meeting, Meeting(event.meeting, state.period))
    meeting.held_on, meeting.chair, meeting.minute_taker = event.on, event.chair, event.minute_taker
    state.held.setdefault(meeting.period, []).append(meeting.id)  # events come in date order
    meeting.recommendation = event.recommendation
    for outcome in event.outcomes:
        state.outcomes.setdefault(outcome.id, outcome)  # R-P1: a CG may only add
    for action in event.actions:
        state.actions[action.id] = (action, event.on, None)
    for line in event.visiting_matrix:
        state.visiting_matrix[line.member] = line
    for n, day in enumerate(event.next_dates, start=1):
        meeting_id = f"{event.meeting}-next-{n}"
        state.meetings[meeting_id] = Meeting(meeting_id, state.period, day)


def _cancelled(state: CaseState, event: CoreGroupCancelled) -> None:
    state.meetings[event.meeting].cancelled_at = event.at


def _rescheduled(state: CaseState, event: CoreGroupRescheduled) -> None:
    meeting = state.meetings[event.meeting]
    meeting.scheduled_for, meeting.cancelled_at = event.date, None
    meeting.reschedules += 1


def _minutes(state: CaseState, event: MinutesCirculated) -> None:
    meeting = state.meetings[event.meeting]
    meeting.minutes_on, meeting.copied_to = event.on, event.copied_to


def _action_set(state: CaseState, event: ActionSet) -> None:
    state.actions[event.action.id] = (event.action, event.on, None)


def _action_done(state: CaseState, event: ActionDone) -> None:
    action, set_on, _ = state.actions[event.action]
    state.actions[event.action] = (action, set_on, event.on)


def _assessment_started(state: CaseState, event: AssessmentStarted) -> None:
    state.assessments[event.assessment] = (event.child, event.on, None)


def _assessment_completed(state: CaseState, event: AssessmentCompleted) -> None:
    child, started, _ = state.assessments[event.assessment]
    state.assessments[event.assessment] = (child, started, event.on)


def _concern_raised(state: CaseState, event: ConcernRaised) -> None:
    state.concerns[event.concern] = (event.member, event.at, None)


def _concern_confirmed(state: CaseState, event: ConcernConfirmed) -> None:
    member, raised, _ = state.concerns[event.concern]
    state.concerns[event.concern] = (member, raised, event.at)


def _brought_forward(state: CaseState, event: ReviewBroughtForward) -> None:
    state.brought_forward[state.period] = event.to


def _acknowledged(state: CaseState, event: EscalationAcknowledged) -> None:
    state.acknowledged.setdefault(event.obligation, event.on)


def _cover_started(state: CaseState, event: CoverStarted) -> None:
    state.cover = event.cover


def _cover_ended(state: CaseState, event: CoverEnded) -> None:
    state.cover = None


def _joined(state: CaseState, event: MemberJoined) -> None:
    state.members[event.member.id] = event.member


def _withdrew(state: CaseState, event: MemberWithdrew) -> None:
    state.former_members[event.member] = state.members.pop(event.member)


def _plan_ended(state: CaseState, event: PlanEnded) -> None:
    _close(state, event.on, event.reason.value, event.children)


def _visit(state: CaseState, event: VisitMade) -> None:
    for child in event.children_seen:
        state.seen.setdefault(child, []).append(event.on)
    for child in event.seen_alone:
        state.seen_alone.setdefault(child, []).append(event.on)


def _ignore(state: CaseState, event: Event) -> None:
    """Facts kept in ``state.events`` and read by the obligations engine directly."""


_HANDLERS: dict[type, Callable[[CaseState, Any], None]] = {
    ConferenceHeld: _conference,
    CoreGroupScheduled: _scheduled,
    CoreGroupHeld: _held,
    CoreGroupCancelled: _cancelled,
    CoreGroupRescheduled: _rescheduled,
    MinutesCirculated: _minutes,
    ActionSet: _action_set,
    ActionDone: _action_done,
    AssessmentStarted: _assessment_started,
    AssessmentCompleted: _assessment_completed,
    ConcernRaised: _concern_raised,
    ConcernConfirmed: _concern_confirmed,
    ReviewBroughtForward: _brought_forward,
    EscalationAcknowledged: _acknowledged,
    CoverStarted: _cover_started,
    CoverEnded: _cover_ended,
    MemberJoined: _joined,
    MemberWithdrew: _withdrew,
    PlanEnded: _plan_ended,
    VisitMade: _visit,
    AgencyReportReceived: _ignore,
    AgreementSigned: _ignore,
}
