"""Synthetic cases run to time: every duty met on or before its day (the invariant of
docs/rules.md, "A case run to time": such a case gets no missed notice and no escalation).

A case of any shape the procedures allow: an initial, pre-birth (a birth follows) or
transfer-in conference; reviews on their deadline, booked, booked again with the conference
chair's agreement or brought forward; core groups booked ahead (some on dates after the
review they were booked before), moved after an inquorate meeting; apologies with written
reports; cover for the lead professional; visits without access and the plans after them;
risks and decisions; members joining and withdrawing; plans ended by a review, by a transfer
out or for one child. Pure: the same seed gives the same case. The visits, the cover and the
things tracked one by one are in ``domain.punctual_visits``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from domain.calendar import WorkingDayCalendar
from domain.events import (
    Child,
    ConferenceDecision,
    ConferenceHeld,
    ConferenceKind,
    Event,
    Member,
    MemberRole,
    Outcome,
    PlanEnded,
    PlanEndReason,
    VisitLine,
)
from domain.history import CaseHistory
from domain.profiles import PolicyProfile, calendar_for, load_profile
from domain.timescales import add_weeks, review_deadline

CATEGORIES = ("NEG", "PHY", "SAB", "EMO", "MUL")


@dataclass
class Journal:
    """The events to record, each on its day; within a day, by rank (a conference first, a
    plan ending last), then in the order planned."""

    items: list[tuple[date, int, int, Event]] = field(default_factory=list)

    def add(self, event: Event, rank: int = 4) -> None:
        self.items.append((event.on, rank, len(self.items), event))

    def events(self, stop: date, closing: Event | None) -> tuple[Event, ...]:
        kept = sorted(item for item in self.items if item[0] < stop)
        return tuple(e for *_, e in kept) + ((closing,) if closing else ())


@dataclass
class Case:
    """What the planner knows of the case it is writing."""

    seed: int
    rng: random.Random
    profile: PolicyProfile
    calendar: WorkingDayCalendar
    start: date
    stop: date  # the simulation's end, or the day the plan ends
    journal: Journal = field(default_factory=Journal)
    children: dict[str, date | None] = field(default_factory=dict)  # child -> seen from
    child_ends: dict[str, date] = field(default_factory=dict)  # R-LC2a for one child
    joined: dict[str, date] = field(default_factory=dict)  # professionals -> since
    withdrawn: dict[str, date] = field(default_factory=dict)
    members: list[str] = field(default_factory=list)  # every member id (for R-T6)
    cover: tuple[date, date] | None = None
    conferences: list[date] = field(default_factory=list)
    reviews: list[date] = field(default_factory=list)  # each period's review day
    closing: Event | None = None  # the event that ends the plan on ``stop``
    counter: int = 0

    def working(self, day: date) -> date:
        return self.calendar.previous_working_day(day)

    def after(self, day: date, low: int, high: int) -> date:
        """A working day ``low`` to ``high`` WD after ``day`` (0: ``day`` itself)."""
        n = self.rng.randint(low, high)
        return self.calendar.add(day, n) if n else day

    def before(self, day: date, low: int, high: int) -> date:
        """A working day ``low`` to ``high`` WD before ``day`` (0: ``day`` itself)."""
        n = self.rng.randint(low, high)
        return self.calendar.subtract(day, n) if n else day

    def professionals_on(self, day: date) -> list[str]:
        return [
            m for m, since in self.joined.items()
            if since <= day and (m not in self.withdrawn or self.withdrawn[m] > day)
        ]  # fmt: skip

    def covering(self, day: date) -> bool:
        return self.cover is not None and self.cover[0] <= day <= self.cover[1]

    def next_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"


def punctual_history(
    seed: int,
    reference: str,
    profile_name: str,
    start: date | None = None,
    days: int = 730,
    team: str = "team-north",
) -> CaseHistory:
    """A case of ``days`` from its opening conference in which every duty is met on time."""
    from domain import punctual_meetings, punctual_visits

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


def review_day(case: Case, conference: date, period: int) -> tuple[date, date]:
    """The review's deadline (R-T7, R-T8) and a day on or just before it, to be booked."""
    deadline = review_deadline(case.profile, case.calendar, conference, period)
    return deadline, case.before(deadline, 0, 6)


def cadence_day(case: Case, previous: date, weeks: int) -> date:
    """The next core group, inside its deadline (R-T3, R-T4)."""
    return case.before(add_weeks(case.calendar, previous, weeks), 0, 5)
