"""One-off notices raised by events: R-T16, R-M6, R-V2, R-V3, R-E2, R-E3, R-E4, R-E5,
and the calendar invitations for every scheduled core group and review conference.

A meeting's invitation goes out when it is set (R-T1 first CG, R-M7 dates agreed at a CG,
a CG scheduled later, the next review conference when a conference decides on a plan),
is updated when the meeting moves (R-M6, R-E3) and cancelled when it is cancelled (R-T16)
or the plan ends first (R-LC2). Each carries a ``MeetingRef``; delivery attaches the .ics.

A notice fires once, from the business hour of the day its event happened. A
history imported long after the fact raises no stale notices: only those within
``NOTICE_WINDOW_DAYS`` of ``as_of`` are dispatched.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from domain.calendar import WorkingDayCalendar
from domain.dispatch import Dispatch, MeetingKind, MeetingRef, RecipientRole, Rung
from domain.events import (
    ConferenceDecision,
    ConferenceHeld,
    CoreGroupCancelled,
    CoreGroupHeld,
    CoreGroupRescheduled,
    CoreGroupScheduled,
    CoverStarted,
    Event,
    PlanEnded,
    ReviewBroughtForward,
    RiskRaised,
    VisitMade,
)
from domain.ladder import Clock, add_months
from domain.state import CaseState

NOTICE_WINDOW_DAYS = 14
MEMBERS = (RecipientRole.MEMBER,)
CONFERENCE = (RecipientRole.MEMBER, RecipientRole.CONFERENCE_CHAIR)
TM_LP = (RecipientRole.TEAM_MANAGER, RecipientRole.LEAD_PROFESSIONAL)


@dataclass(frozen=True, slots=True)
class Booking:
    """A meeting's calendar entry as members hold it (a plain value: wakes replay many)."""

    meeting: str
    kind: MeetingKind
    on: date
    revision: int = 0  # SEQUENCE: up on each move, and past each CANCEL
    cancelled: bool = False

    def ref(self) -> MeetingRef:
        return MeetingRef(
            meeting=self.meeting,
            kind=self.kind,
            on=self.on,
            revision=self.revision,
            cancelled=self.cancelled,
        )


@dataclass(frozen=True, slots=True)
class Notice:
    key: str
    rule: str
    template: str
    title: str
    subject: str
    action: str
    on: date
    fires_at: datetime
    roles: tuple[RecipientRole, ...]
    meeting_date: date | None = None
    invite: Booking | None = None


def notices(state: CaseState, clock: Clock) -> Iterator[Notice]:
    previous: VisitMade | None = None
    events = state.events
    start = 0
    if not clock.history:  # older notices can no longer be dispatched
        cutoff = clock.today - timedelta(days=NOTICE_WINDOW_DAYS + 1)
        start = max(bisect_left([e.on for e in events], cutoff) - 1, 0)
    if not any(type(e) in _DIARY_TYPES for e in events[start:]):
        diary = _Diary({}, set(), -1, None, set(), clock.calendar)  # nothing booked or moved
    else:
        diary = _diary(state, clock, start)  # the meetings booked so far, kept up as we go
    for index in range(start, len(events)):
        event = events[index]
        before, touched = diary, NOTHING_TOUCHED
        if type(event) in _DIARY_TYPES:
            diary = before.copy()
            touched = _note(state, diary, event)
        yield from _raised(state, clock, index, event, previous, before, diary, touched)
        if isinstance(event, VisitMade):
            previous = event


def _notice(
    clock: Clock, index: int, event: Event, rule: str, template: str, **fields: object
) -> Notice:
    fields.setdefault("key", f"{rule}:e{index}")
    return Notice(
        rule=rule,
        template=template,
        on=event.on,
        fires_at=clock.moment(event.on),
        **fields,  # type: ignore[arg-type]
    )


def _raised(
    state: CaseState,
    clock: Clock,
    index: int,
    event: Event,
    previous: VisitMade | None,
    before: _Diary,
    after: _Diary,
    touched: Iterable[str],
) -> Iterable[Notice]:
    found = list(_event_notices(state, clock, index, event, previous, before, after))
    found.extend(invitations(clock, index, event, before, after, touched))
    return found


