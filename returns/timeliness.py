"""Timeliness: how many of the obligations that fell due were met in time, per team and month.

Each measure counts the obligations of its rules (docs/rules.md §2) whose due date falls in
the period, by the team of the case and the month of the due date, from the obligations
engine as of the end of the period's last day (``derive`` with its history: each
obligation's due date and the day it was met). Every case's own profile sets its timescales.

- owed (the denominator): due in the month, unless the plan ended before the due date
  without it being met (then it was never owed: discharged, R-LC2, R-LC2a);
- in time (the numerator): of those, met on or before the due date. One still open, met
  late, or outstanding when the plan ended after its due date, is late.

A review booked for a day inside its deadline (R-T7, R-T8 ``:booked``) is not a measure:
the deadline is. Pure: case records in, counts out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from domain.errors import RejectedEvent
from domain.ladder import LONDON, Obligation
from domain.obligations import derive
from domain.profiles import calendar_for
from domain.state import fold
from domain.store.extracts import CaseRecord
from returns.plans import Skipped, profile


@dataclass(frozen=True)
class Measure:
    key: str
    title: str
    rules: tuple[str, ...]
    counts: str  # what one obligation is, for the definitions


MEASURES = (
    Measure("icpc", "Initial conferences within 15 working days of the strategy discussion",
            ("R-T0",), "a case's initial conference"),
    Measure("first_review", "First reviews within 3 months of the initial conference", ("R-T7",),
            "a plan's first review conference"),
    Measure("later_reviews", "Later reviews within 6 months of the previous one", ("R-T8",),
            "each later review conference"),
    Measure("core_groups", "Core groups within their timescale", ("R-T1", "R-T3", "R-T4"),
            "each core group owed (the first after a conference, then each at its cadence)"),
    Measure("visits", "Children seen within their visiting timescale", ("R-T11",),
            "each visit owed to each child"),
    Measure("seen_alone", "Children seen alone within their timescale", ("R-T12",),
            "each time each child is owed being seen alone"),
    Measure("minutes", "Core group minutes circulated within their timescale", ("R-T5",),
            "each core group held"),
    Measure("reports", "Agency reports received before the review", ("R-T9",),
            "each professional's report for each review"),
)  # fmt: skip
BY_RULE = {rule: measure.key for measure in MEASURES for rule in measure.rules}
ALL_TEAMS = "All teams"


@dataclass
class Tally:
    owed: int = 0
    in_time: int = 0

    @property
    def percent(self) -> float | None:
        return 100.0 * self.in_time / self.owed if self.owed else None


@dataclass
class Timeliness:
    start: date
    end: date
    tallies: dict[tuple[str, str, str], Tally] = field(default_factory=dict)  # measure, team, month
    skipped: list[Skipped] = field(default_factory=list)
    cases: int = 0

    @property
    def months(self) -> list[str]:
        first, last = (
            self.start.year * 12 + self.start.month - 1,
            self.end.year * 12 + self.end.month - 1,
        )
        return [f"{n // 12}-{n % 12 + 1:02d}" for n in range(first, last + 1)]

    @property
    def teams(self) -> list[str]:
        return sorted({team for _, team, _ in self.tallies})

    def tally(self, measure: str, team: str | None = None, month: str | None = None) -> Tally:
        """One cell; ``None`` for every team, or for the whole period."""
        total = Tally()
        for (key, of_team, of_month), found in self.tallies.items():
            if key == measure and team in (None, of_team) and month in (None, of_month):
                total.owed += found.owed
                total.in_time += found.in_time
        return total


def counted(obligation: Obligation) -> bool | None:
    """In time, late, or (None) never owed."""
    if obligation.met_on is not None:
        return obligation.met_on <= obligation.due
    if obligation.discharged_on is not None and obligation.discharged_on <= obligation.due:
        return None
    return False


def timeliness(records: Iterable[CaseRecord], start: date, end: date) -> Timeliness:
    """Every measure for the obligations due from ``start`` to ``end``, both included."""
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    result = Timeliness(start, end)
    as_of = datetime.combine(end, time(23, 59), LONDON)
    for record in records:
        history = record.history
        if not history.events or history.events[0].on > end:
            continue
        policy = profile(history.profile)
        try:
            state = fold(history, policy, known_by=end)
        except RejectedEvent as error:
            result.skipped.append(Skipped(history.reference, str(error)))
            continue
        result.cases += 1
        for obligation in derive(state, policy, calendar_for(policy), as_of).obligations:
            _count(result, history.team, obligation)
    return result


def _count(result: Timeliness, team: str, obligation: Obligation) -> None:
    measure = BY_RULE.get(obligation.rule)
    if measure is None or obligation.key.endswith(":booked"):
        return
    if not result.start <= obligation.due <= result.end:
        return
    verdict = counted(obligation)
    if verdict is None:
        return
    cell = result.tallies.setdefault((measure, team, obligation.due.strftime("%Y-%m")), Tally())
    cell.owed += 1
    cell.in_time += verdict
