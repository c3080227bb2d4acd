"""Timescales: the date arithmetic every rule shares (docs/rules.md, "Counting").

The bottom of the rules: it knows a profile's values and the working-day calendar, and
nothing of cases, events or obligations. Months are calendar months clamped to the
month's end; weeks are calendar weeks; a deadline in weeks or months that falls on a
non-working day moves to the previous working day (safeguarding deadlines are never
stretched). Day-based moments fall at the profile's business hour, Europe/London.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.calendar import WorkingDayCalendar
from domain.profiles import PolicyProfile

LONDON = ZoneInfo("Europe/London")


def add_months(day: date, months: int) -> date:
    """Calendar months, clamped to the month's end (as pendulum's ``add(months=...)``)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    following = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))


def icpc_target(profile: PolicyProfile, calendar: WorkingDayCalendar, started: date) -> date:
    """R-T0, and the CIN census's InitialCPCtarget (N00109): the initial conference within N
    working days (15 in England) of the strategy discussion that started the Section 47
    enquiry, the day the census sends as S47ActualStartDate (N00148; Working Together 2023,
    ch. 2; the DfE's rule 8675Q counts the same 15 days from that date)."""
    return calendar.add(started, profile.icpc_within_wd)


def add_weeks(calendar: WorkingDayCalendar, day: date, weeks: int) -> date:
    """A deadline in weeks never stretches onto a non-working day."""
    return calendar.previous_working_day(day + timedelta(weeks=weeks))


def business_moment(day: date, profile: PolicyProfile) -> datetime:
    """When something due on ``day`` falls: the profile's business hour, London time."""
    return datetime.combine(day, time(profile.business_day_starts_hour), LONDON)


def review_rule(period: int) -> str:
    """R-T7 for the first review conference, R-T8 for every later one."""
    return "R-T7" if period == 0 else "R-T8"


def review_deadline(
    profile: PolicyProfile, calendar: WorkingDayCalendar, conference_on: date, period: int
) -> date:
    """R-T7 / R-T8: the review the conference of ``period`` leads to is held by this day."""
    months = profile.first_review_months if period == 0 else profile.later_review_months
    return calendar.previous_working_day(add_months(conference_on, months))


def cadence_weeks(profile: PolicyProfile, period: int, set_by_conference: int | None) -> int:
    """R-T3 / R-T4: core groups at most every N weeks; a conference may set them closer."""
    weeks = (
        profile.cg_every_weeks_before_review if period == 0 else profile.cg_every_weeks_after_review
    )
    return min(weeks, set_by_conference) if set_by_conference else weeks


def cadence_due(
    profile: PolicyProfile,
    calendar: WorkingDayCalendar,
    period: int,
    anchor: date,
    k: int,
    set_by_conference: int | None,
) -> tuple[str, date]:
    """The rule and due date of the k-th core group (from 0) of a period, counted from
    ``anchor`` (the conference, or the core group before it): R-T1, R-T3, R-T4."""
    if k == 0 and period == 0:
        return "R-T1", calendar.add(anchor, profile.first_cg_within_wd)
    rule = "R-T3" if period == 0 else "R-T4"
    return rule, add_weeks(calendar, anchor, cadence_weeks(profile, period, set_by_conference))
