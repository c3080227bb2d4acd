"""Timeliness: how many of the obligations that fell due were met in time, per team and month.

Each measure counts the obligations of its rules (docs/rules.md §2) whose due date falls in
the period, by the team of the case and the month of the due date, from the obligations
engine as known on the period's last day, or on the report's day if the period has not ended
(``derive`` with its history: each obligation's due date and the day it was met). Every
case's own profile sets its timescales.

- owed (the denominator): due in the month and by the report's day, unless the plan ended
  before the due date without it being met (then it was never owed: discharged, R-LC2,
  R-LC2a). An obligation due after the report's day, or due on it and not yet met, is not
  yet owed: a period not ended is counted "to date";
- in time (the numerator): of those, met on or before the due date. One still open, met
  late, or outstanding when the plan ended after its due date, is late.

A review booked for a day inside its deadline (R-T7, R-T8 ``:booked``) is not a measure:
the deadline is. Recording (R-G3) counts events, not obligations: each event that happened
in the month, recorded by the store within the profile's ``late_entry_reason_after_wd``
working days of the day it happened. Pure: case records in, counts out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from domain.case import CaseState
from domain.errors import RejectedEvent
from domain.events import EventVoided
from domain.ladder import LONDON, Obligation
from domain.obligations import settled_obligations
from domain.profiles import PolicyProfile, calendar_for
from domain.recording import recording_lag
from domain.state import fold
from domain.store.extracts import CaseRecord
from returns.plans import Skipped, profile


@dataclass(frozen=True)
class Measure:
    key: str
    title: str
    rules: tuple[str, ...]
    counts: str  # what one obligation is, for the definitions


RECORDING = "recording"
MEASURES = (
    Measure("icpc", "Initial conferences within 15 working days of the strategy discussion",
            ("R-T0",), "a case's initial conference"),
    Measure("first_review", "First reviews within 3 months of the initial conference", ("R-T7",),
            "a plan's first review conference"),
    Measure("later_reviews", "Later reviews within 6 months of the previous one", ("R-T8",),
            "each later review conference"),
    Measure("first_core_group", "First core groups within their timescale of the conference",
            ("R-T1",), "the first core group after each conference"),
    Measure("core_groups", "Later core groups within their cadence", ("R-T3", "R-T4"),
            "each later core group owed at its cadence"),
    Measure("visits", "Children seen within their visiting timescale", ("R-T11",),
            "each visit owed to each child"),
    Measure("seen_alone", "Children seen alone within their timescale", ("R-T12",),
            "each time each child is owed being seen alone"),
    Measure("minutes", "Core group minutes circulated within their timescale", ("R-T5",),
            "each core group held"),
    Measure("reports", "Agency reports received before the review", ("R-T9",),
            "each professional's report for each review"),
    Measure(RECORDING, "Events recorded within the profile's limit of the day they happened",
            ("R-G3",), "each event that happened (recorded within 10 working days in England)"),
)  # fmt: skip
BY_RULE = {rule: m.key for m in MEASURES if m.key != RECORDING for rule in m.rules}
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
    as_of: date | None = None  # the report's day: what is known, and owed, by then
    tallies: dict[tuple[str, str, str], Tally] = field(default_factory=dict)  # measure, team, month
    skipped: list[Skipped] = field(default_factory=list)
    cases: int = 0

    @property
    def known(self) -> date:
        """The last day counted: the period's end, or the report's day if that is earlier."""
        return min(self.end, self.as_of) if self.as_of else self.end

    @property
    def to_date(self) -> bool:
        """The period has not ended on the report's day."""
        return self.known < self.end

    @property
    def months(self) -> list[str]:
        first, last = (
            self.start.year * 12 + self.start.month - 1,
            self.end.year * 12 + self.end.month - 1,
        )
        return [f"{n // 12}-{n % 12 + 1:02d}" for n in range(first, last + 1)]

    def month_state(self, month: str) -> str:
        """``ended``, ``to date`` (the report's day falls in it), or ``not yet`` (after it)."""
        known = f"{self.known:%Y-%m}"
        if month < known or (month == known and not self.to_date):
            return "ended"
        return "to date" if month == known else "not yet"

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


def counted(obligation: Obligation, report_day: date | None = None) -> bool | None:
    """In time, late, or (None) never owed, or not yet owed on ``report_day``."""
    if obligation.met_on is not None and (report_day is None or obligation.met_on <= report_day):
        return obligation.met_on <= obligation.due
    if obligation.discharged_on is not None and obligation.discharged_on <= obligation.due:
        return None
    if report_day is not None and obligation.due >= report_day:
        return None  # not yet due, or due today: not owed yet
    return False


def timeliness(
    records: Iterable[CaseRecord], start: date, end: date, as_of: date | None = None
) -> Timeliness:
    """Every measure for the obligations due from ``start`` to ``end``, both included, as
    known on ``as_of`` (the report's day; the period's end if not given or later)."""
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    result = Timeliness(start, end, as_of)
    known = result.known
    report_day = as_of if as_of is not None and as_of <= end else None
    moment = datetime.combine(known, time(23, 59), LONDON)
    for record in records:
        history = record.history
        if not history.events or history.events[0].on > known:
            continue
        policy = profile(history.profile)
        try:
            state = fold(history, policy, known_by=known)
        except RejectedEvent as error:
            result.skipped.append(Skipped(history.reference, str(error)))
            continue
        result.cases += 1
        for obligation in settled_obligations(state, policy, calendar_for(policy), moment):
            _count(result, history.team, obligation, report_day)
        _count_recording(result, record, state, policy)
    return result


def _count(result: Timeliness, team: str, obligation: Obligation, report_day: date | None) -> None:
    measure = BY_RULE.get(obligation.rule)
    if measure is None or obligation.key.endswith(":booked"):
        return
    if not result.start <= obligation.due <= result.known:
        return
    verdict = counted(obligation, report_day)
    if verdict is not None:
        _add(result, measure, team, obligation.due, verdict)


def _count_recording(
    result: Timeliness, record: CaseRecord, state: CaseState, policy: PolicyProfile
) -> None:
    """R-G3: each event that counts (not a correction, not voided, not imported) that
    happened in the period, recorded within the profile's limit of working days after it."""
    if not record.recorded_at:
        return
    calendar = calendar_for(policy)
    limit = policy.late_entry_reason_after_wd
    voided = set(state.voided)
    for number, (event, at) in enumerate(
        zip(record.history.events, record.recorded_at, strict=True), 1
    ):
        if at is None or number in voided or isinstance(event, EventVoided):
            continue  # imported (a migration), voided, or a correction
        if not result.start <= event.on <= result.known:
            continue
        lag = recording_lag(calendar, event.on, at.astimezone(LONDON).date())  # R-G3's measure
        _add(result, RECORDING, state.team, event.on, lag <= limit)


def _add(result: Timeliness, measure: str, team: str, due: date, in_time: bool) -> None:
    cell = result.tallies.setdefault((measure, team, due.strftime("%Y-%m")), Tally())
    cell.owed += 1
    cell.in_time += in_time
