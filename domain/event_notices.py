"""The one-off notice each kind of event raises (``domain.notices`` walks the events): an
inquorate cancellation (R-T16), a core group moved or booked past its deadline (R-M6), who
was missing from a core group (R-M3, R-M4, R-M9), a visit without access (R-V5, R-V2), the
child not seen alone (R-V3), risk raised (R-E2), the review brought forward (R-E3), a
disagreement (R-E4), cover (R-E5) and a member withdrawing (R-M10)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date

from domain.case import CaseState
from domain.events import (
    FAMILY_ROLES,
    ConferenceHeld,
    CoreGroupCancelled,
    CoreGroupHeld,
    CoreGroupRescheduled,
    CoreGroupScheduled,
    CoverStarted,
    MemberRole,
    MemberWithdrew,
    ReviewBroughtForward,
    RiskRaised,
    VisitMade,
)
from domain.ladder import Clock
from domain.raised import Notice, Raised
from domain.timescales import cadence_due
from domain.visitors import from_social_care


def next_core_group(
    state: CaseState, clock: Clock, day: date, period: int | None = None
) -> tuple[str, date] | None:
    """The rule and deadline of the next core group owed as the case stood on ``day``
    (R-T1, R-T3, R-T4), or None when it falls on or after the review: the next conference
    comes first and that core group is not owed (see ``domain.core_groups.cadence``)."""
    period = state.period_on(day) if period is None else period
    held = [m.held_on for m in state.held_in_period(period) if m.held_on and m.held_on <= day]
    anchor = held[-1] if held else state.conferences[period].on
    rule, due = cadence_due(
        clock.profile, clock.calendar, period, anchor, len(held), state.cg_every_weeks
    )
    review = state.following_conference(period) or state.review_date(
        period, clock.profile, clock.calendar
    )
    return None if due >= review and len(held) > 0 else (rule, due)


def _breach(
    raised: Raised, subject: str, booked: date, period: int | None = None, meeting: str = ""
) -> Iterator[Notice]:
    """R-M6: a date past the deadline in force is reported at once, not discovered later,
    unless another core group is held or booked by that deadline."""
    found = _late(raised, booked, period, meeting)
    if found is not None:
        yield raised.notice(
            "booking_breach", subject, key=f"R-M6:breach:e{raised.index}",
            deadline=found.isoformat(), meeting_date=booked,
        )  # fmt: skip


def _late(raised: Raised, booked: date, period: int | None, meeting: str) -> date | None:
    """The deadline ``booked`` misses, if no other core group meets it."""
    state, day = raised.state, raised.event.on
    found = next_core_group(state, raised.clock, day, period)
    if found is None or booked <= found[1]:
        return None
    deadline = found[1]
    for other in state.meetings.values():
        if other.id == meeting or (other.held_on is not None and other.held_on <= day):
            continue  # the meeting booked, and those the deadline already counts from
        on = other.held_on or (None if other.cancelled_at else other.scheduled_for)
        if on is not None and day <= on <= deadline:
            return None
    return deadline


def _inquorate(raised: Raised) -> Iterator[Notice]:
    # The entry as members' calendars hold it, now cancelled (a CANCEL, R-T16).
    held = next((c.before for c in raised.changes() if c.before is not None), None)
    entry = replace(held, cancelled=True) if held else None
    yield raised.notice(
        "inquorate", f"core group {raised.event.meeting}",
        meeting_date=entry.on if entry else None, invite=entry,
        hours=raised.clock.profile.inquorate_notice_hours,
    )  # fmt: skip


def _rescheduled(raised: Raised) -> Iterator[Notice]:
    event: CoreGroupRescheduled = raised.event
    moved = next((c.after for c in raised.changes()), None)  # the same entry, SEQUENCE up
    subject = f"core group {event.meeting}"
    yield raised.notice(
        "rescheduled", subject, date=event.date.isoformat(), meeting_date=event.date, invite=moved
    )
    deadline = _late(raised, event.date, None, event.meeting)
    if deadline is not None:
        yield raised.notice(
            "reschedule_breach", subject, key=f"R-M6:breach:e{raised.index}",
            deadline=deadline.isoformat(), meeting_date=event.date,
        )  # fmt: skip


def _scheduled(raised: Raised) -> Iterator[Notice]:
    event: CoreGroupScheduled = raised.event
    yield from _breach(raised, f"core group {event.meeting}", event.date, meeting=event.meeting)


def _conference(raised: Raised) -> Iterator[Notice]:
    event: ConferenceHeld = raised.event
    if event.first_cg_on is not None:
        period = raised.state.period_on(event.on)
        yield from _breach(raised, "first core group", event.first_cg_on, period)


def _held(raised: Raised) -> Iterator[Notice]:
    """What a core group records that someone must hear of: a disagreement (R-E4), a member
    absent without apologies (R-M3), the family absent (R-M4), children's social care absent
    (R-M9), and a next date past the deadline (R-M6)."""
    event: CoreGroupHeld = raised.event
    state = raised.state
    subject = f"core group {event.meeting}"
    if event.disagreements:
        yield raised.notice("disagreement", subject)
    attendance = event.attendance
    excused = set(attendance.apologies) | {m for m, _ in _apologies_for(state, event.meeting)}
    professionals = [
        m for m in attendance.absent
        if state.member_role(m) == MemberRole.PROFESSIONAL and m not in excused
    ]  # fmt: skip
    if professionals:
        yield raised.notice("absent_without_apologies", subject, key=f"R-M3:absent:e{raised.index}")
    family = [m for m in attendance.absent if _family(state, m)]
    if family or attendance.family_absence_reasons:
        yield raised.notice("family_absent", subject)
    if not _social_care_present(state, event):
        yield raised.notice("no_social_care", subject)
    if event.next_dates:
        yield from _breach(raised, subject, min(event.next_dates), meeting=event.meeting)


def _apologies_for(state: CaseState, meeting: str) -> list[tuple[str, date]]:
    return [(member, day) for (m, member), day in state.apologies.items() if m == meeting]


def _family(state: CaseState, member: str) -> bool:
    role = state.member_role(member)
    return role is not None and MemberRole(role) in FAMILY_ROLES


def _social_care_present(state: CaseState, event: CoreGroupHeld) -> bool:
    """R-M9 (000: "it will always involve Children's Social Care"): the LP, their manager,
    the cover worker or another member from children's social care was there."""
    there = {event.chair, event.minute_taker, *event.attendance.present}
    return any(from_social_care(state, member, event.on) for member in there)


