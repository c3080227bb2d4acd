"""The working-day calendar: Monday to Friday, less the nation's bank holidays and local closures.

Working days are precomputed once into a sorted array of ordinals, so adding or
subtracting N working days is two binary searches (O(log n)) rather than a
day-by-day loop: the whole country's caseload must compute in seconds.

Conventions (docs/rules.md §2): "N WD after" counts forward from the day after the
event; "N WD before" counts back from the day before it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Container, Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays

NATIONS = {"england": "ENG", "wales": "WLS", "scotland": "SCT", "northern_ireland": "NIR"}
FIRST_YEAR = 2000
LAST_YEAR = 2060


class CalendarRangeError(ValueError):
    """A date outside the years the calendar was built for."""


class WorkingDayCalendar:
    def __init__(
        self,
        nation: str,
        closures: Iterable[date] = (),
        first_year: int = FIRST_YEAR,
        last_year: int = LAST_YEAR,
    ) -> None:
        if nation not in NATIONS:
            raise ValueError(f"nation: unknown nation {nation!r}; one of {sorted(NATIONS)}")
        self.nation = nation
        years = range(first_year, last_year + 1)
        bank = holidays.country_holidays("GB", subdiv=NATIONS[nation], years=years)
        closed = set(bank) | set(closures)
        self.closed_days = frozenset(closed)
        start = date(first_year, 1, 1)
        span = (date(last_year, 12, 31) - start).days + 1
        days = (start + timedelta(days=i) for i in range(span))
        self._ordinals = [d.toordinal() for d in days if d.weekday() < 5 and d not in closed]
        self._set = frozenset(self._ordinals)
        self._days = [date.fromordinal(o) for o in self._ordinals]
        self._lo = start.toordinal()
        self._hi = date(last_year, 12, 31).toordinal()

    def _check(self, day: date) -> int:
        ordinal = day.toordinal()
        if not self._lo <= ordinal <= self._hi:
            raise CalendarRangeError(f"date {day.isoformat()} is outside the calendar's years")
        return ordinal

    def is_working_day(self, day: date) -> bool:
        return self._check(day) in self._set

    def add(self, day: date, n: int) -> date:
        """The N-th working day after ``day`` (counting from the day after it)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        try:
            return self._days[bisect_right(self._ordinals, self._check(day)) + n - 1]
        except IndexError:
            raise CalendarRangeError(f"{n} WD after {day} is outside the calendar") from None

    def subtract(self, day: date, n: int) -> date:
        """The N-th working day before ``day`` (counting back from the day before it)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        index = bisect_left(self._ordinals, self._check(day)) - n
        if index < 0:
            raise CalendarRangeError(f"{n} WD before {day} is outside the calendar")
        return self._days[index]

    def previous_working_day(self, day: date) -> date:
        """``day`` itself if it is a working day, else the working day before it.

        A deadline in weeks or months never stretches onto a non-working day (docs/rules.md §2).
        """
        index = bisect_right(self._ordinals, self._check(day)) - 1
        if index < 0:
            raise CalendarRangeError(f"no working day on or before {day} in the calendar")
        return self._days[index]

    def between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``."""
        return bisect_right(self._ordinals, self._check(end)) - bisect_right(
            self._ordinals, self._check(start)
        )


@lru_cache(maxsize=64)
def calendar_of(nation: str, closures: tuple[date, ...] = ()) -> WorkingDayCalendar:
    return WorkingDayCalendar(nation, closures)


class NaiveCalendar:
    """The day-by-day loop the precomputed calendar replaces: a baseline for tests and
    benchmarks only. ``ask_holidays`` asks the ``holidays`` object about every day, as a
    naive implementation would, instead of a precomputed set."""

    def __init__(self, nation: str, closures: Iterable[date] = (), ask_holidays: bool = False):
        years = range(FIRST_YEAR, LAST_YEAR + 1)
        bank = holidays.country_holidays("GB", subdiv=NATIONS[nation], years=years)
        bank.update(dict.fromkeys(closures, "local closure"))
        self.closed_days: Container[date] = bank if ask_holidays else frozenset(bank)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.closed_days

    def add(self, day: date, n: int) -> date:
        while n:
            day += timedelta(days=1)
            n -= self.is_working_day(day)
        return day

    def subtract(self, day: date, n: int) -> date:
        while n:
            day -= timedelta(days=1)
            n -= self.is_working_day(day)
        return day

    def previous_working_day(self, day: date) -> date:
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day
