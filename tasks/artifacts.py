"""What operations staff see in the Prefect UI: a case's timeline and obligations, the caseload.

Built only from event types, dates, rule IDs, member ids and roles: never a child's name,
date of birth, address or category (R-G1). The builders are pure; the tasks publish.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from domain.dispatch import RUNG_ORDER
from domain.obligations import ReviewDates
from domain.store import JournalEntry, OutboxEntry
from services.clock import Caseload

ARTIFACT_TASK: dict[str, Any] = dict(
    cache_policy=NO_CACHE,
    persist_result=False,
    retries=2,
    retry_delay_seconds=2,
    timeout_seconds=60,
)
SHOWN_STATUSES = ("overdue", "due", "upcoming", "met")
LADDER_ORDER = ["none", *(rung.value for rung in RUNG_ORDER)]
CASES_SHOWN = 50


def artifact_key(*parts: str) -> str:
    """Prefect artifact keys allow lowercase letters, digits and dashes only."""
    return re.sub(r"[^a-z0-9]+", "-", "-".join(parts).lower()).strip("-")


def _value(field: Any) -> str:
    return "" if field is None else str(getattr(field, "value", field))


def obligation_rows(obligations: Iterable[Any]) -> list[dict[str, str]]:
    """One row per obligation, most urgent first: overdue, due, upcoming, then met."""
    rows = [
        {
            "status": _value(o.status),
            "rule": o.rule,
            "obligation": o.title,
            "subject": o.subject,
            "owner": _value(o.owner_role) + (f" ({o.owner})" if o.owner else ""),
            "due": o.due.isoformat(),
            "rung": _value(o.rung),
            "met": o.met_on.isoformat() if o.met_on else "",
        }
        for o in obligations
        if _value(o.status) in SHOWN_STATUSES
    ]
    return sorted(rows, key=lambda r: (SHOWN_STATUSES.index(r["status"]), r["due"], r["rule"]))


NOTICES_SHOWN = 15


def notice_line(entry: OutboxEntry) -> str:
    """One notice as staff read it: when, what, to whom (roles), how its delivery stands."""
    dispatch = entry.dispatch
    roles = ", ".join(sorted({r.role.value.replace("_", " ") for r in dispatch.recipients}))
    state = entry.status.value
    if entry.status.value == "failed":
        retry = entry.next_attempt_at.strftime("%Y-%m-%d %H:%M") if entry.next_attempt_at else "no"
        state = f"**not delivered** after {entry.attempts} attempt(s), retry {retry}: "
        state += (entry.last_error or "")[:300]
    return (
        f"| {dispatch.fires_at:%Y-%m-%d %H:%M} | {dispatch.rung.value.replace('_', ' ')} "
        f"| {dispatch.rule} {dispatch.title} ({dispatch.subject}) | {roles} | {state} |"
    )


def notices_markdown(entries: Sequence[OutboxEntry]) -> list[str]:
    """Every notice not delivered, then the latest others (R-E1: each rung once)."""
    failing = [e for e in entries if e.status.value != "delivered"]
    latest = [e for e in entries if e.status.value == "delivered"][-NOTICES_SHOWN:]
    shown = sorted(failing + latest, key=lambda e: (e.dispatch.fires_at, e.idempotency_key))
    if not shown:
        return []
    lines = [
        "",
        "## Notices",
        "",
        "| fires | rung | what | to | delivery |",
        "|---|---|---|---|---|",
    ]
    return lines + [notice_line(e) for e in reversed(shown)]


def review_line(review: ReviewDates | None) -> list[str]:
    """The next review conference: the day booked beside its deadline (R-T7, R-T8)."""
    if review is None:
        return []
    booked = f"booked for {review.booked:%a %d %b %Y}" if review.booked else "not booked yet"
    return [f"Next review conference: {booked} (deadline {review.deadline:%a %d %b %Y})", ""]


def timeline_markdown(
    reference: str,
    as_of: datetime,
    journal: Sequence[JournalEntry],
    rows: list[dict[str, str]],
    notices: Sequence[OutboxEntry] = (),
    review: ReviewDates | None = None,
) -> str:
    counts = {status: sum(r["status"] == status for r in rows) for status in SHOWN_STATUSES}
    lines = [
        f"# Case {reference}",
        "",
        f"As of {as_of:%Y-%m-%d %H:%M} (Europe/London): "
        + ", ".join(f"{n} {status}" for status, n in counts.items()),
        "",
        *review_line(review),
        "## Timeline",
        "",
        "| # | on | event | recorded by | source |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {e.seq} | {e.on.isoformat()} | {e.type.replace('_', ' ')} | {e.recorded_by} "
        f"| {e.source} |"
        for e in journal
    ]
    overdue = [r for r in rows if r["status"] == "overdue"]
    if overdue:
        lines += ["", "## Overdue", ""]
        lines += [
            f"- **{r['rule']}** {r['obligation']} ({r['subject']}): due {r['due']}, "
            f"owner {r['owner']}, rung {r['rung'] or '-'}"
            for r in overdue
        ]
    lines += notices_markdown(notices)
    return "\n".join(lines) + "\n"


def caseload_markdown(caseload: Caseload, cases_shown: int = CASES_SHOWN) -> str:
    """The caseload from the read model: notices not delivered first (drift nobody hears
    of), then overdue obligations by team and rung in the ladder's order, then the cases
    with something overdue, oldest first."""
    as_of = caseload.as_of
    lines = [f"# Caseload: overdue obligations as of {as_of:%Y-%m-%d %H:%M}", ""]
    if caseload.undelivered:
        lines += [
            f"**{caseload.undelivered} notice(s) not delivered** (oldest first; "
            "`cpo outbox --failed` lists all):",
            "",
            "| case | fires | rung | what | to | delivery |",
            "|---|---|---|---|---|---|",
        ]
        lines += [f"| {e.dispatch.case_reference} " + notice_line(e) for e in caseload.failing]
        lines.append("")
    by_team = caseload.by_team
    if not by_team:
        return "\n".join(lines + ["Nothing overdue."]) + "\n"
    present = {rung for counts in by_team.values() for rung in counts}
    rungs = [r for r in LADDER_ORDER if r in present] + sorted(present - set(LADDER_ORDER))
    lines += ["| team | " + " | ".join(r.replace("_", " ") for r in rungs) + " | total |"]
    lines += ["|---" * (len(rungs) + 2) + "|"]
    for team, counts in sorted(by_team.items()):
        cells = [str(counts.get(rung, 0)) for rung in rungs]
        lines.append(f"| {team} | " + " | ".join(cells) + f" | {sum(counts.values())} |")
    shown = caseload.cases[:cases_shown]
    lines += [
        "",
        f"## Cases with something overdue ({len(caseload.cases)}; the oldest {len(shown)})",
        "",
        "| case | team | overdue | since | worst rung |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {c.reference} | {c.team} | {c.overdue} | {c.oldest_overdue.isoformat()} "
        f"| {(c.worst_rung or '-').replace('_', ' ')} |"
        for c in shown
    ]
    return "\n".join(lines) + "\n"


@task(name="publish-case-artifacts", **ARTIFACT_TASK)
def publish_case_artifacts(
    reference: str,
    as_of: datetime,
    journal: Sequence[JournalEntry],
    obligations: Sequence[Any],
    notices: Sequence[OutboxEntry] = (),
    review: ReviewDates | None = None,
) -> None:
    """The case's timeline (markdown) and obligations (table), keyed per case so the UI keeps
    their history across wakes."""
    rows = obligation_rows(obligations)
    create_markdown_artifact(
        key=artifact_key("case", reference, "timeline"),
        markdown=timeline_markdown(reference, as_of, journal, rows, notices, review),
        description=f"Case {reference} as of {as_of:%Y-%m-%d %H:%M}",
    )
    create_table_artifact(
        key=artifact_key("case", reference, "obligations"),
        table=rows or [{"status": "none"}],
        description=f"Obligations of case {reference} as of {as_of:%Y-%m-%d %H:%M}",
    )


@task(name="publish-caseload-artifact", **ARTIFACT_TASK)
def publish_caseload_artifact(caseload: Caseload) -> None:
    create_markdown_artifact(
        key="caseload-overdue",
        markdown=caseload_markdown(caseload),
        description="Overdue obligations by team and escalation rung (R-E1)",
    )
