"""What operations staff read in the Prefect UI, as markdown: one page per case, and the
caseload. Pure functions of the case page and the caseload (``services``).

Built from event lines, dates, rule IDs, obligation keys, member ids and roles: never a
child's name, date of birth, address or category (R-G1). Tables keep to a few short columns
so they fit a 1,400-pixel screen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from domain.dispatch import RUNG_ORDER
from domain.ladder import Obligation
from domain.store import OutboxEntry
from notifications.settings import case_link, run_link, view_link, view_link_v2
from services.case_page import RUNG_WORDS, CasePage, drift_words
from services.clock import Caseload

SHOWN_STATUSES = ("overdue", "due", "upcoming", "met")
LADDER_ORDER = ["none", *(rung.value for rung in RUNG_ORDER)]
CASES_SHOWN = 20  # per team: the oldest; cpo cases --overdue lists them all
NOTICES_SHOWN = 15
MET_SHOWN = 10


def day(value: date | datetime | None) -> str:
    return "" if value is None else f"{value:%a} {value.day} {value:%b %Y}"


def _value(field: Any) -> str:
    return "" if field is None else str(getattr(field, "value", field))


def _words(rung: Any) -> str:
    return RUNG_WORDS.get(_value(rung), "-") if rung else "-"


STAGES = {  # short words for a table column: the ladder's rungs (R-E1)
    "none": "none yet",
    "reminder": "reminded",
    "chase": "chased",
    "missed": "missed",
    "escalation_tm": "to the TM",
    "escalation_final": "beyond the TM",
}


def state_words(o: Obligation, late_by: dict[str, int]) -> str:
    """An obligation's state in a few words: met (and how late), or its rung, and whether
    its escalation was acknowledged (R-E6)."""
    state = _value(o.status)
    if o.met_on:
        state += f" {o.met_on:%a} {o.met_on.day} {o.met_on:%b}"
        late = late_by.get(o.key)
        if late:
            state += f", **{late} working day{'s' if late != 1 else ''} late**"
    elif o.rung:
        state += f", {STAGES.get(_value(o.rung), _value(o.rung))}"
    if o.acknowledged_on and not o.met_on:
        state += f", acknowledged {o.acknowledged_on.day} {o.acknowledged_on:%b}"
    return state


def obligation_lines(
    obligations: Iterable[Obligation], late_by: dict[str, int] | None = None
) -> list[str]:
    """Open obligations, most urgent first, then the latest met: four short columns, so the
    table fits a 1,400-pixel screen (the keys to acknowledge are listed above it)."""
    shown = [o for o in obligations if _value(o.status) in SHOWN_STATUSES]
    order = sorted(shown, key=lambda o: (SHOWN_STATUSES.index(_value(o.status)), o.due, o.key))
    opened = [o for o in order if _value(o.status) != "met"]
    met = sorted((o for o in order if _value(o.status) == "met"), key=lambda o: o.met_on or o.due)
    lines = ["| due | state | what | owner |", "|---|---|---|---|"]
    for o in [*opened, *met[-MET_SHOWN:]]:
        state = state_words(o, late_by or {})
        owner = o.owner or _value(o.owner_role).replace("_", " ")
        lines.append(
            f"| {o.due:%a} {o.due.day} {o.due:%b} | {state} | {o.title} ({o.subject}) | {owner} |"
        )
    return lines


def notice_line(entry: OutboxEntry) -> str:
    """One notice: when, which rung, what, how its delivery stands."""
    dispatch = entry.dispatch
    state = entry.status.value
    if state == "failed":
        retry = f"{entry.next_attempt_at:%d %b %H:%M}" if entry.next_attempt_at else "no"
        state = f"**not delivered** after {entry.attempts} attempt(s), retry {retry}: "
        state += (entry.last_error or "")[:200]
    elif state == "withdrawn":  # no longer owed before it went: never sent (R-E1)
        state = (entry.withdrawn_reason or "withdrawn")[:200]
    # Whom or what each notice is about: three chases for the review differ by their report.
    return (
        f"| {dispatch.fires_at:%d %b %H:%M} | {dispatch.rung.value.replace('_', ' ')} "
        f"| {dispatch.rule} {dispatch.title} ({dispatch.subject}) | {state} |"
    )


def notices_markdown(entries: Sequence[OutboxEntry]) -> list[str]:
    """Every notice not delivered, then the latest others (R-E1: each rung once)."""
    settled = ("delivered", "withdrawn")
    failing = [e for e in entries if e.status.value not in settled]
    latest = [e for e in entries if e.status.value in settled][-NOTICES_SHOWN:]
    shown = sorted(failing + latest, key=lambda e: (e.dispatch.fires_at, e.key))
    if not shown:
        return []
    lines = ["", "## Notices", "", "| due to go | rung | what | delivery |", "|---|---|---|---|"]
    return lines + [notice_line(e) for e in reversed(shown)]


def escalation_lines(page: CasePage) -> list[str]:
    """R-E6: what is escalated, its key, and exactly how to acknowledge it."""
    if not page.escalations:
        return []
    who = " or ".join(member for member, _ in page.acknowledgers) or "the team manager"
    lines = ["## Escalated: acknowledge (R-E6)", ""]
    lines += [f"- `{o.key}`: {o.title} ({o.subject}), {_words(o.rung)}" for o in page.escalations]
    example = page.escalations[0].key
    lines += [
        "",
        f"Acknowledge ({who}): on this run, **Resume**, choose the escalation and who "
        "acknowledges it; or in a terminal: `cpo record acknowledge "
        f'{page.reference} --json \'{{"obligation": "{example}", "by": "<member id>"}}\' '
        "--recorded-by <you>`",
        "",
    ]
    return lines


def case_markdown(page: CasePage) -> str:
    """The case at a glance, then what to act on, then the whole story."""
    drift, review = page.drift, page.view.review
    lines = [f"# Case {page.reference}", "", f"**{drift_words(drift)}.**", ""]
    if review is not None:
        booked = f"booked for {day(review.booked)}" if review.booked else "not booked yet"
        if review.booked and review.booked < page.as_of.date():
            booked = f"booked for {day(review.booked)}, **a day that passed without it**"
        lines += [f"Next review conference: {booked} (deadline {day(review.deadline)}).", ""]
    lines += [f"As of {page.as_of:%a %d %b %Y %H:%M} (Europe/London). "
              f"[Every run of this case]({case_link(page.reference)})", ""]  # fmt: skip
    lines += escalation_lines(page)
    lines += ["## Obligations", "", *obligation_lines(page.view.obligations, page.late_by)]
    lines += notices_markdown(page.notices)
    lines += ["", "## Timeline", "", "| # | on | what | recorded by |", "|---|---|---|---|"]
    lines += [
        f"| {e.seq} | {day(e.on)} | {_line(e.what or e.type.replace('_', ' '), e.voided_by)} "
        f"| {e.recorded_by} ({e.source}){_late(e.late_words)} |"
        for e in sorted(page.journal, key=lambda e: (e.on, e.seq), reverse=True)
    ]
    return "\n".join(lines) + "\n"


def _late(words: str) -> str:
    """An entry recorded late says so beside who recorded it (R-G3)."""
    return f", {words}" if words else ""


def _line(what: str, voided_by: int | None) -> str:
    return f"~~{what}~~ (voided by #{voided_by})" if voided_by else what


def caseload_markdown(caseload: Caseload, cases_shown: int = CASES_SHOWN) -> str:
    """The caseload from the read model: notices not delivered first (drift nobody hears
    of), then overdue obligations by team and stage in the ladder's order, then each team's
    cases with something overdue, oldest first, each linked to its run."""
    lines = [
        f"# Caseload as of {caseload.as_of:%a %d %b %Y %H:%M}",
        "",
        views_line("open-case"),
        "",
    ]
    if caseload.undelivered:
        lines += [
            f"**{caseload.undelivered} notice(s) not delivered** (oldest first; "
            "`cpo outbox --failed` lists all):",
            "",
            "| case | sent | rung | what | delivery |",
            "|---|---|---|---|---|",
        ]
        lines += [f"| {e.dispatch.case_reference} " + notice_line(e) for e in caseload.failing]
        lines.append("")
    by_team = caseload.by_team
    if not by_team:
        return "\n".join(lines + ["Nothing overdue."]) + "\n"
    present = {rung for counts in by_team.values() for rung in counts}
    rungs = [r for r in LADDER_ORDER if r in present] + sorted(present - set(LADDER_ORDER))
    lines += ["## Overdue obligations by team and stage", ""]
    lines += ["| team | " + " | ".join(STAGES.get(r, r) for r in rungs) + " | total |"]
    lines += ["|---" * (len(rungs) + 2) + "|"]
    for team, counts in sorted(by_team.items()):
        cells = [str(counts.get(rung, 0)) for rung in rungs]
        team_cell = f"[{team}]({view_link_v2(f'overdue:{team}')}) ([old UI]({view_link(f'overdue:{team}')}))"
        lines.append(f"| {team_cell} | " + " | ".join(cells) + f" | {sum(counts.values())} |")
    for team in sorted(by_team):
        lines += team_cases(team, [c for c in caseload.cases if c.team == team], cases_shown)
    return "\n".join(lines) + "\n"


def views_line(tag: str) -> str:
    """Every open case, whatever its run's start: links that carry their own window."""
    return (f"Every open case: [in Prefect's UI]({view_link_v2(tag)}) · "
            f"[in the old UI]({view_link(tag)})")  # fmt: skip


def team_cases(team: str, cases: Sequence[Any], shown: int) -> list[str]:
    """One team's cases with something overdue, the oldest first, each linked to its run."""
    lines = [
        "",
        f"## {team}: {len(cases)} case(s) with something overdue"
        + (f", the oldest {shown}" if len(cases) > shown else ""),
        "",
        "| case | overdue | since | worst | owner |",
        "|---|---|---|---|---|",
    ]
    for c in cases[:shown]:
        link = run_link(c.flow_run_id) if c.flow_run_id else case_link(c.reference)
        since = c.oldest_overdue
        worst = STAGES.get(c.worst_rung or "", "-")
        if c.acknowledged:  # R-E6: the team manager has it in hand
            worst += f", {c.acknowledged} acknowledged"
        lines.append(
            f"| [{c.reference}]({link}) | {c.overdue} | {since:%a} {since.day} {since:%b} "
            f"| {worst} | {c.oldest_owner or '-'} |"
        )
    return lines
