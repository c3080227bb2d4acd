"""When the daily digest goes, what is in it, and its delivery from the store.

Once per working day, at ``CPO_DIGEST_HOUR`` (default 08:00 Europe/London), each team
manager gets one digest of everything overdue in their team (R-E1). The clock asks every
15 minutes; each ask enqueues the day's digests insert-if-absent, so only the first adds
a row per team and the rest add nothing.

Choices, and why:

- **Working days** are England's (bank holidays, the default profile's calendar): a
  digest is a team's morning routine, not a deadline, so one calendar for every team keeps
  it simple. A team on another nation's profile gets its digest on English working days.
- **Only teams with something overdue** get a digest. A daily "Nothing overdue." would
  train managers to ignore the email; a team with nothing overdue hears nothing.
- **As of the digest moment**: the items are what is overdue at the day's digest hour,
  whenever the tick that enqueues them runs, so a late tick (or ``cpo digest --send``
  before the hour) builds the same digest. The row keeps that snapshot; a retry sends it.
- **Missed days are not caught up**: a day the clock never ran after the hour has no
  digest; the next working day's digest lists everything still overdue.

Items carry the case reference and what is overdue, never a child's name (R-G1).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import ValidationError

from domain.calendar import WorkingDayCalendar
from domain.ladder import LONDON
from domain.profiles import load_profile
from notifications.digest import OverdueItem, TeamDigest, deliver_digest
from notifications.settings import digest_hour

if TYPE_CHECKING:  # sending loads apprise and the templates: a digest only read never does
    from notifications.delivery import RetryPolicy, RowResult
    from notifications.notifier import Notifier


class Overdue(Protocol):
    """One overdue obligation as the store reports it (``domain.store.OverdueObligation``)."""

    @property
    def reference(self) -> str: ...
    @property
    def team(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def rule(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def owner_role(self) -> str: ...
    @property
    def owner(self) -> str | None: ...
    @property
    def due(self) -> date: ...
    @property
    def overdue_since(self) -> date: ...
    @property
    def rung(self) -> str | None: ...
    @property
    def acknowledged_on(self) -> date | None: ...


class StoredDigest(Protocol):
    """A digest row as the digests queue hands it out (``domain.store.DigestEntry``)."""

    @property
    def key(self) -> str: ...
    @property
    def team(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...
    @property
    def attempts(self) -> int: ...
    @property
    def delivered_to(self) -> tuple[str, ...]: ...


class DigestStore(Protocol):
    """What a digest needs of the store: the teams, what is overdue in one (the read model),
    and the day's digests (domain/store/summaries.py and digests.py)."""

    def open_teams(self) -> Sequence[str]: ...

    def overdue_obligations(
        self, as_of: datetime, team: str | None = None
    ) -> Iterable[Overdue]: ...

    def digests_of(self, day: date, team: str | None = None) -> Sequence[Any]: ...

    def enqueue_digests(self, digests: Iterable[TeamDigest], now: datetime) -> int: ...


def working_days() -> WorkingDayCalendar:
    """England's working days: the default profile's calendar (see the module's choices)."""
    return load_profile().calendar


def digest_day(as_of: datetime, hour: int, calendar: WorkingDayCalendar) -> date | None:
    """The day whose digest is due at ``as_of``: today once the hour has come on a working
    day; otherwise None."""
    local = as_of.astimezone(LONDON)
    if local.hour < hour or not calendar.is_working_day(local.date()):
        return None
    return local.date()


def digest_moment(day: date, hour: int) -> datetime:
    """The moment a day's digest speaks of: its items are what is overdue then."""
    return datetime.combine(day, time(hour), LONDON)


def overdue_item(overdue: Overdue) -> OverdueItem:
    return OverdueItem(
        case_reference=overdue.reference,
        obligation=overdue.key,
        rule=overdue.rule,
        title=overdue.title,
        subject=overdue.subject,
        owner_role=overdue.owner_role,
        owner=overdue.owner,
        due=overdue.due,
        overdue_since=overdue.overdue_since,
        rung=overdue.rung,
        acknowledged_on=overdue.acknowledged_on,
    )


def team_digest(store: DigestStore, team: str, day: date, hour: int) -> TeamDigest:
    """One team's digest for a day, derived from its open cases as of the digest moment."""
    found = store.overdue_obligations(digest_moment(day, hour), team)
    return TeamDigest(team=team, day=day, items=tuple(overdue_item(o) for o in found))


def enqueue_due_digests(
    store: DigestStore,
    as_of: datetime,
    *,
    hour: int | None = None,
    calendar: WorkingDayCalendar | None = None,
) -> int:
    """Enqueue today's digests if due at ``as_of``; returns how many rows were new.

    Only teams with an open case and no digest yet today are derived: after the day's
    first tick that is none (or the teams with nothing overdue), so the later ticks cost
    two small queries."""
    at = digest_hour() if hour is None else hour
    day = digest_day(as_of, at, calendar or working_days())
    if day is None:
        return 0
    done = {entry.team for entry in store.digests_of(day)}
    teams = [team for team in store.open_teams() if team not in done]
    digests = [team_digest(store, team, day, at) for team in teams]
    return store.enqueue_digests([d for d in digests if worth_sending(d)], as_of)


def worth_sending(digest: TeamDigest) -> bool:
    """Only a team with something overdue gets a digest (see the module's choices)."""
    return bool(digest.items)


def send_digest(
    row: StoredDigest, notifier: Notifier, now: datetime, policy: RetryPolicy
) -> RowResult:
    """How a stored digest is sent (``deliver_due``'s ``send`` for the digests): its
    snapshot, to the endpoints it has not reached yet. A payload that no longer reads fails
    this row only. At-least-once: a failed digest keeps its error and retry time."""
    from notifications.delivery import SendProgress, outcome

    try:
        digest = TeamDigest.model_validate(row.payload)
    except ValidationError as error:
        failed = SendProgress(list(row.delivered_to), failures=[f"payload: {error}"])
        return outcome(row.key, row.key, failed, now, row.attempts, policy)
    return deliver_digest(
        notifier, digest, now, delivered_to=row.delivered_to, attempts=row.attempts, policy=policy
    )