def _event_notices(
    state: CaseState,
    clock: Clock,
    index: int,
    event: Event,
    previous: VisitMade | None,
    before: _Diary,
    after: _Diary,
) -> Iterable[Notice]:
    if isinstance(event, CoreGroupCancelled):
        # The entry as members' calendars hold it, now cancelled (a CANCEL, R-T16).
        ref = before.entries.get(event.meeting)
        ref = replace(ref, cancelled=True) if ref else None
        return [
            _notice(
                clock,
                index,
                event,
                "R-T16",
                "inquorate",
                title="Core group cancelled as inquorate",
                subject=f"core group {event.meeting}",
                roles=(*MEMBERS, RecipientRole.TEAM_MANAGER),
                action="A new date will be set through the team manager within 24 hours",
                meeting_date=ref.on if ref else None,
                invite=ref,
            )
        ]
    if isinstance(event, CoreGroupRescheduled):
        return list(_rescheduled(state, clock, index, event, after.entries.get(event.meeting)))
    if isinstance(event, VisitMade):
        return list(_visit(clock, index, event, previous))
    if isinstance(event, RiskRaised):
        return [
            _notice(
                clock,
                index,
                event,
                "R-E2",
                "risk_raised",
                title="Risk not reduced: decision needed",
                subject=f"raised by member {event.member}",
                roles=TM_LP,
                action="Decide: immediate protection, court, resources or an earlier review",
            )
        ]
    if isinstance(event, CoreGroupHeld) and event.disagreements:
        return [
            _notice(
                clock,
                index,
                event,
                "R-E4",
                "disagreement",
                title="Professional disagreement at a core group",
                subject=f"core group {event.meeting}",
                roles=(RecipientRole.TEAM_MANAGER, RecipientRole.CONFERENCE_CHAIR),
                action="Resolve the disagreement or start the escalation procedure",
            )
        ]
    if isinstance(event, ReviewBroughtForward):
        return [
            _notice(
                clock,
                index,
                event,
                "R-E3",
                "review_brought_forward",
                title="Review conference brought forward",
                subject="review conference",
                roles=MEMBERS,
                meeting_date=event.to,
                action=f"Reports are now due before the review on {event.to.isoformat()}",
                invite=after.review,
            )
        ]
    if isinstance(event, CoverStarted):
        return [
            _notice(
                clock,
                index,
                event,
                "R-E5",
                "cover_started",
                title="Lead professional cover in force",
                subject=f"cover worker {event.cover.id}",
                roles=MEMBERS,
                action="Contact the cover worker while the lead professional is absent",
            )
        ]
    return []


def _rescheduled(
    state: CaseState,
    clock: Clock,
    index: int,
    event: CoreGroupRescheduled,
    invite: Booking | None,
) -> Iterator[Notice]:
    yield _notice(
        clock,
        index,
        event,
        "R-M6",
        "rescheduled",
        title="Core group rescheduled",
        subject=f"core group {event.meeting}",
        roles=MEMBERS,
        meeting_date=event.date,
        action=f"Attend on the new date, {event.date.isoformat()}",
        invite=invite,  # the same entry, SEQUENCE up (R-M6)
    )
    deadline = _cadence_deadline(state, clock, event)
    if deadline is not None and event.date > deadline:
        yield Notice(
            key=f"R-M6:breach:e{index}",
            rule="R-M6",
            template="rescheduled",
            title=f"Rescheduled core group misses its deadline of {deadline.isoformat()}",
            subject=f"core group {event.meeting}",
            on=event.on,
            fires_at=clock.moment(event.on),
            roles=TM_LP,
            meeting_date=event.date,
            action="Agree an earlier date or record why the timescale cannot be met",
        )


def _cadence_deadline(state: CaseState, clock: Clock, event: CoreGroupRescheduled) -> date | None:
    """The R-T1/R-T3/R-T4 deadline in force when the meeting was moved (R-M6)."""
    from domain.obligations import cadence_due

    period = state.meetings[event.meeting].period
    conferences = [e for e in state.events if isinstance(e, ConferenceHeld)]
    anchor, count = conferences[period].on, 0
    for earlier in state.events:
        if earlier is event:
            break
        if isinstance(earlier, CoreGroupHeld) and state.meetings[earlier.meeting].period == period:
            anchor, count = earlier.on, count + 1
    return cadence_due(state, clock, period, anchor, count)[1]