def _visit(raised: Raised) -> Iterator[Notice]:
    """R-V5: any visit without access tells the LP's manager and the core group at once;
    R-V2: the second in a row asks for the plan with the police."""
    event: VisitMade = raised.event
    subject = f"visits by member {event.visitor}"
    if event.no_access:
        found = next((v for v in raised.state.no_access if v.position == raised.index), None)
        in_a_row = found.in_a_row if found else 1
        police = in_a_row >= raised.clock.profile.police_after_no_access
        if in_a_row >= 2:
            yield raised.notice("no_access", subject)
        else:
            whom = "the core group and the police" if police else "the core group"
            yield raised.notice("access_failed", subject, with_whom=whom)
    if event.refused_seen_alone:
        yield raised.notice("seen_alone_refused", f"visit by member {event.visitor}")


def _risk(raised: Raised) -> Iterator[Notice]:
    yield raised.notice("risk_raised", f"raised by member {raised.event.member}")


def _brought_forward(raised: Raised) -> Iterator[Notice]:
    # R-E3: the members and the conference chair get the moved calendar entry.
    event: ReviewBroughtForward = raised.event
    moved = next((c.after for c in raised.changes()), None)
    yield raised.notice(
        "review_brought_forward", "review conference", date=event.to.isoformat(),
        meeting_date=event.to, invite=moved,
    )  # fmt: skip


def _cover(raised: Raised) -> Iterator[Notice]:
    yield raised.notice("cover_started", f"cover worker {raised.event.cover.id}")


def _withdrew(raised: Raised) -> Iterator[Notice]:
    event: MemberWithdrew = raised.event
    if not _family(raised.state, event.member):
        yield raised.notice("member_withdrew", f"member {event.member}")


EVENT_NOTICES: dict[type, Callable[[Raised], Iterator[Notice]]] = {
    CoreGroupCancelled: _inquorate,
    CoreGroupRescheduled: _rescheduled,
    CoreGroupScheduled: _scheduled,
    ConferenceHeld: _conference,
    CoreGroupHeld: _held,
    VisitMade: _visit,
    RiskRaised: _risk,
    ReviewBroughtForward: _brought_forward,
    CoverStarted: _cover,
    MemberWithdrew: _withdrew,
}
