"""What the planner of a case run to time knows of the case it is writing (``domain.punctual``):
its journal of events, each on its day, and the days of its reviews and core groups.
``domain.punctual_meetings`` and ``domain.punctual_visits`` plan on it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from domain.calendar import WorkingDayCalendar
from domain.events import Event
from domain.profiles import PolicyProfile
from domain.timescales import add_weeks, review_deadline


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


def review_day(case: Case, conference: date, period: int) -> tuple[date, date]:
    """The review's deadline (R-T7, R-T8) and a day on or just before it, to be booked."""
    deadline = review_deadline(case.profile, case.calendar, conference, period)
    return deadline, case.before(deadline, 0, 6)


def cadence_day(case: Case, previous: date, weeks: int) -> date:
    """The next core group, inside its deadline (R-T3, R-T4)."""
    return case.before(add_weeks(case.calendar, previous, weeks), 0, 5)
