"""Timeliness per team and month, checked against a small caseload worked out by hand (ISO
dates in, figures out; England's bank holidays; docs/rules.md's counting)."""

from __future__ import annotations

from datetime import date

import pytest

from domain.events import Event, MinutesCirculated, PlanEnded, PlanEndReason, VisitMade
from domain.history import CaseHistory
from domain.store.extracts import CaseRecord
from returns.timeliness import ALL_TEAMS, MEASURES, Tally, Timeliness, timeliness
from tests.domain.builders import cg, d, icpc

START, END = date(2026, 10, 1), date(2027, 1, 31)


def record(reference: str, team: str, *events: Event) -> CaseRecord:
    return CaseRecord(CaseHistory(reference=reference, team=team, events=events), ())


def visit(on: str, alone: bool) -> VisitMade:
    return VisitMade(
        on=d(on), visitor="sw", children_seen=("c1",), seen_alone=("c1",) if alone else ()
    )


# North: strategy discussion Fri 13 Nov 2026, so the ICPC is due 15 WD later, Fri 4 Dec;
# held Tue 1 Dec: in time. First core group due 10 WD after the ICPC, Tue 15 Dec; held Tue
# 8 Dec: in time. Its minutes due 5 WD later, Tue 15 Dec; circulated Thu 17 Dec: late. The
# next core group due 4 weeks after 8 Dec, Tue 5 Jan; held Tue 12 Jan: late; its minutes due
# Tue 19 Jan, circulated Thu 14 Jan: in time. The child is due to be seen, and seen alone,
# 4 weeks after the ICPC, Tue 29 Dec (25 and 28 Dec are holidays; the 29th is not): seen
# alone Thu 10 Dec, in time for both; then due 4 weeks after 10 Dec, Thu 7 Jan: seen Mon 11
# Jan (late), not alone (late; the visit on 3 Feb is after the period, so not yet known).
NORTH = record(
    "N-1", "team-north",
    icpc("2026-12-01", "2026-12-08", strategy_discussion_on=d("2026-11-13")),
    cg("2026-12-08", "cg-p0-1", "2027-01-05"),
    visit("2026-12-10", alone=True),
    MinutesCirculated(on=d("2026-12-17"), meeting="cg-p0-1"),
    visit("2027-01-11", alone=False),
    cg("2027-01-12", "cg-p0-1-next-1"),
    MinutesCirculated(on=d("2027-01-14"), meeting="cg-p0-1-next-1"),
    visit("2027-02-03", alone=True),
)  # fmt: skip
# South: strategy discussion Mon 5 Oct, ICPC due Mon 26 Oct, held Mon 2 Nov: late. The plan
# ends Tue 10 Nov, before anything else fell due: nothing else was owed.
SOUTH = record(
    "S-1", "team-south",
    icpc("2026-11-02", "2026-11-12", strategy_discussion_on=d("2026-10-05")),
    PlanEnded(on=d("2026-11-10"), reason=PlanEndReason.LEFT_UK, recorded_by="tm"),
)  # fmt: skip
BY_HAND = {
    ("icpc", "team-north", "2026-12"): (1, 1),
    ("icpc", "team-south", "2026-10"): (1, 0),
    ("core_groups", "team-north", "2026-12"): (1, 1),
    ("core_groups", "team-north", "2027-01"): (1, 0),
    ("minutes", "team-north", "2026-12"): (1, 0),
    ("minutes", "team-north", "2027-01"): (1, 1),
    ("visits", "team-north", "2026-12"): (1, 1),
    ("visits", "team-north", "2027-01"): (1, 0),
    ("seen_alone", "team-north", "2026-12"): (1, 1),
    ("seen_alone", "team-north", "2027-01"): (1, 0),
}


@pytest.fixture
def figures() -> Timeliness:
    return timeliness([NORTH, SOUTH], START, END)


def test_the_figures_are_those_worked_out_by_hand(figures: Timeliness) -> None:
    found = {key: (t.owed, t.in_time) for key, t in figures.tallies.items()}
    assert found == BY_HAND
    assert figures.cases == 2


def test_teams_and_months_add_up(figures: Timeliness) -> None:
    assert figures.months == ["2026-10", "2026-11", "2026-12", "2027-01"]
    assert figures.teams == ["team-north", "team-south"]
    assert figures.tally("icpc") == Tally(owed=2, in_time=1)
    assert figures.tally("visits", "team-north") == Tally(owed=2, in_time=1)
    assert figures.tally("core_groups", month="2027-01").percent == 0.0
    assert figures.tally("first_review").percent is None  # nothing fell due: no figure


def test_a_shorter_period_counts_only_what_fell_due_in_it() -> None:
    december = timeliness([NORTH, SOUTH], date(2026, 12, 1), date(2026, 12, 31))
    assert {key for key in december.tallies} == {k for k in BY_HAND if k[2] == "2026-12"}


def test_every_measure_names_its_rules_and_what_it_counts() -> None:
    assert [m.key for m in MEASURES] == [
        "icpc", "first_review", "later_reviews", "core_groups", "visits", "seen_alone",
        "minutes", "reports",
    ]  # fmt: skip
    assert {rule for m in MEASURES for rule in m.rules} == {
        "R-T0", "R-T1", "R-T3", "R-T4", "R-T5", "R-T7", "R-T8", "R-T9", "R-T11", "R-T12",
    }  # fmt: skip
    assert ALL_TEAMS == "All teams"


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="ends"):
        timeliness([], END, START)
