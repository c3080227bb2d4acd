"""Obligations and their escalation ladders (R-E1, R-E6, R-T10).

An ``Obligation`` is a value: what is due, by whom, by when, its status and the rung of its
ladder reached as of ``as_of``, and the whole schedule of rungs still able to fire (the
read model stores it, so a caseload view "as of T" is a query). Everything day-based falls
at the start of the business day (the profile's ``business_day_starts_hour``, London time),
so a rung "on" a day is reached from that hour.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from domain.calendar import WorkingDayCalendar
from domain.dispatch import Rung
from domain.profiles import PolicyProfile
from domain.timescales import LONDON

__all__ = [
    "LONDON",
    "OPEN",
    "Clock",
    "Obligation",
    "Spec",
    "Status",
    "overdue_from",
    "settle",
    "thresholds",
]


class Status(StrEnum):
    UPCOMING = "upcoming"
    DUE = "due"
    MET = "met"
    OVERDUE = "overdue"
    DISCHARGED = "discharged"


OPEN = frozenset({Status.UPCOMING, Status.DUE, Status.OVERDUE})
RungTime = tuple[Rung, datetime]


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
    schedule: tuple[RungTime, ...] = ()  # every rung that fires unless an event stops it
    acknowledged_on: date | None = None  # R-E6: the escalation was acknowledged that day

    @property
    def late(self) -> bool:
        return self.met_on is not None and self.met_on > self.due

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


class Clock:
    """``as_of`` and the profile's business day, with cached day -> moment conversions."""

    _moments: dict[tuple[date, int], datetime] = {}
    # A ladder's rungs depend only on the calendar, the profile's ladder and hour, and the
    # dates: the same for every case of a profile with the same due day, so computed once.
    _rungs: dict[tuple[object, ...], tuple[RungTime, ...]] = {}
    RUNGS_KEPT = 200_000

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
        self._kind = (calendar, profile.ladder, self.hour, profile.chase_escalate_after_wd)

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

    def _cached(self, key: tuple[object, ...], rungs: Iterator[RungTime]) -> tuple[RungTime, ...]:
        found = self._rungs.get(key)
        if found is None:
            if len(self._rungs) >= self.RUNGS_KEPT:
                self._rungs.clear()
            found = self._rungs[key] = tuple(rungs)
        return found

    def standard_rungs(self, due: date, arose: date) -> tuple[RungTime, ...]:
        key = (self._kind, "standard", due, arose)
        found = self._rungs.get(key)
        return found if found is not None else self._cached(key, self._standard(due, arose))

    def chase_rungs(self, chase_day: date) -> tuple[RungTime, ...]:
        key = (self._kind, "chase", chase_day)
        found = self._rungs.get(key)
        return found if found is not None else self._cached(key, self._chase(chase_day))

    def _standard(self, due: date, arose: date) -> Iterator[RungTime]:
        """In time order: remind before, missed after, then the TM and the final rung."""
        cal, ladder = self.calendar, self.ladder
        if ladder.remind_before_wd:
            remind = max(cal.subtract(due, ladder.remind_before_wd), arose)
            if remind <= due:
                yield Rung.REMINDER, self.moment(remind)
        missed = cal.add(due, 1)
        yield from self._after_missed(missed, self.moment(missed))

    def hourly_rungs(self, due_at: datetime) -> Iterator[RungTime]:
        missed_day = self.calendar.previous_working_day(due_at.astimezone(LONDON).date())
        return self._after_missed(missed_day, due_at)

    def _chase(self, chase_day: date) -> Iterator[RungTime]:
        """R-T10: chase the missing report, then the TM after C WD, then the final rung."""
        yield Rung.CHASE, self.moment(chase_day)
        tm = self.calendar.add(chase_day, self.profile.chase_escalate_after_wd)
        yield Rung.ESCALATION_TM, self.moment(tm)
        yield Rung.ESCALATION_FINAL, self.moment(self.calendar.add(tm, self.ladder.final_after_wd))

    def missed_rung(self, due: date) -> Iterator[RungTime]:
        """A booked day that passed (R-T7, R-T8): the owner and LP hear at once; the
        deadline's own obligation is what escalates."""
        yield Rung.MISSED, self.moment(self.calendar.add(due, 1))

    def _after_missed(self, missed: date, at: datetime) -> Iterator[RungTime]:
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
    missed_only: bool = False  # a booked day: the missed rung alone
    acknowledged_on: date | None = None  # R-E6: stops the final rung


def settle(spec: Spec, clock: Clock) -> Obligation:
    """The obligation as of ``clock.as_of``: its status, rung reached and rungs to come."""
    schedule = _schedule(spec, clock)
    reached: RungTime | None = None
    pending: datetime | None = None
    for rung, moment in schedule:
        if moment > clock.as_of:
            pending = moment
            break
        reached = (rung, moment)
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
        rung=reached[0] if reached else None,
        rung_at=reached[1] if reached else None,
        next_rung_at=pending,
        schedule=schedule,
        acknowledged_on=spec.acknowledged_on,
    )


def _schedule(spec: Spec, clock: Clock) -> tuple[RungTime, ...]:
    """The rungs that fire: up to the moment the obligation is met or discharged, and never
    the final rung once the TM has acknowledged the escalation (R-E6)."""
    closed_at = _closed_at(spec, clock)
    acknowledged = clock.moment(spec.acknowledged_on) if spec.acknowledged_on else None
    rungs = _rungs(spec, clock)
    if closed_at is None and acknowledged is None and isinstance(rungs, tuple):
        return rungs  # nothing stops it: every rung fires
    found: list[RungTime] = []
    for rung, moment in rungs:
        if closed_at is not None and moment >= closed_at:
            break
        if rung is Rung.ESCALATION_FINAL and acknowledged is not None and moment >= acknowledged:
            break
        found.append((rung, moment))
    return tuple(found)


def _closed_at(spec: Spec, clock: Clock) -> datetime | None:
    met = spec.met_at
    if met is None and spec.met_on is not None:
        met = clock.moment(spec.met_on)
    if spec.discharged_on is None:
        return met
    discharged = clock.moment(spec.discharged_on)
    return discharged if met is None else min(met, discharged)


def _rungs(spec: Spec, clock: Clock) -> Iterable[RungTime]:
    if spec.chase_on is not None:
        return clock.chase_rungs(spec.chase_on)
    if spec.missed_only:
        return clock.missed_rung(spec.due)
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


TICK = timedelta(microseconds=1)


def thresholds(obligation: Obligation) -> tuple[datetime | None, datetime]:
    """When an open obligation becomes due (None: it is due already) and overdue: the
    status at any later moment, until the next event, without deriving again (what the
    read model stores; ``_status`` is the same rule, as of one moment)."""
    if obligation.due_at is not None:
        return None, obligation.due_at + TICK  # overdue strictly after the hour
    day_starts = _midnight(obligation.due)
    first_rung = obligation.schedule[0][1] if obligation.schedule else day_starts
    return min(day_starts, first_rung), overdue_from(obligation)


def overdue_from(obligation: Obligation) -> datetime:
    """The moment an open obligation turns overdue (``thresholds``' second)."""
    if obligation.due_at is not None:
        return obligation.due_at + TICK
    return _midnight(obligation.due + timedelta(days=1))


_MIDNIGHTS: dict[date, datetime] = {}


def _midnight(day: date) -> datetime:
    found = _MIDNIGHTS.get(day)
    if found is None:
        if len(_MIDNIGHTS) > 100_000:
            _MIDNIGHTS.clear()
        found = _MIDNIGHTS[day] = datetime.combine(day, time(0), LONDON)
    return found
