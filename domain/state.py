"""The case state as a fold of its events.

``apply`` validates an event against the state first and only then builds the new state,
so a rejected event changes nothing (R-G3). The rules of validation live in
``domain.validation``; this module only records what happened, including what each event
did to the members' calendars (``CaseState.booking_changes``), which the notices and the
invitations read instead of replaying the events again.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import replace
from datetime import date
from typing import Any

from domain import fold_duties
from domain.case import (
    Booking,
    BookingChange,
    CaseState,
    ChildRecord,
    Conference,
    Meeting,
    agreed_core_group,
    first_core_group,
    review_conference,
)
from domain.dispatch import MeetingKind
from domain.events import (
    CLOSURE_OF_REASON,
    ActionDone,
    ActionSet,
    AssessmentCompleted,
    AssessmentStarted,
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
    EpisodeClosure,
    EscalationAcknowledged,
    Event,
    EventVoided,
    MemberJoined,
    MemberWithdrew,
    MinutesCirculated,
    PlanEnded,
    PlanEndReason,
    ReviewBooked,
    ReviewBroughtForward,
    VisitMade,
)
from domain.history import CaseHeader, CaseHistory
from domain.profiles import PolicyProfile, load_profile
from domain.validation import validate

__all__ = ["CaseState", "apply", "fold", "happened_order", "open_state", "to_history"]


def open_state(header: CaseHeader, policy: PolicyProfile | None = None) -> CaseState:
    """An empty case. The profile is loaded by name here, at the edge, and passed down from
    then on; an unknown profile fails now, not at the first deadline."""
    profile = policy or load_profile(header.profile)
    return CaseState(
        reference=header.reference, team=header.team, profile=header.profile, policy=profile
    )


def apply(state: CaseState, event: Event, index: int | None = None) -> CaseState:
    """The state after ``event``; raises RejectedEvent and leaves ``state`` untouched. An
    event dated before the latest (recorded late) takes its place: the journal is folded
    again with it, and every later event checked again."""
    if isinstance(event, EventVoided):
        raise ValueError("a correction voids an earlier event: fold the whole history again")
    if state.events and event.on < state.events[-1].on:  # recorded late: in its place
        late = CaseHistory(**state.header.model_dump(), events=(*journal(state), event))
        return fold(late, state.policy, new_from=len(late.events) - 1)
    validate(state, event, index)
    new = state.copy()
    _record(new, event, state.read)
    return new


def fold(
    history: CaseHistory,
    policy: PolicyProfile | None = None,
    new_from: int | None = None,
    known_by: date | None = None,
    census: bool = False,
) -> CaseState:
    """The state of a whole history, its events taken in the order they happened (by ``on``,
    journal order within a day), whatever order they were recorded in: a core group typed up
    after a later visit takes its place in the story. A bad event raises RejectedEvent naming
    its index in the journal. An event a later correction voids (R-G3) is set aside, as if
    never recorded.

    ``new_from``: the index of the first event being recorded now (0: a file to import or
    validate); the events before it were accepted when they were recorded. A check made at
    recording only (``Check.recording``: the returns' data-quality refusals, say) is not
    made again of them, so a rule added later never locks a case already in the store.
    None: nothing is being recorded (a wake, a view, a return).

    ``known_by``: the case as known at the end of that day (a view or a return of the past):
    events dated after it have not happened yet, and are left out where they stand, so the
    journal's numbers (what corrections and notices refer to) never shift.

    ``census``: a return's fold. The census's data-quality refusals are made again of every
    event, so a case recorded before a census rule existed is left out of the return and
    named, never sent wrong; the other checks made at recording only (the duties of who
    chairs, what a conference sets) are not: a duty added later never drops a child from a
    return."""
    state = open_state(history.header, policy)
    events = history.events
    voided = _voided_numbers(history, known_by)
    for number in sorted(voided):
        state.voided[number] = events[number - 1]
    for index in happened_order(history, voided, known_by):
        recording = new_from is not None and index >= new_from
        validate(state, events[index], index, recording, census)
        _record(state, events[index], index)  # in place: fold owns ``state``
    state.read = len(events)
    return state


def happened_order(
    history: CaseHistory, voided: AbstractSet[int] = frozenset(), known_by: date | None = None
) -> list[int]:
    """The journal indexes of the events that count, in the order they happened: by day, the
    journal's order within a day, and the conference that opened the case (R-LC1) first
    whatever its day (an event dated before it is then refused by its own check). With
    ``known_by``, only the events that had happened by that day."""
    events = history.events
    counted = (
        i
        for i in range(len(events))
        if i + 1 not in voided and (known_by is None or events[i].on <= known_by)
    )
    return sorted(counted, key=lambda i: (i != 0, events[i].on, i))


def _voided_numbers(history: CaseHistory, known_by: date | None = None) -> set[int]:
    """The journal numbers a correction (made by ``known_by``) voids. A correction that cannot
    apply (the opening conference, a later event, another correction) voids nothing, and is
    then refused by its own check, naming why."""
    events = history.events
    return {
        event.voids
        for index, event in enumerate(events)
        if isinstance(event, EventVoided)
        and (known_by is None or event.on <= known_by)
        and 1 < event.voids <= index
        and not isinstance(events[event.voids - 1], EventVoided)
    }


def journal(state: CaseState) -> tuple[Event, ...]:
    """The events as the journal holds them (the order they were recorded in), voided ones
    included: what the fold read, given back."""
    by_index = {**dict(zip(state.positions, state.events, strict=True)),
                **{number - 1: event for number, event in state.voided.items()}}  # fmt: skip
    return tuple(by_index[i] for i in sorted(by_index))


def to_history(state: CaseState) -> CaseHistory:
    return CaseHistory(
        reference=state.reference,
        profile=state.profile,
        team=state.team,
        events=tuple(state.events),
    )


def _record(state: CaseState, event: Event, index: int) -> None:
    """Count ``event``, the journal's ``index``-th (from 0)."""
    state.read = max(state.read, index + 1)
    state.events.append(event)
    state.positions.append(index)
    state.by_type.setdefault(event.type, []).append(event)
    handler = _HANDLERS.get(type(event))
    if handler is not None:
        handler(state, event, index)


def _changed(state: CaseState, index: int, before: Booking | None, after: Booking) -> None:
    if before != after:
        state.booking_changes.setdefault(index, []).append(BookingChange(before, after))


def _book_core_group(state: CaseState, index: int, meeting: str, on: date) -> None:
    before = state.bookings.get(meeting)
    after = before.moved(on) if before else Booking(meeting, MeetingKind.CORE_GROUP, on)
    state.bookings[meeting] = after
    _changed(state, index, before, after)


def _book_review(state: CaseState, index: int) -> None:
    """The review the current period leads to, on its booked day or else its deadline."""
    period = state.period
    on = state.review_date(period)
    before = state.reviews.get(period)
    after = (
        before.moved(on)
        if before
        else Booking(review_conference(period), MeetingKind.REVIEW_CONFERENCE, on)
    )
    state.reviews[period] = after
    _changed(state, index, before, after)


def _conference(state: CaseState, event: ConferenceHeld, index: int) -> None:
    state.conferences.append(Conference(event.on, event.kind, event.decision, event.chair))
    for member in event.members:
        state.members[member.id] = member
    if event.lead_professional and event.lead_professional != state.lead_professional:
        state.lead_professionals.append((event.on, event.lead_professional))
    fold_duties.joined(state, event.members, event.on)
    state.lead_professional = event.lead_professional or state.lead_professional
    state.team_manager = event.team_manager or state.team_manager
    for child in event.children:
        known = state.children.get(child.id)
        if known is None:
            state.children[child.id] = ChildRecord(
                child.id, child.category, child.category, event.on, child.seen_every_weeks,
                previous_plans=child.previous_plans, name=child.name,
            )  # fmt: skip
        else:
            known.latest_category = child.category
            known.name = child.name or known.name
            known.seen_every_weeks = child.seen_every_weeks or known.seen_every_weeks
    fold_duties.children_unborn(state, event)
    for outcome in event.outcomes:
        state.outcomes[outcome.id] = outcome
    state.cg_every_weeks = event.cg_every_weeks or state.cg_every_weeks
    for line in event.visiting_matrix:
        state.visiting_matrix[line.member] = line
    if event.first_cg_on is not None:
        meeting_id = first_core_group(state.period)
        state.meetings[meeting_id] = Meeting(meeting_id, state.period, event.first_cg_on)
        _book_core_group(state, index, meeting_id, event.first_cg_on)
    if event.decision is ConferenceDecision.END:
        _close(state, event.on, "conference", index, closure=event.closure)
        return
    if event.review_on is not None:
        state.review_booked[state.period] = event.review_on
    _book_review(state, index)


def _close(
    state: CaseState,
    on: date,
    reason: str,
    index: int,
    children: tuple[str, ...] = (),
    closure: EpisodeClosure | None = None,
) -> None:
    closure = closure or CLOSURE_OF_REASON.get(PlanEndReason(reason))
    for child in state.children.values():
        if child.plan_end is None and (not children or child.id in children):
            child.plan_end, child.end_reason, child.closure = on, reason, closure
    if all(child.plan_end is not None for child in state.children.values()):
        state.closed_on, state.close_reason = on, reason
        _cancel_meetings_to_come(state, on, index)


def _cancel_meetings_to_come(state: CaseState, ended_on: date, index: int) -> None:
    """R-LC2: the plan has ended, so every meeting still to come is cancelled. A conference
    that ends the plan is the review itself: only the meetings after it go."""
    to_come = [
        booking
        for meeting, booking in state.bookings.items()
        if state.meetings[meeting].held_on is None
        and not booking.cancelled
        and booking.on > ended_on
    ]
    review = state.reviews.get(state.period)
    if review is not None and not isinstance(state.events[-1], ConferenceHeld):
        to_come += [review] if review.on > ended_on and not review.cancelled else []
    for booking in to_come:
        after = replace(booking, cancelled=True)
        if booking.kind is MeetingKind.CORE_GROUP:
            state.bookings[booking.meeting] = after
        else:
            state.reviews[state.period] = after
        _changed(state, index, booking, after)


def _scheduled(state: CaseState, event: CoreGroupScheduled, index: int) -> None:
    state.meetings[event.meeting] = Meeting(event.meeting, state.period, event.date)
    _book_core_group(state, index, event.meeting, event.date)


def _held(state: CaseState, event: CoreGroupHeld, index: int) -> None:
    meeting = state.meetings.setdefault(event.meeting, Meeting(event.meeting, state.period))
    # Filed under the period it was held in, not the one it was booked in: a core group booked
    # before a review and held after it is the next period's (R-T4).
    meeting.period = state.period
    meeting.held_on, meeting.held_index = event.on, index
    meeting.chair, meeting.minute_taker = event.chair, event.minute_taker
    state.held.setdefault(meeting.period, []).append(meeting.id)  # events come in date order
    meeting.recommendation = event.recommendation
    for outcome in event.outcomes:
        state.outcomes.setdefault(outcome.id, outcome)  # R-P1: a CG may only add
    for action in event.actions:
        state.actions[action.id] = (action, event.on, None)
    for line in event.visiting_matrix:
        state.visiting_matrix[line.member] = line
    for n, day in enumerate(event.next_dates, start=1):
        meeting_id = agreed_core_group(event.meeting, n)
        state.meetings[meeting_id] = Meeting(meeting_id, state.period, day)
        _book_core_group(state, index, meeting_id, day)
    fold_duties.held(state, event)


def _cancelled(state: CaseState, event: CoreGroupCancelled, index: int) -> None:
    state.meetings[event.meeting].cancelled_at = event.at
    before = state.bookings.get(event.meeting)
    if before is not None:
        # The CANCEL goes out above this SEQUENCE; a new date must go higher still.
        after = replace(before, revision=before.revision + 1, cancelled=True)
        state.bookings[event.meeting] = after
        _changed(state, index, before, after)


def _rescheduled(state: CaseState, event: CoreGroupRescheduled, index: int) -> None:
    meeting = state.meetings[event.meeting]
    meeting.scheduled_for, meeting.cancelled_at = event.date, None
    meeting.reschedules += 1
    before = state.bookings.get(event.meeting)
    if before is not None:  # R-M6: the same entry, SEQUENCE up
        after = replace(before, on=event.date, revision=before.revision + 1, cancelled=False)
        state.bookings[event.meeting] = after
        _changed(state, index, before, after)


def _minutes(state: CaseState, event: MinutesCirculated, index: int) -> None:
    meeting = state.meetings[event.meeting]
    meeting.minutes_on, meeting.copied_to = event.on, event.copied_to


def _action_set(state: CaseState, event: ActionSet, index: int) -> None:
    state.actions[event.action.id] = (event.action, event.on, None)


def _action_done(state: CaseState, event: ActionDone, index: int) -> None:
    action, set_on, _ = state.actions[event.action]
    state.actions[event.action] = (action, set_on, event.on)


def _assessment_started(state: CaseState, event: AssessmentStarted, index: int) -> None:
    state.assessments[event.assessment] = (event.child, event.on, None)


def _assessment_completed(state: CaseState, event: AssessmentCompleted, index: int) -> None:
    child, started, _ = state.assessments[event.assessment]
    state.assessments[event.assessment] = (child, started, event.on)


def _concern_raised(state: CaseState, event: ConcernRaised, index: int) -> None:
    state.concerns[event.concern] = (event.member, event.at, None)


def _concern_confirmed(state: CaseState, event: ConcernConfirmed, index: int) -> None:
    # R-T15: the first written confirmation meets it; a second one never makes it late.
    member, raised, confirmed = state.concerns[event.concern]
    state.concerns[event.concern] = (member, raised, confirmed or event.at)


def _brought_forward(state: CaseState, event: ReviewBroughtForward, index: int) -> None:
    # R-E3: the deadline itself moves, and the review with it.
    state.brought_forward[state.period] = event.to
    state.review_booked.pop(state.period, None)
    _book_review(state, index)


def _review_booked(state: CaseState, event: ReviewBooked, index: int) -> None:
    state.review_booked[state.period] = event.date
    _book_review(state, index)


def _voided(state: CaseState, event: EventVoided, index: int) -> None:
    state.corrections.add(event.voids)


def _acknowledged(state: CaseState, event: EscalationAcknowledged, index: int) -> None:
    state.acknowledged.setdefault(event.obligation, event.on)


def _cover_started(state: CaseState, event: CoverStarted, index: int) -> None:
    state.cover = event.cover
    fold_duties.cover_started(state, event.cover.id, event.on)


def _cover_ended(state: CaseState, event: CoverEnded, index: int) -> None:
    state.cover = None
    fold_duties.cover_ended(state, event.on)


def _joined(state: CaseState, event: MemberJoined, index: int) -> None:
    state.members[event.member.id] = event.member
    fold_duties.joined(state, (event.member,), event.on)


def _withdrew(state: CaseState, event: MemberWithdrew, index: int) -> None:
    state.former_members[event.member] = state.members.pop(event.member)
    fold_duties.left(state, event.member, event.on)


def _plan_ended(state: CaseState, event: PlanEnded, index: int) -> None:
    _close(state, event.on, event.reason.value, index, event.children, event.closure)


# Events not listed (agreements, say) are kept in ``state.events`` and ``state.by_type`` and
# read there by the obligations engine and the notices; ``domain.fold_duties`` records the
# duties beyond the timescales.
_HANDLERS: dict[type, Callable[[CaseState, Any, int], None]] = {
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
    ReviewBooked: _review_booked,
    EscalationAcknowledged: _acknowledged,
    EventVoided: _voided,
    CoverStarted: _cover_started,
    CoverEnded: _cover_ended,
    MemberJoined: _joined,
    MemberWithdrew: _withdrew,
    PlanEnded: _plan_ended,
    VisitMade: fold_duties.visit,
    **fold_duties.HANDLERS,
}
