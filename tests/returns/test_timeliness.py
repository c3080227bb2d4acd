"""Timeliness per team and month, checked against a small caseload worked out by hand (ISO
dates in, figures out; England's bank holidays; docs/rules.md's counting)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from domain.events import Event, MinutesCirculated, PlanEnded, PlanEndReason, VisitMade
from domain.history import CaseHistory
from domain.ladder import LONDON
from domain.profiles import load_profile
from domain.store.extracts import CaseRecord
from returns.report import month_cell, render_report
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
    ("first_core_group", "team-north", "2026-12"): (1, 1),
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
    assert figures.tally("core_groups", month="2027-01").percent == 0.0  # R-T3: the cadence
    assert figures.tally("first_review").percent is None  # nothing fell due: no figure


def test_a_shorter_period_counts_only_what_fell_due_in_it() -> None:
    december = timeliness([NORTH, SOUTH], date(2026, 12, 1), date(2026, 12, 31))
    assert {key for key in december.tallies} == {k for k in BY_HAND if k[2] == "2026-12"}


def test_every_measure_names_its_rules_and_what_it_counts() -> None:
    assert [m.key for m in MEASURES] == [
        "icpc", "first_review", "later_reviews", "first_core_group", "core_groups", "visits",
        "seen_alone", "minutes", "reports", "recording",
    ]  # fmt: skip
    assert {m.key: m.rules for m in MEASURES}["first_core_group"] == ("R-T1",)
    assert {rule for m in MEASURES for rule in m.rules} == {
        "R-T0", "R-T1", "R-T3", "R-T4", "R-T5", "R-T7", "R-T8", "R-T9", "R-T11", "R-T12", "R-G3",
    }  # fmt: skip
    assert ALL_TEAMS == "All teams"


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="ends"):
        timeliness([], END, START)


def test_run_before_the_period_ends_nothing_not_yet_due_is_owed_and_the_month_is_to_date() -> None:
    """On Tue 15 Dec 2026, for October to January: North's ICPC (due 4 Dec, held 1 Dec) and
    first core group (due 15 Dec, held 8 Dec) were in time; its minutes, due that very day
    and circulated on the 17th, are not owed yet; the visits due 29 Dec and everything in
    January are not due yet (never a 0%). South's ICPC (due 26 Oct, held 2 Nov) was late."""
    early = timeliness([NORTH, SOUTH], START, END, as_of=date(2026, 12, 15))
    found = {key: (t.owed, t.in_time) for key, t in early.tallies.items()}
    assert found == {
        ("icpc", "team-north", "2026-12"): (1, 1),
        ("icpc", "team-south", "2026-10"): (1, 0),
        ("first_core_group", "team-north", "2026-12"): (1, 1),
    }
    assert (early.known, early.to_date) == (date(2026, 12, 15), True)
    assert [early.month_state(m) for m in early.months] == ["ended", "ended", "to date", "not yet"]
    assert month_cell(early, "visits", None, "2027-01") == "not yet due"
    assert month_cell(early, "visits", None, "2026-12") == "–"
    html = render_report(early, datetime(2026, 12, 15, 9, tzinfo=LONDON))
    assert "The period has not ended" in html and "2026-12 (to date)" in html
    # January, for every measure and team, says it is not yet due rather than 0%.
    assert html.count('class="not-yet">not yet due') == len(MEASURES) * 3


def test_after_the_period_the_report_day_changes_nothing(figures: Timeliness) -> None:
    later = timeliness([NORTH, SOUTH], START, END, as_of=date(2027, 3, 1))
    assert later.tallies == figures.tallies and not later.to_date


def test_recording_counts_events_recorded_within_the_profiles_limit_of_their_day() -> None:
    """England's limit is 10 working days: the core group of Tue 8 Dec recorded on Tue 22
    Dec is the 10th (in time); the minutes of Thu 17 Dec recorded on Wed 6 Jan 2027 are the
    11th (25 and 28 Dec and 1 Jan are holidays): late. The ICPC was recorded on its day."""
    events = (
        icpc("2026-12-01", "2026-12-08", strategy_discussion_on=d("2026-11-13")),
        cg("2026-12-08", "cg-p0-1", "2027-01-05"),
        MinutesCirculated(on=d("2026-12-17"), meeting="cg-p0-1"),
    )
    recorded = tuple(datetime.combine(d(day), time(12), UTC)
                     for day in ("2026-12-01", "2026-12-22", "2027-01-06"))  # fmt: skip
    case = CaseRecord(CaseHistory(reference="R-1", team="team-north", events=events), (), recorded)
    found = timeliness([case], START, END)
    assert found.tally("recording", "team-north", "2026-12") == Tally(owed=3, in_time=2)
    assert load_profile("england").late_entry_reason_after_wd == 10