def _visit(
    clock: Clock, index: int, event: VisitMade, previous: VisitMade | None
) -> Iterator[Notice]:
    if event.no_access and previous is not None and previous.no_access:
        yield _notice(
            clock,
            index,
            event,
            "R-V2",
            "no_access",
            title="Two visits in a row without access",
            subject=f"visits by member {event.visitor}",
            roles=TM_LP,
            action="Plan the next step with the police today",
        )
    if event.refused_seen_alone:
        yield _notice(
            clock,
            index,
            event,
            "R-V3",
            "seen_alone_refused",
            title="Parents refused the child being seen alone",
            subject=f"visit by member {event.visitor}",
            roles=(RecipientRole.TEAM_MANAGER,),
            action="Decide how the child will be seen alone",
        )


@dataclass
class _Diary:
    """The case's meetings as their members' calendars show them, up to one event."""

    entries: dict[str, Booking]
    held: set[str]
    period: int  # index of the conference period in force (-1 before the first)
    review: Booking | None  # the next review conference, while a plan is in force
    open_children: set[str]
    calendar: WorkingDayCalendar

    def copy(self) -> _Diary:
        return replace(
            self,
            entries=dict(self.entries),
            held=set(self.held),
            open_children=set(self.open_children),
        )


_DIARY_EVENTS = (
    ConferenceHeld,
    CoreGroupScheduled,
    CoreGroupHeld,
    CoreGroupRescheduled,
    CoreGroupCancelled,
    ReviewBroughtForward,
    PlanEnded,
)
_DIARY_TYPES: frozenset[type[Event]] = frozenset(_DIARY_EVENTS)
NOTHING_TOUCHED: list[str] = []  # never mutated: what a visit or a report books


def _diary(state: CaseState, clock: Clock, upto: int) -> _Diary:
    """Replay events ``[0, upto)``; the invitation notices read it before their own event."""
    diary = _Diary({}, set(), -1, None, set(), clock.calendar)
    for event in state.events[:upto]:
        if type(event) in _DIARY_TYPES:  # most events are visits and reports: skip them fast
            _note(state, diary, event)
    return diary


def _booked(entries: dict[str, Booking], meeting: str, kind: MeetingKind, on: date) -> str:
    known = entries.get(meeting)
    if known is None:
        entries[meeting] = Booking(meeting=meeting, kind=kind, on=on)
    elif known.on != on or known.cancelled:  # booked again: the same entry, updated
        entries[meeting] = replace(known, on=on, revision=known.revision + 1, cancelled=False)
    return meeting


def _note(state: CaseState, diary: _Diary, event: Event) -> list[str]:
    """Apply one event to the diary; returns the core groups it booked (or booked again)."""
    entries = diary.entries
    touched: list[str] = []
    if isinstance(event, ConferenceHeld):
        diary.period += 1
        diary.open_children |= {child.id for child in event.children}
        if event.first_cg_on is not None:
            meeting = f"cg-p{diary.period}-1"
            touched.append(_booked(entries, meeting, MeetingKind.CORE_GROUP, event.first_cg_on))
        diary.review = _next_review(state, diary, event)
        if event.decision is ConferenceDecision.END:
            diary.open_children.clear()
    elif isinstance(event, CoreGroupScheduled):
        touched.append(_booked(entries, event.meeting, MeetingKind.CORE_GROUP, event.date))
    elif isinstance(event, CoreGroupHeld):
        diary.held.add(event.meeting)
        for n, day in enumerate(event.next_dates, start=1):
            # named as domain.state names them (R-M7)
            meeting = f"{event.meeting}-next-{n}"
            touched.append(_booked(entries, meeting, MeetingKind.CORE_GROUP, day))
    elif isinstance(event, CoreGroupRescheduled) and event.meeting in entries:
        known = entries[event.meeting]
        entries[event.meeting] = replace(
            known, on=event.date, revision=known.revision + 1, cancelled=False
        )
    elif isinstance(event, CoreGroupCancelled) and event.meeting in entries:
        # The CANCEL went out as SEQUENCE revision + 1; a new date must go higher still.
        known = entries[event.meeting]
        entries[event.meeting] = replace(known, revision=known.revision + 1, cancelled=True)
    elif isinstance(event, ReviewBroughtForward) and diary.review is not None:
        diary.review = replace(diary.review, on=event.to, revision=diary.review.revision + 1)
    elif isinstance(event, PlanEnded):
        diary.open_children -= set(event.children) if event.children else diary.open_children
    return touched


def _next_review(state: CaseState, diary: _Diary, event: ConferenceHeld) -> Booking | None:
    """The review a conference sets (R-T7 within 3 months, R-T8 every 6 months after)."""
    if event.decision is ConferenceDecision.END:
        return None
    profile = state.policy
    months = profile.first_review_months if diary.period == 0 else profile.later_review_months
    on = diary.calendar.previous_working_day(add_months(event.on, months))
    return Booking(meeting=f"rcpc-{diary.period + 1}", kind=MeetingKind.REVIEW_CONFERENCE, on=on)


