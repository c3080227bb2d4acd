"""Synthetic cases run to time: every duty met on or before its day (the invariant of
docs/rules.md, "A case run to time": such a case gets no missed notice and no escalation).

A case of any shape the procedures allow: an initial, pre-birth (a birth follows) or
transfer-in conference; reviews on their deadline, booked, booked again with the conference
chair's agreement or brought forward; core groups booked ahead (some on dates after the
review they were booked before), moved after an inquorate meeting; apologies with written
reports; cover for the lead professional; visits without access and the plans after them;
risks and decisions; members joining and withdrawing; plans ended by a review, by a transfer
out or for one child. Pure: the same seed gives the same case. The visits, the cover and the
things tracked one by one are in ``domain.punctual_visits``, the meetings in
``domain.punctual_meetings``, what the planner knows of the case in ``domain.punctual_case``.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from domain import punctual_meetings, punctual_visits
from domain.events import (
    Child,
    ConferenceDecision,
    ConferenceHeld,
    ConferenceKind,
    Member,
    MemberRole,
    Outcome,
    PlanEnded,
    PlanEndReason,
    VisitLine,
)
from domain.history import CaseHistory
from domain.profiles import calendar_for, load_profile
from domain.punctual_case import Case

CATEGORIES = ("NEG", "PHY", "SAB", "EMO", "MUL")


def punctual_history(
    seed: int,
    reference: str,
    profile_name: str,
    start: date | None = None,
    days: int = 730,
    team: str = "team-north",
) -> CaseHistory:
    """A case of ``days`` from its opening conference in which every duty is met on time."""
    rng = random.Random(seed)
    profile = load_profile(profile_name)
    calendar = calendar_for(profile)
    first = start or date(2025, 1, 6) + timedelta(days=rng.randint(0, 500))
    opened = calendar.add(calendar.previous_working_day(first), 1)
    case = Case(seed, rng, profile, calendar, opened, opened + timedelta(days=days))
    _ending(case)
    opening = _opening(case)
    punctual_visits.arrangements(case)
    punctual_meetings.periods(case, opening)
    punctual_visits.everything_else(case)
    return CaseHistory(
        reference=reference, profile=profile_name, team=team,
        events=case.journal.events(case.stop, case.closing),
    )  # fmt: skip


def _ending(case: Case) -> None:
    """A transfer out (R-LC2a) ends the plan, if it comes before the simulation ends; a
    review ending it is decided by ``punctual_meetings``."""
    rng = case.rng
    if rng.random() < 0.15:
        day = case.working(case.start + timedelta(days=rng.randint(120, 600)))
        if day < case.stop:
            case.stop = day
            case.closing = PlanEnded(on=day, reason=PlanEndReason.TRANSFERRED_OUT, recorded_by="tm")


def _opening(case: Case) -> ConferenceHeld:
    rng = case.rng
    kind = rng.choices(
        (ConferenceKind.INITIAL, ConferenceKind.PRE_BIRTH, ConferenceKind.TRANSFER_IN),
        (6, 2, 2),
    )[0]
    count = rng.choice((1, 1, 2, 3))
    children = []
    for n in range(1, count + 1):
        unborn = kind is ConferenceKind.PRE_BIRTH and n == 1
        children.append(Child(id=f"c{n}", category=rng.choice(CATEGORIES), unborn=unborn))
        born = case.after(case.start, 15, 60) if unborn else case.start
        case.children[f"c{n}"] = born
    members = [
        Member(id="sw", role=MemberRole.LEAD_PROFESSIONAL, agency="Children's social care"),
        Member(id="tm", role=MemberRole.TEAM_MANAGER, agency="Children's social care"),
        Member(id="hv", role=MemberRole.PROFESSIONAL, agency="Health visiting"),
        Member(id="sch1", role=MemberRole.PROFESSIONAL, agency="Education"),
        Member(id="par1", role=MemberRole.PARENT),
    ]
    case.members = [m.id for m in members]
    case.joined = {"hv": case.start, "sch1": case.start}
    matrix = (VisitLine(member="hv", every_weeks=6),) if rng.random() < 0.3 else ()
    first_cg = case.after(case.start, 1, case.profile.first_cg_within_wd)
    return ConferenceHeld(
        on=case.start, kind=kind, decision=ConferenceDecision.PLAN,
        children=tuple(children),
        outcomes=(Outcome(id="o1", text="The children are safe at home"),),
        lead_professional="sw", team_manager="tm", chair="ch-1", members=tuple(members),
        first_cg_on=first_cg, visiting_matrix=matrix,
        strategy_discussion_on=case.before(case.start, 3, 10),
    )  # fmt: skip
