"""Obligations of the core groups: held on time (R-T1, R-T3, R-T4), minutes circulated
(R-T5), the written agreement signed (R-T6), and a new date set after an inquorate meeting
(R-T16, R-M5)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from domain.case import CaseState
from domain.events import (
    AgreementSigned,
    CoreGroupCancelled,
    CoreGroupRescheduled,
    CoreGroupScheduled,
)
from domain.ladder import LONDON, Clock, Spec
from domain.specs import duty
from domain.timescales import cadence_due


def cadence(state: CaseState, clock: Clock, period: int, end: date | None) -> Iterator[Spec]:
    """Each core group of the period, due N WD or weeks after the one before it (or after
    the conference); none is owed once the next conference comes first."""
    anchor = state.conferences[period].on
    held = state.held_in_period(period)
    for k in range(len(held) + 1):
        rule, due = cadence_due(
            clock.profile, clock.calendar, period, anchor, k, state.cg_every_weeks
        )
        met = held[k].held_on if k < len(held) else None
        if met is None and end is not None and due >= end:
            return
        if not clock.settled(met, None):
            yield duty(
                state, rule, f"{rule}:p{period}:cg{k + 1}",
                f"core group {k + 1} after conference {period + 1}", due, anchor,
                met_on=met, discharged_on=None if met else end,
            )  # fmt: skip
        anchor = met or anchor


def minutes_and_agreements(state: CaseState, clock: Clock) -> Iterator[Spec]:
    """R-T5 for every core group held; R-T6 for each member, after the first core group of
    each conference period, where the profile asks for a signed agreement."""
    profile, calendar = clock.profile, clock.calendar
    signed = {(e.meeting, e.member): e.on for e in state.of(AgreementSigned)}
    firsts = {ids[0] for ids in state.held.values() if ids} if profile.signed_agreement else set()
    for meeting in state.meetings.values():
        if meeting.held_on is None:
            continue
        if not clock.settled(meeting.minutes_on, None):
            yield duty(
                state, "R-T5", f"R-T5:{meeting.id}", f"core group {meeting.id}",
                calendar.add(meeting.held_on, profile.minutes_within_wd), meeting.held_on,
                owner=meeting.minute_taker, met_on=meeting.minutes_on,
                discharged_on=state.closed_on,
            )  # fmt: skip
        if meeting.minutes_on is None or meeting.id not in firsts:
            continue
        due = calendar.add(meeting.minutes_on, profile.agreement_within_wd)
        for member in state.members.values():
            yield duty(
                state, "R-T6", f"R-T6:{meeting.id}:{member.id}",
                f"plan from core group {meeting.id}", due, meeting.minutes_on, owner=member.id,
                met_on=signed.get((meeting.id, member.id)), discharged_on=state.closed_on,
            )  # fmt: skip


def inquorate(state: CaseState, clock: Clock) -> Iterator[Spec]:
    """R-T16 / R-M5: after an inquorate cancellation, a new date is set within N hours."""
    hours = clock.profile.inquorate_notice_hours
    new_dates = sorted(
        e.on for e in [*state.of(CoreGroupScheduled), *state.of(CoreGroupRescheduled)]
    )
    for event in state.of(CoreGroupCancelled):
        new_date = next((day for day in new_dates if day >= event.on), None)
        due_at = event.at + timedelta(hours=hours)
        yield duty(
            state, "R-T16", f"R-T16:{event.meeting}:{event.at.isoformat()}",
            f"core group {event.meeting}", due_at.astimezone(LONDON).date(), event.on,
            due_at=due_at, met_on=new_date,
            met_at=datetime.combine(new_date, time(0), LONDON) if new_date else None,
            discharged_on=state.closed_on,
        )  # fmt: skip
