"""Obligations and their escalation ladders (R-E1, R-E6, R-T10).

An ``Obligation`` is a value: what is due, by whom, by when, its status and the
rung of its ladder reached as of ``as_of``. Everything day-based falls at the
start of the business day (the profile's ``business_day_starts_hour``, Europe/London),
so a rung "on" a day is reached from that hour.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.calendar import WorkingDayCalendar
from domain.dispatch import Rung
from domain.profiles import PolicyProfile

LONDON = ZoneInfo("Europe/London")


class Status(StrEnum):
    UPCOMING = "upcoming"
    DUE = "due"
    MET = "met"
    OVERDUE = "overdue"
    DISCHARGED = "discharged"


OPEN = frozenset({Status.UPCOMING, Status.DUE, Status.OVERDUE})


@dataclass(frozen=True, slots=True)
class Obligation:
    key: str  # unique within the case and stable as events are appended
    rule: str
    title: str
    subject: str  # what it is about, without personal data: "core group cg-p0-1"
    subject_kind: str  # child, member, meeting, report, action, case, concern, assessment
    owner_role: str
    owner: str | None
    due: date
    due_at: datetime | None
    met_on: date | None
    discharged_on: date | None
    status: Status
    rung: Rung | None
    rung_at: datetime | None  # when the rung reached fell
    next_rung_at: datetime | None

    @property
    def late(self) -> bool:
        return self.met_on is not None and self.met_on > self.due

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


class Clock:
    """``as_of`` and the profile's business day, with cached day -> moment conversions."""

    _moments: dict[tuple[date, int], datetime] = {}

    def __init__(
        self,
        as_of: datetime,
        profile: PolicyProfile,
        calendar: WorkingDayCalendar,
        history: bool = True,
    ) -> None:
        if as_of.tzinfo is None:
            raise ValueError("as_of must carry a time zone")
        self.as_of = as_of.astimezone(LONDON)
        self.hour = profile.business_day_starts_hour
        self.today = self.as_of.date()
        self.profile = profile
        self.calendar = calendar
        self.ladder = profile.ladder
        self.history = history

    def settled(self, met_on: date | None, discharged_on: date | None) -> bool:
        """Met or discharged by today: with ``history`` off, such obligations are skipped."""
        if self.history:
            return False
        today = self.today
        return (met_on is not None and met_on <= today) or (
            discharged_on is not None and discharged_on <= today
        )

    def moment(self, day: date) -> datetime:
        """When a day-based rung on ``day`` falls."""
        key = (day, self.hour)
        found = self._moments.get(key)
        if found is None:
            found = datetime.combine(day, time(self.hour), LONDON)
            self._moments[key] = found
        return found

    def standard_rungs(self, due: date, arose: date) -> Iterator[tuple[Rung, datetime]]:
        """Lazily, in time order: the caller stops at the first rung still to come."""
        cal, ladder = self.calendar, self.ladder
        if ladder.remind_before_wd:
            remind = max(cal.subtract(due, ladder.remind_before_wd), arose)
            if remind <= due:
                yield Rung.REMINDER, self.moment(remind)
        missed = cal.add(due, 1)
        yield from self._after_missed(missed, self.moment(missed))

    def hourly_rungs(self, due_at: datetime) -> Iterator[tuple[Rung, datetime]]:
        missed_day = self.calendar.previous_working_day(due_at.astimezone(LONDON).date())
        return self._after_missed(missed_day, due_at)

    def chase_rungs(self, chase_day: date) -> Iterator[tuple[Rung, datetime]]:
        """R-T10: chase the missing report, then the TM after C WD, then the final rung."""
        yield Rung.CHASE, self.moment(chase_day)
        tm = self.calendar.add(chase_day, self.profile.chase_escalate_after_wd)
        yield Rung.ESCALATION_TM, self.moment(tm)
        yield Rung.ESCALATION_FINAL, self.moment(self.calendar.add(tm, self.ladder.final_after_wd))

    def _after_missed(self, missed: date, at: datetime) -> Iterator[tuple[Rung, datetime]]:
        cal, ladder = self.calendar, self.ladder
        yield Rung.MISSED, at
        tm = cal.add(missed, ladder.tm_after_wd) if ladder.tm_after_wd else missed
        yield Rung.ESCALATION_TM, max(self.moment(tm), at)
        final = cal.add(tm, ladder.final_after_wd)
        yield Rung.ESCALATION_FINAL, max(self.moment(final), at)


