"""Obligations of the conferences: the initial conference on time (R-T0), the review
conference by its deadline (R-T7, R-T8) and on the day booked, and what is owed before it:
the core groups (R-T2), the last core group's recommendation (R-T17), every agency's report,
its chase and its copy to the family (R-T9, R-T10, R-T19), and the child's bedroom seen
(R-T13).

What is owed before the review counts back from the day it is booked for, or from its
deadline while none is booked; the deadline stays the outer bound and is what escalates.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from domain.case import CaseState
from domain.events import AgencyReportReceived, MemberRole, VisitMade
from domain.ladder import Clock, Spec
from domain.rulebook import BOOKED_REVIEW_TITLE
from domain.specs import duty
from domain.timescales import icpc_target, review_rule


def icpc_timeliness(state: CaseState, clock: Clock) -> Iterator[Spec]:
    """R-T0: the initial conference within N WD of the strategy discussion."""
    opening = state.events[0]
    started = getattr(opening, "strategy_discussion_on", None)
    if not isinstance(started, date) or clock.settled(opening.on, None):
        return  # met by the opening conference: a wake has nothing to do with it
    due = icpc_target(clock.profile, clock.calendar, started)
    yield duty(state, "R-T0", "R-T0", "case", due, started, met_on=opening.on)


def review(state: CaseState, clock: Clock, period: int) -> Iterator[Spec]:
    """The review conference the period leads to: held by its deadline (R-T7, R-T8); and,
    once booked, held on the day booked (the missed rung alone: the deadline escalates)."""
    conference = state.conferences[period]
    following = state.following_conference(period)
    deadline = state.review_deadline(period, clock.profile, clock.calendar)
    rule = review_rule(period)
    common: dict[str, Any] = dict(met_on=following, discharged_on=state.closed_on)
    key = f"{rule}:p{period}"
    yield duty(state, rule, key, "review conference", deadline, conference.on, **common)
    booked = state.review_booked.get(period)
    if booked is not None and booked != deadline:
        yield duty(
            state, rule, f"{key}:booked", "review conference", booked, conference.on,
            title=BOOKED_REVIEW_TITLE, missed_only=True, **common,
        )  # fmt: skip


def before_review(state: CaseState, clock: Clock, period: int) -> Iterator[Spec]:
    """What is owed before the review: counted back from its day (booked, or the deadline)."""
    profile, calendar = clock.profile, clock.calendar
    start = state.conferences[period].on
    following = state.following_conference(period)
    review_day = following or state.review_date(period, profile, calendar)
    end = following or state.closed_on
    held = state.held_in_period(period)
    # Due two working days before the review, so the missed rung reaches the owner and the
    # LP on its eve; due on the eve, it would fall on the review's morning, when the review
    # discharges it, and never be heard.
    eve = calendar.subtract(review_day, 2)
    if period == 0:
        need = profile.cgs_before_first_review
        met = held[need - 1].held_on if len(held) >= need else None
        yield duty(
            state, "R-T2", "R-T2", "first review conference", eve, start,
            title=f"{need} core groups held before the first review",
            met_on=met if met and met < review_day else None, discharged_on=end,
        )  # fmt: skip
    if profile.recommendation_at_final_cg:
        # R-T17: the final core group before the review makes the recommendation (000, 002,
        # 004): the last held before its day, as far as the case knows.
        before = [m for m in held if m.held_on is not None and m.held_on < review_day]
        last = before[-1] if before else None
        yield duty(
            state, "R-T17", f"R-T17:p{period}", "review conference", eve, start,
            met_on=last.held_on if last and last.recommendation else None, discharged_on=end,
        )  # fmt: skip
    yield from _reports(state, clock, period, review_day, end)
    if profile.bedroom_between_conferences:
        yield from _bedrooms(state, period, review_day, eve, end)


def _reports(
    state: CaseState, clock: Clock, period: int, review_day: date, end: date | None
) -> Iterator[Spec]:
    """R-T9: each agency's report N WD before the review; R-T10: the chase and escalation;
    R-T19: the report shared with the family by the same day (000). A member who joined after
    that day owes neither for this review."""
    profile, calendar = clock.profile, clock.calendar
    start = state.conferences[period].on
    received: dict[str, date] = {}
    for event in state.of(AgencyReportReceived):
        if event.meeting is None and start < event.on <= review_day:
            received.setdefault(event.member, event.on)
    due = calendar.subtract(review_day, profile.reports_before_review_wd)
    chase = max(calendar.subtract(review_day, profile.chase_before_review_wd), start)
    for member in state.members.values():
        joined = state.member_since.get(member.id, start)
        if member.role is not MemberRole.PROFESSIONAL or joined > due:
            continue
        arose, sent = max(start, joined), received.get(member.id)
        subject = f"report from member {member.id}"
        if not clock.settled(sent, end):
            yield duty(
                state, "R-T9", f"R-T9:p{period}:{member.id}", subject, due, arose,
                owner=member.id, met_on=sent, discharged_on=end, chase_on=max(chase, arose),
            )  # fmt: skip
        shared = state.shared.get(("report", f"p{period}:{member.id}"))
        if profile.reports_shared_with_family and not clock.settled(shared, end):
            yield duty(
                state, "R-T19", f"R-T19:p{period}:{member.id}", subject, due, arose,
                owner=member.id, met_on=shared, discharged_on=end,
            )  # fmt: skip


def _bedrooms(
    state: CaseState, period: int, review_day: date, due: date, end: date | None
) -> Iterator[Spec]:
    """R-T13: each child's bedroom seen at least once between conferences."""
    start = state.conferences[period].on
    seen: dict[str, date] = {}
    for event in state.of(VisitMade):
        if start <= event.on < review_day:
            for child_id in event.bedroom_seen:
                seen.setdefault(child_id, event.on)
    for child in state.children.values():
        born = child.seen_from
        if born is None or born > start:
            continue  # R-LC4: born during the period: the next period's bedroom
        yield duty(
            state, "R-T13", f"R-T13:p{period}:{child.id}", f"child {child.id}", due, start,
            met_on=seen.get(child.id),
            discharged_on=min((d for d in (end, child.plan_end) if d), default=None),
        )  # fmt: skip
