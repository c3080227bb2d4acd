"""Obligations of the visits: each child seen (R-T11) and seen alone (R-T12) at least every
N weeks, each line of the visiting matrix (R-P3), and the plan of action after a visit
without access (R-V5, R-V2); and who counts for a statutory visit (``statutory``)."""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Iterator
from datetime import date

from domain.case import CaseState, NoAccess
from domain.events import VisitMade
from domain.ladder import Clock, Spec
from domain.specs import duty
from domain.timescales import add_weeks
from domain.visitors import statutory

__all__ = ["access_plans", "children_seen", "seen_days", "statutory", "visiting_matrix"]


def seen_days(state: CaseState, child: str) -> list[date]:
    """The days R-T11 counts: statutory visits, and other sightings where the profile says."""
    days = state.seen.get(child, [])
    sightings = state.sightings.get(child, [])
    if not state.policy.sightings_count or not sightings:
        return days
    merged = list(days)
    for day in sightings:
        insort(merged, day)
    return merged


def children_seen(state: CaseState, clock: Clock) -> Iterator[Spec]:
    """R-T11 at the LP's line of the matrix (or the profile's, or the conference's if more
    often); R-T12 at the profile's. An unborn child is seen from birth (R-LC4)."""
    profile = clock.profile
    lp_line = state.visiting_matrix.get(state.lead_professional or "")
    for child in state.children.values():
        start = child.seen_from
        if start is None:
            continue
        every = lp_line.every_weeks if lp_line else profile.seen_every_weeks
        if child.seen_every_weeks:
            every = min(every, child.seen_every_weeks)
        end = child.plan_end or state.closed_on
        seen, alone = seen_days(state, child.id), state.seen_alone.get(child.id, [])
        yield from _chain(state, clock, "R-T11", child.id, start, seen, every, end)
        yield from _chain(
            state, clock, "R-T12", child.id, start, alone, profile.seen_alone_every_weeks, end
        )


def _chain(
    state: CaseState,
    clock: Clock,
    rule: str,
    child: str,
    start: date,
    days: list[date],
    weeks: int,
    end: date | None,
) -> Iterator[Spec]:
    """A visit every N weeks: each visit meets one deadline and sets the next.

    ``days`` is in date order (events are), so the wake view finds the last visit so far
    with a binary search: only the deadline after it can be open."""
    anchor = start
    if clock.history:
        visits = sorted(set(d for d in days if d >= start and (end is None or d <= end)))
    else:
        upto = bisect_right(days, clock.today if end is None else min(end, clock.today))
        if upto and days[upto - 1] >= start:
            anchor = days[upto - 1]
        visits = sorted(set(d for d in days[upto:] if end is None or d <= end))
    for day in [*visits, None]:
        yield duty(
            state, rule, f"{rule}:{child}:{anchor.isoformat()}", f"child {child}",
            add_weeks(clock.calendar, anchor, weeks), anchor,
            met_on=day, discharged_on=None if day else end,
        )  # fmt: skip
        if day is None:
            return
        anchor = day


def visiting_matrix(state: CaseState, clock: Clock) -> Iterator[Spec]:
    """R-P3: each professional's line of the visiting matrix is an obligation (the LP's
    line is R-T11)."""
    start = state.conferences[0].on
    for line in state.visiting_matrix.values():
        if line.member == state.lead_professional:
            continue
        visits = sorted(
            {e.on for e in state.of(VisitMade) if e.visitor == line.member and not e.no_access}
        )
        anchor = max(start, state.member_since.get(line.member, start))
        for day in [*(v for v in visits if v >= anchor), None]:
            yield duty(
                state, "R-P3", f"R-P3:{line.member}:{anchor.isoformat()}",
                f"visits by member {line.member}",
                add_weeks(clock.calendar, anchor, line.every_weeks), anchor,
                owner=line.member, met_on=day,
                discharged_on=None if day else _left(state, line.member),
            )  # fmt: skip
            if day is None:
                break
            anchor = day


def _left(state: CaseState, member: str) -> date | None:
    """The case closing discharges a matrix line; so does its member withdrawing."""
    return state.closed_on if member in state.members else state.member_left.get(member)


def access_plans(state: CaseState, clock: Clock) -> Iterator[Spec]:
    """R-V5: after any visit without access, a plan of action agreed by the core group
    (003 §1.4.8; 000: raised "immediately"); R-V2: from the profile's count of no-access
    visits in a row (two: 003 §1.5.2; one: §1.4.8), a plan agreed with the police."""
    profile = clock.profile
    for visit in state.no_access:
        police = visit.in_a_row >= profile.police_after_no_access
        rule = "R-V2" if police else "R-V5"
        met = next(
            (day for day, with_police in state.access_plans
             if day >= visit.on and (with_police or not police)),
            None,
        )  # fmt: skip
        yield duty(
            state, rule, f"{rule}:plan:e{visit.position}", _visit_subject(visit),
            clock.calendar.add(visit.on, profile.access_plan_within_wd) if
            profile.access_plan_within_wd else visit.on, visit.on,
            met_on=met, discharged_on=state.closed_on,
        )  # fmt: skip


def _visit_subject(visit: NoAccess) -> str:
    return f"visit by member {visit.visitor} on {visit.on.isoformat()}"
