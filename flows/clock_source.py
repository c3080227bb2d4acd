"""The one place that reads the clock (docs/architecture.md: time is an input).

Everything downstream takes ``as_of``; a wake with an explicit ``as_of`` is deterministic,
which is how the tests drive a two-year case in virtual time.
"""

from __future__ import annotations

import os
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pendulum

LONDON = ZoneInfo("Europe/London")
# A bare date means midday in London: after every profile's business day has started
# (``business_day_starts_hour`` <= 12), so whatever falls due that day is due.
DAY_MOMENT = time(12, 0)


# Virtual time for a whole process: the end-to-end tests run a manual step's flow "on" a
# day of a case's story by setting it in that run's environment. Never set in production.
NOW_ENV = "CPO_NOW"


def now_london() -> datetime:
    """Production's clock (``CPO_NOW``, an ISO date-time, fixes it for virtual time).
    Returned as a plain ``datetime`` (JSON-able, comparable)."""
    fixed = os.environ.get(NOW_ENV, "").strip()
    if fixed:
        return as_of_moment(fixed)
    moment = pendulum.now("Europe/London")
    return datetime.fromtimestamp(moment.timestamp(), LONDON)


def as_of_moment(value: str | date | datetime | None) -> datetime:
    """An ``as_of`` from a form, a parameter or a resume input, as an aware London time.

    ``None`` or ``""`` means now; ``"2025-03-10"`` midday that day; an ISO datetime
    without an offset is London local time.
    """
    if value is None or value == "":
        return now_london()
    if isinstance(value, str):
        text = value.strip()
        value = datetime.fromisoformat(text) if len(text) > 10 else date.fromisoformat(text)
    if not isinstance(value, datetime):
        return datetime.combine(value, DAY_MOMENT, LONDON)
    if value.tzinfo is None:
        return value.replace(tzinfo=LONDON)
    return value.astimezone(LONDON)


def iso(moment: datetime) -> str:
    """How ``as_of`` travels between runs: an ISO string, never a pendulum object."""
    return moment.isoformat()
