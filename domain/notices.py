"""One-off notices raised by events (R-T16, R-M6, R-V2, R-V3, R-E2, R-E3, R-E4, R-E5) and
the calendar invitations for every core group and review conference booked.

A meeting's invitation goes out when it is set (R-T1 the first core group, R-M7 dates agreed
at a core group, a core group scheduled later, the next review conference when a conference
continues the plan or the review is booked), is updated when the meeting moves (R-M6, R-E3,
a review booked again) and cancelled when it is cancelled (R-T16) or the plan ends first
(R-LC2). The fold records what each event did to the calendars (``booking_changes``); this
module only reads it.

A notice fires once, from the business hour of the day its event happened. A history
imported long after the fact raises no stale notices: only those within
``NOTICE_WINDOW_DAYS`` of ``as_of`` are dispatched.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from domain.case import Booking, CaseState, review_period
from domain.dispatch import Dispatch, MeetingKind, RecipientRole
from domain.events import (
    ConferenceHeld,
    CoreGroupCancelled,
    CoreGroupHeld,
    CoreGroupRescheduled,
    CoreGroupScheduled,
    CoverStarted,
    PlanEnded,
    ReviewBooked,
    ReviewBroughtForward,
    RiskRaised,
    VisitMade,
)
from domain.ladder import Clock
from domain.recipients import notice_dispatch
from domain.rulebook import CONFERENCE, NOTICES, NoticeRule
from domain.timescales import cadence_due, review_rule

NOTICE_WINDOW_DAYS = 14


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


@dataclass(frozen=True, slots=True)
class Raised:
    """One event as the notices see it: where it is, and what it did to the calendars."""

    state: CaseState
    clock: Clock
    index: int
    event: Any
    previous_visit: VisitMade | None

    def notice(self, name: str, subject: str, **fields: Any) -> Notice:
        rule: NoticeRule = NOTICES[name]
        words = {k: fields.pop(k) for k in ("date", "deadline", "label") if k in fields}
        cited = fields.pop("rule", rule.rule)
        return Notice(
            key=fields.pop("key", f"{cited}:e{self.index}"),
            rule=cited,
            template=rule.template,
            title=rule.title.format(**words),
            subject=subject,
            action=rule.action.format(**words),
            on=self.event.on,
            fires_at=self.clock.moment(self.event.on),
            roles=fields.pop("roles", rule.roles),
            **fields,
        )

    def changes(self) -> list[Any]:
        return self.state.booking_changes.get(self.index, [])


def notices(state: CaseState, clock: Clock) -> Iterator[Notice]:
    events = state.events
    start = 0
    if not clock.history:  # older notices can no longer be dispatched
        cutoff = clock.today - timedelta(days=NOTICE_WINDOW_DAYS + 1)
        days = [e.on for e in events]
        # After the opening conference the events are in date order; an enquiry's facts dated
        # before it come just after it (``validation.ENQUIRY_FACTS``), so search from there.
        start = bisect_left(days, cutoff, lo=1) if days and days[0] < cutoff else 0
    previous = next((e for e in reversed(events[:start]) if isinstance(e, VisitMade)), None)
    for counted in range(start, len(events)):
        event = events[counted]
        # Keyed by its place in the journal: a correction never renumbers a notice.
        raised = Raised(state, clock, state.positions[counted], event, previous)
        handler = _EVENT_NOTICES.get(type(event))
        if handler is not None:
            yield from handler(raised)
        if type(event) in _BOOKING_RULES:
            yield from _invitations(raised)
        if isinstance(event, VisitMade):
            previous = event


def _inquorate(raised: Raised) -> Iterator[Notice]:
    # The entry as members' calendars hold it, now cancelled (a CANCEL, R-T16).
    held = next((c.before for c in raised.changes() if c.before is not None), None)
    entry = replace(held, cancelled=True) if held else None
    yield raised.notice(
        "inquorate", f"core group {raised.event.meeting}",
        meeting_date=entry.on if entry else None, invite=entry,
    )  # fmt: skip


def _rescheduled(raised: Raised) -> Iterator[Notice]:
    event: CoreGroupRescheduled = raised.event
    moved = next((c.after for c in raised.changes()), None)  # the same entry, SEQUENCE up
    subject = f"core group {event.meeting}"
    day = event.date.isoformat()
    yield raised.notice("rescheduled", subject, date=day, meeting_date=event.date, invite=moved)
    deadline = _cadence_deadline(raised)
    if event.date > deadline:
        yield raised.notice(
            "reschedule_breach", subject, key=f"R-M6:breach:e{raised.index}",
            deadline=deadline.isoformat(), meeting_date=event.date,
        )  # fmt: skip


def _cadence_deadline(raised: Raised) -> date:
    """The R-T1/R-T3/R-T4 deadline in force when the meeting was moved (R-M6)."""
    state, clock = raised.state, raised.clock
    period = state.meetings[raised.event.meeting].period
    moved = (raised.event.on, raised.index)  # the story's order: by day, then the journal's
    before = [m for m in state.held_in_period(period) if (m.held_on, m.held_index or 0) < moved]
    anchor = before[-1].held_on if before and before[-1].held_on else state.conferences[period].on
    return cadence_due(
        clock.profile, clock.calendar, period, anchor, len(before), state.cg_every_weeks
    )[1]


def _visit(raised: Raised) -> Iterator[Notice]:
    event: VisitMade = raised.event
    previous = raised.previous_visit
    if event.no_access and previous is not None and previous.no_access:
        yield raised.notice("no_access", f"visits by member {event.visitor}")
    if event.refused_seen_alone:
        yield raised.notice("seen_alone_refused", f"visit by member {event.visitor}")


def _risk(raised: Raised) -> Iterator[Notice]:
    yield raised.notice("risk_raised", f"raised by member {raised.event.member}")


def _disagreement(raised: Raised) -> Iterator[Notice]:
    if raised.event.disagreements:
        yield raised.notice("disagreement", f"core group {raised.event.meeting}")


def _brought_forward(raised: Raised) -> Iterator[Notice]:
    event: ReviewBroughtForward = raised.event
    moved = next((c.after for c in raised.changes()), None)
    yield raised.notice(
        "review_brought_forward", "review conference", date=event.to.isoformat(),
        meeting_date=event.to, invite=moved,
    )  # fmt: skip


def _cover(raised: Raised) -> Iterator[Notice]:
    yield raised.notice("cover_started", f"cover worker {raised.event.cover.id}")


_EVENT_NOTICES: dict[type, Callable[[Raised], Iterator[Notice]]] = {
    CoreGroupCancelled: _inquorate,
    CoreGroupRescheduled: _rescheduled,
    VisitMade: _visit,
    RiskRaised: _risk,
    CoreGroupHeld: _disagreement,
    ReviewBroughtForward: _brought_forward,
    CoverStarted: _cover,
}

# The events that book meetings (moves and cancellations go with their own notices), and
# the rule each booking of a core group answers to.
_BOOKING_RULES: dict[type, Callable[[int], str]] = {
    ConferenceHeld: lambda period: "R-T1" if period == 0 else "R-T4",
    CoreGroupHeld: lambda period: "R-M7",
    CoreGroupScheduled: lambda period: "R-T3" if period == 0 else "R-T4",
    ReviewBooked: lambda period: review_rule(period),
    PlanEnded: lambda period: "R-LC2",
}

_LABELS = {MeetingKind.CORE_GROUP: "core group", MeetingKind.REVIEW_CONFERENCE: "review conference"}


def _invitations(raised: Raised) -> Iterator[Notice]:
    """Invitations to the meetings this event booked, and cancellations if the plan ended."""
    for change in raised.changes():
        entry: Booking = change.after
        label = _LABELS[entry.kind]
        review = entry.kind is MeetingKind.REVIEW_CONFERENCE
        words = dict(label=label.capitalize(), meeting_date=entry.on)
        if entry.cancelled:
            yield raised.notice(
                "meeting_cancelled", f"{label} {entry.meeting}",
                key=f"cancel:{entry.meeting}:e{raised.index}", invite=entry,
                roles=CONFERENCE if review else NOTICES["meeting_cancelled"].roles, **words,
            )  # fmt: skip
            continue
        roles: tuple[RecipientRole, ...] = NOTICES["meeting_invite"].roles
        if review:
            rule, roles = review_rule(review_period(entry.meeting)), CONFERENCE
        else:
            period = raised.state.meetings[entry.meeting].period
            rule, roles = (
                _BOOKING_RULES[type(raised.event)](period),
                NOTICES["meeting_invite"].roles,
            )
        yield raised.notice(
            "meeting_invite", f"{label} {entry.meeting}", key=f"invite:{entry.meeting}:e{raised.index}",
            rule=rule, roles=roles, invite=entry, **words,
        )  # fmt: skip


def notice_dispatches(
    state: CaseState, raised: tuple[Notice, ...], clock: Clock
) -> Iterator[Dispatch]:
    """The notices due by ``as_of`` and fresh enough to send."""
    for notice in raised:
        fresh = (clock.today - notice.on).days <= NOTICE_WINDOW_DAYS
        if notice.fires_at > clock.as_of or not fresh:
            continue
        yield notice_dispatch(
            state,
            key=notice.key,
            rule=notice.rule,
            template=notice.template,
            title=notice.title,
            subject=notice.subject,
            action=notice.action,
            fires_at=notice.fires_at,
            roles=notice.roles,
            meeting_date=notice.meeting_date,
            invite=notice.invite,
        )
