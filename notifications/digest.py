"""The daily digest: one notice per team manager of everything overdue in their team.

Built from overdue items (or straight from dispatches that are overdue), rendered with
the ``digest`` templates, routed by the ``team_manager:<team>`` tag. Items carry the
case reference and what is overdue, never a child's name or category (R-G1).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, field_validator

from domain.dispatch import Dispatch, Recipient, RecipientRole

if TYPE_CHECKING:  # sending loads apprise and the templates: a digest only read never does
    from notifications.delivery import RetryPolicy, RowResult
    from notifications.notifier import Notifier
    from notifications.render import RenderedNotice


class OverdueItem(BaseModel):
    """One overdue obligation in a team."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_reference: str
    obligation: str
    rule: str
    title: str
    subject: str
    owner_role: str
    owner: str | None
    due: date | None
    overdue_since: date
    rung: str | None = None  # the ladder's rung reached (R-E1)
    acknowledged_on: date | None = None  # R-E6

    @classmethod
    def from_dispatch(cls, dispatch: Dispatch) -> OverdueItem:
        if dispatch.overdue_since is None:
            raise ValueError(f"{dispatch.idempotency_key} is not overdue")
        names = [name for name in cls.model_fields if name not in {"rung", "acknowledged_on"}]
        fields = {name: getattr(dispatch, name) for name in names}
        return cls.model_validate({**fields, "rung": dispatch.rung.value})


def _sort_key(item: OverdueItem) -> tuple[date, str, str]:
    return (item.overdue_since, item.case_reference, item.obligation)


class TeamDigest(BaseModel):
    """Everything overdue in one team on one day, oldest first."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    team: str
    day: date
    items: tuple[OverdueItem, ...] = ()

    @field_validator("items")
    @classmethod
    def _oldest_first(cls, items: tuple[OverdueItem, ...]) -> tuple[OverdueItem, ...]:
        return tuple(sorted(items, key=_sort_key))

    @property
    def key(self) -> str:
        return digest_key(self.team, self.day)


def digest_key(team: str, day: date) -> str:
    """Idempotency key: one digest per team per day."""
    return f"digest|{team}|{day.isoformat()}"


def build_digests(
    items_by_team: dict[str, Iterable[OverdueItem]], day: date, teams: Iterable[str] = ()
) -> list[TeamDigest]:
    """One digest per team; ``teams`` adds empty digests for teams with nothing overdue."""
    names = sorted(set(items_by_team) | set(teams))
    return [
        TeamDigest(team=team, day=day, items=tuple(items_by_team.get(team, ()))) for team in names
    ]


def digests_from_dispatches(dispatches: Iterable[Dispatch], day: date) -> list[TeamDigest]:
    """Group overdue dispatches by team, one item per (case, obligation)."""
    grouped: dict[str, dict[tuple[str, str], OverdueItem]] = defaultdict(dict)
    for dispatch in dispatches:
        if dispatch.overdue_since is not None and dispatch.overdue_since <= day:
            item = OverdueItem.from_dispatch(dispatch)
            grouped[dispatch.team][(item.case_reference, item.obligation)] = item
    return build_digests({team: found.values() for team, found in grouped.items()}, day)


STAGES = {  # the ladder's rungs in a few words (R-E1)
    "reminder": "reminded",
    "chase": "chased",
    "missed": "missed",
    "escalation_tm": "escalated to the team manager",
    "escalation_final": "escalated beyond the team manager",
}


def by_case(items: Iterable[OverdueItem]) -> list[tuple[str, list[OverdueItem]]]:
    """The items grouped by case, the case overdue longest first (items oldest first)."""
    grouped: dict[str, list[OverdueItem]] = defaultdict(list)
    for item in sorted(items, key=_sort_key):
        grouped[item.case_reference].append(item)
    return list(grouped.items())


def render_digest(digest: TeamDigest) -> RenderedNotice:
    from notifications.render import render_template

    cases = by_case(digest.items)
    return render_template(
        "digest",
        {"team": digest.team, "day": digest.day, "items": digest.items, "cases": cases,
         "stages": STAGES},
    )  # fmt: skip


def deliver_digest(
    notifier: Notifier,
    digest: TeamDigest,
    now: datetime,
    *,
    delivered_to: Iterable[str] = (),
    attempts: int = 0,
    policy: RetryPolicy | None = None,
) -> RowResult:
    """Send one team's digest to its team manager(s); same result shape as an outbox row."""
    from notifications.delivery import RetryPolicy, SendProgress, outcome, send_notice

    try:
        route = notifier.routing.route(Recipient(role=RecipientRole.TEAM_MANAGER), digest.team)
        progress = send_notice(notifier, render_digest(digest), [route], delivered_to)
    except Exception as error:  # a routing gap fails this digest, not the other teams'
        progress = SendProgress(list(delivered_to), failures=[f"{type(error).__name__}: {error}"])
    return outcome(digest.key, digest.key, progress, now, attempts, policy or RetryPolicy())
