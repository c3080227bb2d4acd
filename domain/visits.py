"""Obligations of the visits: each child seen (R-T11) and seen alone (R-T12) at least every
N weeks, and each line of the visiting matrix (R-P3); and who counts for a statutory visit."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from datetime import date

from domain.case import CaseState
from domain.events import VisitMade
from domain.ladder import Clock, Spec
from domain.specs import duty
from domain.timescales import add_weeks


def statutory(state: CaseState, visit: VisitMade) -> bool:
    """A statutory visit (R-T11, R-T12; Annex A List 7's "last statutory visit"): one with
    access, by the lead professional in post on its day, or by the cover worker while cover
    is in force (R-E5). Another member's sighting of the child is not one."""
    if visit.no_access:
        return False
    lead = None
    for since, member in state.lead_professionals:
        if since <= visit.on:
            lead = member
    if visit.visitor == (lead or state.lead_professional):
        return True
    return any(
        member == visit.visitor and start <= visit.on and (end is None or visit.on <= end)
        for start, end, member in state.covers
    )


def children_seen(state: CaseState, clock: Clock) -> Iterator[Spec]:
    """R-T11 at the LP's line of the matrix (or the profile's, or the conference's if more
    often); R-T12 at the profile's."""
    profile = clock.profile
    lp_line = state.visiting_matrix.get(state.lead_professional or "")
    for child in state.children.values():
        every = lp_line.every_weeks if lp_line else profile.seen_every_weeks
        if child.seen_every_weeks:
            every = min(every, child.seen_every_weeks)
        end = child.plan_end or state.closed_on
        seen, alone = state.seen.get(child.id, []), state.seen_alone.get(child.id, [])
        yield from _chain(state, clock, "R-T11", child.id, child.plan_start, seen, every, end)
        yield from _chain(
            state, clock, "R-T12", child.id, child.plan_start, alone,
            profile.seen_alone_every_weeks, end,
        )  # fmt: skip


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
        anchor = start
        for day in [*visits, None]:
            yield duty(
                state, "R-P3", f"R-P3:{line.member}:{anchor.isoformat()}",
                f"visits by member {line.member}",
                add_weeks(clock.calendar, anchor, line.every_weeks), anchor,
                owner=line.member, met_on=day, discharged_on=None if day else state.closed_on,
            )  # fmt: skip
            if day is None:
                break
            anchor = day
