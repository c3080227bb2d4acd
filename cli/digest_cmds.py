"""``cpo digest``: a team manager's daily digest from a terminal, and ``--send`` to send it.

Shows the day's digest as the team manager reads it (its text part): the stored snapshot
once the day's digest is enqueued, with its status; before that, the digest derived as of
the day's digest hour (``CPO_DIGEST_HOUR``). ``--send`` does what the clock's digest step
does, without waiting for the hour: enqueue insert-if-absent (a team's digest goes once a
day whoever asks, R-E1), then deliver whatever is pending. A team with nothing overdue gets
no digest (notifications/daily_digest.py says why). Cases by reference only (R-G1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.as_of import parse_as_of
from cli.store_cmds import AsJson, AsOf, DatabaseUrl, console, errors, open_store, print_json
from domain.ladder import LONDON
from notifications.settings import CONFIG_ENV, digest_hour

if TYPE_CHECKING:  # delivery (apprise) is imported when a digest is shown, not at start-up
    from domain.store.digests import DigestEntry
    from domain.store.repository import CaseRepository
    from notifications.digest import TeamDigest

Team = Annotated[str | None, typer.Option(help="Only this team (default: every open team).")]
Send = Annotated[
    bool, typer.Option("--send", help="Enqueue today's digest (once per team) and deliver.")
]
NotifyConfig = Annotated[
    Path | None, typer.Option("--notify-config", envvar=CONFIG_ENV, help="apprise YAML file.")
]


@dataclass(frozen=True)
class Shown:
    """A team's digest for the day and, once enqueued, its row."""

    digest: TeamDigest
    entry: DigestEntry | None

    @property
    def status(self) -> str:
        return self.entry.status.value if self.entry else "not queued"

    def as_json(self) -> dict[str, Any]:
        row = self.entry
        return {
            "status": self.status,
            "attempts": row.attempts if row else 0,
            "last_error": row.last_error if row else None,
            "delivered_at": row.delivered_at if row else None,
            "digest": self.digest.model_dump(mode="json"),
        }


def shown_digest(store: CaseRepository, team: str, day: date, hour: int) -> Shown:
    """The stored snapshot (what was or will be sent) if there is one, else derived now."""
    from notifications.daily_digest import team_digest
    from notifications.digest import TeamDigest

    stored = store.digests_of(day, team)
    if stored:
        return Shown(TeamDigest.model_validate(stored[0].payload), stored[0])
    return Shown(team_digest(store, team, day, hour), None)


def send(store: CaseRepository, shown: list[Shown], as_of: datetime, config: Path | None) -> int:
    """Enqueue the shown digests worth sending (insert-if-absent), deliver what is pending."""
    from notifications.daily_digest import worth_sending
    from notifications.routing import RoutingError
    from services.delivery import deliver_digests

    fresh = [s.digest for s in shown if s.entry is None and worth_sending(s.digest)]
    store.enqueue_digests(fresh, as_of)
    try:
        return deliver_digests(store, as_of, config=config)
    except RoutingError as error:
        from cli.errors import Refused

        raise Refused(str(error)) from None


def hour_setting() -> int:
    try:
        return digest_hour()
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error


def digest(
    team: Team = None,
    send_it: Send = False,
    as_of: AsOf = None,
    as_json: AsJson = False,
    notify_config: NotifyConfig = None,
    database_url_option: DatabaseUrl = None,
) -> None:
    """A team manager's digest of everything overdue in their team today (R-E1)."""
    from notifications.daily_digest import worth_sending

    moment, hour = parse_as_of(as_of), hour_setting()
    day, delivered = moment.astimezone(LONDON).date(), 0
    with open_store(database_url_option) as store:
        teams = [team] if team else store.open_teams()
        shown = [shown_digest(store, name, day, hour) for name in teams]
        if send_it:
            delivered = send(store, shown, moment, notify_config)
            shown = [shown_digest(store, s.digest.team, day, hour) for s in shown]
    if not team:  # every team: leave out those with nothing to say
        shown = [s for s in shown if s.entry is not None or worth_sending(s.digest)]
    if as_json:
        print_json([s.as_json() for s in shown])
    else:
        print_text(shown, day)
    if send_it:
        errors.print(f"{delivered} digest(s) delivered")


def print_text(shown: list[Shown], day: date) -> None:
    from notifications.daily_digest import worth_sending
    from notifications.digest import render_digest

    if not shown:
        console.print(f"Nothing overdue in any team on {day.isoformat()}: no digest is sent.")
    for item in shown:
        note = "" if worth_sending(item.digest) else " (nothing overdue: no digest is sent)"
        console.rule(f"{item.digest.team}, {day.isoformat()}: {item.status}{note}")
        console.print(
            render_digest(item.digest).text, markup=False, highlight=False, soft_wrap=True
        )


def register(app: typer.Typer) -> None:
    """Add this module's command to ``app``."""
    app.command("digest")(digest)
