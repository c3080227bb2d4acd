"""Use case: what a case's run shows operations staff, as of a moment: its timeline (each
event in one line), its obligations, its notices, its drift, the escalations open to
acknowledge and who may acknowledge them (R-E6). Read only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from domain.events import MemberRole
from domain.ladder import LONDON
from domain.obligations import CaseView, derive
from domain.profiles import calendar_for, load_profile
from domain.state import fold
from domain.store import CaseRepository, JournalEntry, OutboxEntry
from domain.store.summaries import ObligationAt
from domain.summary import Drift
from services.cases import open_escalations


@dataclass(frozen=True)
class CasePage:
    reference: str
    as_of: datetime
    view: CaseView  # every obligation as of ``as_of``, met ones included
    journal: list[JournalEntry]
    notices: list[OutboxEntry]
    drift: Drift | None  # as the last wake or event left it (the read model)
    escalations: list[ObligationAt]  # open, escalated, not yet acknowledged (R-E6)
    acknowledgers: list[tuple[str, str]]  # (member id, role): who may acknowledge them
    late_by: dict[str, int] = field(default_factory=dict)  # met late: working days, by key
    managers: list[str] = field(default_factory=list)  # who may authorise a void (R-G3)

    @property
    def seq(self) -> int:
        return self.journal[-1].seq if self.journal else 0


def case_page(store: CaseRepository, reference: str, as_of: datetime) -> CasePage:
    history, _ = store.load(reference)
    policy = load_profile(history.profile)
    state = fold(history, policy, known_by=as_of.astimezone(LONDON).date())
    calendar = calendar_for(policy)
    view = derive(state, policy, calendar, as_of)
    people = [
        (member.id, member.role.value)
        for member in state.members.values()
        if member.role in policy.acknowledgers
    ]
    return CasePage(
        reference=reference,
        as_of=as_of,
        view=view,
        journal=store.journal(reference),
        notices=store.outbox_of(reference),
        drift=store.drift_of(reference),
        escalations=open_escalations(store, reference, as_of),
        acknowledgers=people,
        managers=[m.id for m in state.members.values() if m.role is MemberRole.TEAM_MANAGER],
        late_by={
            o.key: calendar.between(o.due, o.met_on)
            for o in view.obligations
            if o.met_on is not None and o.late
        },
    )


# The resume form's choice of an escalation (flows/case_form.py): "<key> · <title>", or this.
NOTHING = "(nothing to acknowledge)"
SEPARATOR = " · "


def chosen_escalation(choice: object) -> str | None:
    """The obligation key a resume form's answer chose to acknowledge, if any (R-E6)."""
    if not isinstance(choice, str) or not choice or choice == NOTHING:
        return None
    return choice.split(SEPARATOR, 1)[0]


RUNG_WORDS = {
    "reminder": "reminded",
    "chase": "report chased",
    "missed": "missed",
    "escalation_tm": "escalated to the team manager",
    "escalation_final": "escalated beyond the team manager",
}
DRIFT_TAGS = ("overdue", "due-this-week")
RUNG_TAG = "rung:"


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def drift_words(drift: Drift | None) -> str:
    """The case at a glance in one line: "3 overdue, worst: escalated to the team manager
    since Mon 30 Nov; next deadline Tue 1 Dec"."""
    if drift is None:
        return "Not yet woken"
    parts = [f"{drift.overdue} overdue" if drift.overdue else "Nothing overdue"]
    if drift.worst_rung is not None and drift.worst_rung_since is not None:
        since = drift.worst_rung_since.astimezone(LONDON)
        parts.append(f"worst: {RUNG_WORDS[drift.worst_rung.value]} since {_day(since)}")
    line = ", ".join(parts)
    if drift.next_deadline is not None:
        line += f"; next deadline {_day(drift.next_deadline)}"
    return line


def drift_tags(drift: Drift | None) -> list[str]:
    """Tags a Runs page filters by: ``overdue``, ``rung:<worst rung>``, ``due-this-week``
    (a deadline in the 7 days from the wake)."""
    if drift is None:
        return []
    tags = ["overdue"] if drift.overdue else []
    if drift.worst_rung is not None:
        tags.append(f"{RUNG_TAG}{drift.worst_rung.value}")
    today = drift.as_of.astimezone(LONDON).date()
    if drift.next_deadline is not None and (drift.next_deadline - today).days < 7:
        tags.append("due-this-week")
    return tags


def with_drift_tags(tags: list[str], drift: Drift | None) -> list[str]:
    """A run's tags with its drift tags replaced (its team, profile and others kept)."""
    kept = [t for t in tags if t not in DRIFT_TAGS and not t.startswith(RUNG_TAG)]
    return kept + drift_tags(drift)