def invitations(
    clock: Clock,
    index: int,
    event: Event,
    before: _Diary,
    after: _Diary,
    touched: Iterable[str],
) -> Iterator[Notice]:
    """Invitations to the meetings this event sets, and cancellations if the plan ends."""
    if not isinstance(event, ConferenceHeld | CoreGroupScheduled | CoreGroupHeld | PlanEnded):
        return  # moves and cancellations go with their own notices (R-M6, R-T16, R-E3)
    for meeting in touched:
        ref = after.entries[meeting]
        if before.entries.get(meeting) != ref:
            yield _invitation(clock, index, event, _BOOKING_RULES[type(event)], ref, MEMBERS)
    if after.review is not None and after.review != before.review:
        rule = "R-T7" if after.period == 0 else "R-T8"
        yield _invitation(clock, index, event, rule, after.review, CONFERENCE)
    if before.open_children and not after.open_children:  # the plan has ended (R-LC2)
        # A conference that ends the plan is the review itself: only later meetings go.
        review = None if isinstance(event, ConferenceHeld) else before.review
        for ref in _still_to_come(before, review, event.on):
            yield _cancellation(clock, index, event, ref)


def _still_to_come(diary: _Diary, review: Booking | None, ended_on: date) -> Iterator[Booking]:
    for meeting, ref in diary.entries.items():
        if meeting not in diary.held and not ref.cancelled and ref.on > ended_on:
            yield ref
    if review is not None and review.on > ended_on:
        yield review


_BOOKING_RULES: dict[type[Event], str] = {
    ConferenceHeld: "R-T1",  # the first core group within 10 working days
    CoreGroupHeld: "R-M7",  # the dates agreed at a core group
    CoreGroupScheduled: "R-T3",
    PlanEnded: "R-LC2",
}

_KIND_SUBJECTS = {
    MeetingKind.CORE_GROUP: "core group",
    MeetingKind.REVIEW_CONFERENCE: "review conference",
}


def _invitation(
    clock: Clock,
    index: int,
    event: Event,
    rule: str,
    ref: Booking,
    roles: tuple[RecipientRole, ...],
) -> Notice:
    label = _KIND_SUBJECTS[ref.kind]
    return _notice(
        clock,
        index,
        event,
        rule,
        "meeting_invite",
        key=f"invite:{ref.meeting}:e{index}",
        title=f"{label.capitalize()} booked",
        subject=f"{label} {ref.meeting}",
        roles=roles,
        meeting_date=ref.on,
        action="Accept the invitation; if you cannot attend, send apologies and a written "
        "report (R-M3)",
        invite=ref,
    )


def _cancellation(clock: Clock, index: int, event: Event, ref: Booking) -> Notice:
    label = _KIND_SUBJECTS[ref.kind]
    roles = CONFERENCE if ref.kind is MeetingKind.REVIEW_CONFERENCE else MEMBERS
    return _notice(
        clock,
        index,
        event,
        "R-LC2",
        "meeting_cancelled",
        key=f"cancel:{ref.meeting}:e{index}",
        title=f"{label.capitalize()} cancelled: the plan has ended",
        subject=f"{label} {ref.meeting}",
        roles=roles,
        meeting_date=ref.on,
        action="Remove the meeting from your calendar; no reports are needed for it",
        invite=replace(ref, cancelled=True),
    )


def notice_dispatches(
    state: CaseState, raised: Iterable[Notice], clock: Clock
) -> Iterator[Dispatch]:
    from domain.recipients import recipients

    for notice in raised:
        fresh = (clock.today - notice.on).days <= NOTICE_WINDOW_DAYS
        if notice.fires_at > clock.as_of or not fresh:
            continue
        yield Dispatch(
            case_reference=state.reference,
            team=state.team,
            profile=state.profile,
            obligation=notice.key,
            rule=notice.rule,
            rung=Rung.NOTICE,
            template=notice.template,
            title=notice.title,
            subject=notice.subject,
            owner_role="lead_professional",
            owner=state.lead_professional,
            due=None,
            overdue_since=None,
            fires_at=notice.fires_at,
            action=notice.action,
            recipients=recipients(state, notice.roles, state.lead_professional),
            meeting_date=notice.meeting_date,
            invite=notice.invite.ref() if notice.invite else None,
        )
