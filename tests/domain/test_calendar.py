"""Working days by nation (docs/rules.md §2): ISO dates in, ISO dates out."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import CalendarRangeError, NaiveCalendar, WorkingDayCalendar, calendar_of

D = date.fromisoformat


@pytest.mark.parametrize(
    ("nation", "start", "n", "expected"),
    [
        ("england", "2026-12-23", 1, "2026-12-24"),
        ("england", "2026-12-24", 1, "2026-12-29"),  # Christmas Fri, Boxing Day observed Mon 28th
        ("england", "2026-12-24", 5, "2027-01-05"),  # New Year's Day Fri 1st
        ("england", "2026-12-31", 1, "2027-01-04"),
        ("scotland", "2026-12-31", 1, "2027-01-05"),  # 2 January observed on Mon 4th
        ("wales", "2026-12-31", 1, "2027-01-04"),
        ("northern_ireland", "2027-03-16", 1, "2027-03-18"),  # St Patrick's Day
        ("england", "2027-03-25", 1, "2027-03-30"),  # Good Friday and Easter Monday
        ("scotland", "2027-03-25", 1, "2027-03-29"),  # no Easter Monday in Scotland
        ("scotland", "2026-11-27", 1, "2026-12-01"),  # St Andrew's Day Mon 30th
        ("england", "2026-11-27", 1, "2026-11-30"),
        ("england", "2026-11-02", 45, "2027-01-07"),
    ],
)
def test_adding_working_days_counts_from_the_day_after(nation, start, n, expected):
    assert calendar_of(nation).add(D(start), n).isoformat() == expected


@pytest.mark.parametrize(
    ("nation", "end", "n", "expected"),
    [
        ("england", "2027-01-05", 5, "2026-12-24"),
        ("scotland", "2027-01-05", 5, "2026-12-23"),
        ("england", "2027-01-04", 1, "2026-12-31"),
        ("scotland", "2027-01-06", 1, "2027-01-05"),
        ("england", "2027-03-30", 1, "2027-03-25"),
        ("scotland", "2027-03-30", 1, "2027-03-29"),
    ],
)
def test_subtracting_working_days_counts_back_from_the_day_before(nation, end, n, expected):
    assert calendar_of(nation).subtract(D(end), n).isoformat() == expected


@pytest.mark.parametrize(
    ("nation", "day", "expected"),
    [
        ("england", "2026-12-28", "2026-12-24"),
        ("england", "2027-02-28", "2027-02-26"),
        ("scotland", "2027-01-04", "2026-12-31"),
        ("england", "2027-01-04", "2027-01-04"),
    ],
)
def test_previous_working_day_never_stretches_a_deadline(nation, day, expected):
    assert calendar_of(nation).previous_working_day(D(day)).isoformat() == expected


def test_local_closure_days_are_not_working_days():
    closed = WorkingDayCalendar("england", closures=[D("2026-12-29")])
    assert closed.add(D("2026-12-24"), 1) == D("2026-12-30")
    assert not closed.is_working_day(D("2026-12-29"))


def test_a_date_outside_the_calendar_is_a_clear_error():
    with pytest.raises(CalendarRangeError, match="outside"):
        calendar_of("england").add(D("1990-01-01"), 1)


def test_an_unknown_nation_is_refused():
    with pytest.raises(ValueError, match="nation"):
        WorkingDayCalendar("atlantis")


NAIVE = {nation: NaiveCalendar(nation) for nation in ("england", "scotland")}


@settings(max_examples=300, deadline=None)
@given(
    nation=st.sampled_from(["england", "scotland"]),
    day=st.dates(min_value=date(2001, 1, 1), max_value=date(2058, 12, 31)),
    n=st.integers(min_value=1, max_value=60),
)
def test_the_precomputed_calendar_agrees_with_a_day_by_day_count(nation, day, n):
    fast, naive = calendar_of(nation), NAIVE[nation]
    assert fast.add(day, n) == naive.add(day, n)
    assert fast.subtract(day, n) == naive.subtract(day, n)
    assert fast.previous_working_day(day) == naive.previous_working_day(day)
    assert fast.is_working_day(fast.add(day, n))
    assert fast.between(day, fast.add(day, n)) == n


@settings(max_examples=100, deadline=None)
@given(day=st.dates(min_value=date(2001, 1, 1), max_value=date(2058, 12, 31)))
def test_previous_working_day_is_at_most_a_week_back(day):
    found = calendar_of("england").previous_working_day(day)
    assert day - timedelta(days=7) < found <= day