@dataclass(slots=True)
class Spec:
    """What an obligation is, before the ladder and ``as_of`` are applied."""

    key: str
    rule: str
    title: str
    subject: str
    subject_kind: str
    owner_role: str
    owner: str | None
    due: date
    arose: date
    met_on: date | None = None
    discharged_on: date | None = None
    due_at: datetime | None = None
    met_at: datetime | None = None
    chase_on: date | None = None  # R-T10: the chase ladder replaces the standard one
    acknowledged_on: date | None = None  # R-E6: stops the final rung


def settle(spec: Spec, clock: Clock) -> Obligation:
    """The obligation as of ``clock.as_of``: its status, rung reached and next rung."""
    closed_at = _closed_at(spec, clock)
    acknowledged = clock.moment(spec.acknowledged_on) if spec.acknowledged_on else None
    reached: Rung | None = None
    reached_at: datetime | None = None
    pending: datetime | None = None
    for rung, moment in _rungs(spec, clock):
        if closed_at is not None and moment >= closed_at:
            break  # met or discharged first: no later rung ever fires
        if rung is Rung.ESCALATION_FINAL and acknowledged is not None and moment >= acknowledged:
            break  # R-E6: an acknowledged escalation does not climb
        if moment > clock.as_of:
            pending = moment
            break
        reached, reached_at = rung, moment
    return Obligation(
        key=spec.key,
        rule=spec.rule,
        title=spec.title,
        subject=spec.subject,
        subject_kind=spec.subject_kind,
        owner_role=spec.owner_role,
        owner=spec.owner,
        due=spec.due,
        due_at=spec.due_at,
        met_on=spec.met_on,
        discharged_on=spec.discharged_on,
        status=_status(spec, clock, reached is not None),
        rung=reached,
        rung_at=reached_at,
        next_rung_at=pending,
    )


def _closed_at(spec: Spec, clock: Clock) -> datetime | None:
    moments = []
    if spec.met_at is not None:
        moments.append(spec.met_at)
    elif spec.met_on is not None:
        moments.append(clock.moment(spec.met_on))
    if spec.discharged_on is not None:
        moments.append(clock.moment(spec.discharged_on))
    return min(moments) if moments else None


def _rungs(spec: Spec, clock: Clock) -> Iterator[tuple[Rung, datetime]]:
    if spec.chase_on is not None:
        return clock.chase_rungs(spec.chase_on)
    if spec.due_at is not None:
        return clock.hourly_rungs(spec.due_at)
    return clock.standard_rungs(spec.due, spec.arose)


def _status(spec: Spec, clock: Clock, any_rung_reached: bool) -> Status:
    today = clock.today
    if spec.met_on is not None and spec.met_on <= today:
        return Status.MET
    if spec.discharged_on is not None and spec.discharged_on <= today:
        return Status.DISCHARGED
    if spec.due_at is not None:
        return Status.OVERDUE if clock.as_of > spec.due_at else Status.DUE
    if today > spec.due:
        return Status.OVERDUE
    if today == spec.due or any_rung_reached:
        return Status.DUE
    return Status.UPCOMING


def add_months(day: date, months: int) -> date:
    """Calendar months, clamped to the month's end (as pendulum's ``add(months=...)``)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    following = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))


def add_weeks(calendar: WorkingDayCalendar, day: date, weeks: int) -> date:
    """A deadline in weeks never stretches onto a non-working day (RULES.md §2)."""
    return calendar.previous_working_day(day + timedelta(weeks=weeks))
