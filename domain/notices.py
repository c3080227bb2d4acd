"""One-off notices raised by events (``domain.event_notices``: R-T16, R-M3, R-M4, R-M6,
R-M9, R-M10, R-V2, R-V3, R-V5, R-E2, R-E3, R-E4, R-E5) and the calendar invitations for
every core group and review conference booked.

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
from datetime import date, timedelta

from domain.case import Booking, CaseState, review_period
from domain.dispatch import Dispatch, MeetingKind, RecipientRole
from domain.event_notices import EVENT_NOTICES, next_core_group
from domain.events import (
    ConferenceHeld,
    CoreGroupHeld,
    CoreGroupScheduled,
    Event,
    PlanEnded,
    ReviewBooked,
)
from domain.ladder import Clock
from domain.raised import Notice, Raised
from domain.recipients import notice_dispatch
from domain.rulebook import CONFERENCE, NOTICES
from domain.timescales import review_rule

__all__ = ["NOTICE_WINDOW_DAYS", "Notice", "notice_dispatches", "notices"]

NOTICE_WINDOW_DAYS = 14


def _day(event: Event) -> date:
    return event.on


def notices(state: CaseState, clock: Clock) -> Iterator[Notice]:
    events = state.events
    start = 0
    if not clock.history:  # older notices can no longer be dispatched
        cutoff = clock.today - timedelta(days=NOTICE_WINDOW_DAYS + 1)
        days = [e.on for e in events]
        # After the opening conference the events are in date order; an enquiry's facts dated
        # before it come just after it (``validation.ENQUIRY_FACTS``), so search from there.
        start = bisect_left(days, cutoff, lo=1) if days and days[0] < cutoff else 0
    for counted in range(start, len(events)):
        event = events[counted]
        # Keyed by its place in the journal: a correction never renumbers a notice.
        raised = Raised(state, clock, state.positions[counted], event)
        handler = EVENT_NOTICES.get(type(event))
        if handler is not None:
            yield from handler(raised)
        if type(event) in _BOOKING_RULES:
            yield from _invitations(raised)


def _scheduled_rule(raised: Raised, period: int) -> str:
    """A core group booked later answers to the deadline then open: R-T1 until the ICPC's
    first core group is held, then R-T3 (R-T4 after a review)."""
    found = next_core_group(raised.state, raised.clock, raised.event.on)
    return found[0] if found else ("R-T3" if period == 0 else "R-T4")


# The events that book meetings (moves and cancellations go with their own notices), and
# the rule each booking of a core group answers to.
_BOOKING_RULES: dict[type, Callable[[Raised, int], str]] = {
    ConferenceHeld: lambda _raised, period: "R-T1" if period == 0 else "R-T4",
    CoreGroupHeld: lambda _raised, period: "R-M7",
    CoreGroupScheduled: _scheduled_rule,
    ReviewBooked: lambda _raised, period: review_rule(period),
    PlanEnded: lambda _raised, period: "R-LC2",
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
            period = raised.state.period_on(raised.event.on)
            rule, roles = (
                _BOOKING_RULES[type(raised.event)](raised, period),
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
