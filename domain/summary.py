"""The case at a glance: what the read model keeps of a wake, so that every view of many
cases "as of T" is a query and never a re-derivation of every history.

``OpenObligation`` is one open obligation with the moments its status changes and every
rung of its ladder still to fire: its status and rung at any later moment, until the case's
next event, follow without deriving again (the store's SQL does the same on its columns).
``Drift`` is the case's summary as of one moment: counts by status and rung, the worst rung
and since when, the oldest overdue day, the next deadline, and the review's dates.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from domain.calendar import WorkingDayCalendar
from domain.dispatch import RUNG_ORDER, Rung
from domain.ladder import LONDON, Obligation, Status, thresholds
from domain.obligations import CaseView
from domain.recipients import missed_day


@dataclass(frozen=True, slots=True)
class OpenObligation:
    key: str
    rule: str
    title: str
    subject: str
    subject_kind: str
    owner_role: str
    owner: str | None
    due: date
    due_at: datetime | None
    due_from: datetime | None  # None: due already
    overdue_from: datetime
    overdue_since: date  # the first day it counts as missed (the MISSED rung's day)
    rungs: dict[Rung, datetime] = field(default_factory=dict)
    acknowledged_on: date | None = None  # R-E6

    def status_at(self, moment: datetime) -> Status:
        if moment >= self.overdue_from:
            return Status.OVERDUE
        if self.due_from is None or moment >= self.due_from:
            return Status.DUE
        return Status.UPCOMING

    def rung_at(self, moment: datetime) -> Rung | None:
        reached = [rung for rung, at in self.rungs.items() if at <= moment]
        return max(reached, key=RUNG_ORDER.index) if reached else None

    def rung_since(self, moment: datetime) -> datetime | None:
        rung = self.rung_at(moment)
        return self.rungs[rung] if rung is not None else None


def open_obligation(obligation: Obligation, calendar: WorkingDayCalendar) -> OpenObligation:
    due_from, overdue_from = thresholds(obligation)
    return OpenObligation(
        key=obligation.key,
        rule=obligation.rule,
        title=obligation.title,
        subject=obligation.subject,
        subject_kind=obligation.subject_kind,
        owner_role=obligation.owner_role,
        owner=obligation.owner,
        due=obligation.due,
        due_at=obligation.due_at,
        due_from=due_from,
        overdue_from=overdue_from,
        overdue_since=missed_day(obligation, calendar),
        rungs=dict(obligation.schedule),
        acknowledged_on=obligation.acknowledged_on,
    )


def open_obligations(view: CaseView, calendar: WorkingDayCalendar) -> tuple[OpenObligation, ...]:
    return tuple(open_obligation(o, calendar) for o in view.obligations if o.is_open)


@dataclass(frozen=True)
class Drift:
    as_of: datetime
    overdue: int = 0
    due: int = 0
    upcoming: int = 0
    rungs: dict[str, int] = field(default_factory=dict)  # open obligations by rung reached
    worst_rung: Rung | None = None
    worst_rung_since: datetime | None = None  # when the first obligation reached it
    oldest_overdue: date | None = None  # the earliest "overdue since"
    next_deadline: date | None = None  # the earliest due day still to come
    review_deadline: date | None = None
    review_booked: date | None = None


def drift(
    obligations: Iterable[OpenObligation],
    as_of: datetime,
    review_deadline: date | None = None,
    review_booked: date | None = None,
) -> Drift:
    """The summary of a case's open obligations as of ``as_of``."""
    statuses: Counter[Status] = Counter()
    rungs: dict[Rung, list[datetime]] = {}
    overdue_since: list[date] = []
    upcoming_days: list[date] = []
    today = as_of.astimezone(LONDON).date()
    for item in obligations:
        status = item.status_at(as_of)
        statuses[status] += 1
        rung = item.rung_at(as_of)
        if rung is not None:
            rungs.setdefault(rung, []).append(item.rungs[rung])
        if status is Status.OVERDUE:
            overdue_since.append(item.overdue_since)
        elif item.due >= today:
            upcoming_days.append(item.due)
    worst = max(rungs, key=RUNG_ORDER.index) if rungs else None
    return Drift(
        as_of=as_of,
        overdue=statuses[Status.OVERDUE],
        due=statuses[Status.DUE],
        upcoming=statuses[Status.UPCOMING],
        rungs={
            rung.value: len(times)
            for rung, times in sorted(rungs.items(), key=lambda pair: RUNG_ORDER.index(pair[0]))
        },
        worst_rung=worst,
        worst_rung_since=min(rungs[worst]) if worst else None,
        oldest_overdue=min(overdue_since) if overdue_since else None,
        next_deadline=min(upcoming_days) if upcoming_days else None,
        review_deadline=review_deadline,
        review_booked=review_booked,
    )
