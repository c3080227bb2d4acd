"""Obligations of the core groups: held on time (R-T1, R-T3, R-T4), minutes circulated
(R-T5), the written agreement signed (R-T6), a new date set after an inquorate meeting
(R-T16, R-M5), the written report of a member who sent apologies (R-M3) and the detailed
plan's contingency plan (R-P6)."""

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
    """R-T5 for every core group held, owned by the minute taker or, where the profile says
    (001, 003 §1.3.7), the LP; R-T6 for each member at the time, after the first core group
    of each conference period, where the profile asks for a signed agreement."""
    profile, calendar = clock.profile, clock.calendar
    signed = {(e.meeting, e.member): e.on for e in state.of(AgreementSigned)}
    firsts = {ids[0] for ids in state.held.values() if ids} if profile.signed_agreement else set()
    by_lp = profile.minutes_owner == "lead_professional"
    for meeting in state.meetings.values():
        if meeting.held_on is None:
            continue
        if not clock.settled(meeting.minutes_on, None):
            yield duty(
                state, "R-T5", f"R-T5:{meeting.id}", f"core group {meeting.id}",
                calendar.add(meeting.held_on, profile.minutes_within_wd), meeting.held_on,
                owner=state.lead_professional if by_lp else meeting.minute_taker,
                owner_role=profile.minutes_owner, met_on=meeting.minutes_on,
                discharged_on=state.closed_on,
            )  # fmt: skip
        if meeting.minutes_on is None or meeting.id not in firsts:
            continue
        due = calendar.add(meeting.minutes_on, profile.agreement_within_wd)
        for member in state.members.values():
            if state.member_since.get(member.id, meeting.minutes_on) > meeting.minutes_on:
                continue  # joined after the plan went out: not a party to it
            met = signed.get((meeting.id, member.id))
            if clock.settled(met, state.closed_on):
                continue
            yield duty(
                state, "R-T6", f"R-T6:{meeting.id}:{member.id}",
                f"plan from core group {meeting.id}", due, meeting.minutes_on, owner=member.id,
                met_on=met, discharged_on=state.closed_on,
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


def absent_reports(state: CaseState, clock: Clock) -> Iterator[Spec]:
    """R-M3: a member who sends apologies owes a written report by the meeting (000: "in
    advance of the Core Group"; 004: "a written report should be submitted"), met when the
    meeting records it received or the report arrives; a cancellation discharges it."""
    if not clock.profile.report_when_absent:
        return
    for (meeting_id, member), sent in state.apologies.items():
        meeting = state.meetings[meeting_id]
        day = meeting.held_on or meeting.scheduled_for or sent
        received = state.meeting_reports.get((meeting_id, member))
        if member in meeting.reports_received and meeting.held_on is not None:
            received = min(received or meeting.held_on, meeting.held_on)
        cancelled = meeting.cancelled_at.date() if meeting.cancelled_at else None
        if clock.settled(received, cancelled or state.closed_on):
            continue
        yield duty(
            state, "R-M3", f"R-M3:{meeting_id}:{member}", f"core group {meeting_id}",
            day, min(sent, day), owner=member, met_on=received,
            discharged_on=cancelled or state.closed_on,
        )  # fmt: skip


def contingency(state: CaseState, clock: Clock) -> Iterator[Spec]:
    """R-P6: the detailed plan the period's first core group draws up holds a contingency plan
    (003 §1.3.6), due with its minutes; met by the first core group of the period that records
    one."""
    if not clock.profile.contingency_plan:
        return
    for period, ids in state.held.items():
        held = [state.meetings[m] for m in ids]
        first = held[0].held_on if held else None
        if first is None:
            continue
        met = next((m.held_on for m in held if m.contingency_plan), None)
        end = state.following_conference(period)
        if clock.settled(met, end or state.closed_on):
            continue
        yield duty(
            state, "R-P6", f"R-P6:p{period}", f"plan after conference {period + 1}",
            clock.calendar.add(first, clock.profile.minutes_within_wd), first,
            met_on=met, discharged_on=end or state.closed_on,
        )  # fmt: skip
