"""Obligations to the family: the plan's copy to the child and parents (R-P5) and a core
group's minutes shared with them (R-T20). An agency's report shared with the family before
the review (R-T19) counts back from the review, beside R-T9, in ``domain.reviews``.

What was shared is recorded by ``SharedWithFamily``; the fold files it by what and about
what (``CaseState.shared``): ``("minutes", <meeting>)`` and ``("report", "p<n>:<member>")``;
the plan's copies by day (``CaseState.plan_shared``), each counted for the conference period
it falls in.
"""

from __future__ import annotations

from collections.abc import Iterator

from domain.case import CaseState
from domain.ladder import Clock, Spec
from domain.specs import duty


def plan_copies(state: CaseState, clock: Clock) -> Iterator[Spec]:
    """R-P5: the child and the parents each receive a copy of the detailed plan (003
    §1.3.11, §1.3.13), with the minutes of the core group that drew it up: the first of
    each conference period."""
    if not clock.profile.plan_to_family:
        return
    for period, ids in state.held.items():
        first = state.meetings[ids[0]].held_on if ids else None
        if first is None:
            continue
        end = state.following_conference(period)
        start = state.conferences[period].on
        met = next(
            (day for day in state.plan_shared if start <= day and (end is None or day < end)),
            None,
        )
        if clock.settled(met, end or state.closed_on):
            continue
        yield duty(
            state, "R-P5", f"R-P5:p{period}", f"plan after conference {period + 1}",
            clock.calendar.add(first, clock.profile.minutes_within_wd), first,
            met_on=met, discharged_on=end or state.closed_on,
        )  # fmt: skip


def minutes_copies(state: CaseState, clock: Clock) -> Iterator[Spec]:
    """R-T20: every core group's minutes shared with the parents and the child (002: "should
    also be shared with the parents and child"; and with parents who decline to attend),
    due with the circulation (R-T5)."""
    if not clock.profile.minutes_to_family:
        return
    within = clock.profile.minutes_within_wd
    for meeting in state.meetings.values():
        if meeting.held_on is None:
            continue
        met = state.shared.get(("minutes", meeting.id))
        if clock.settled(met, state.closed_on):
            continue
        yield duty(
            state, "R-T20", f"R-T20:{meeting.id}", f"core group {meeting.id}",
            clock.calendar.add(meeting.held_on, within), meeting.held_on,
            met_on=met, discharged_on=state.closed_on,
        )  # fmt: skip
