"""What a case's row on the Runs page says: its state's name, its state's message and its
tags, as a pure function of the case's drift (the read model). Read only.

Prefect lists runs by state name and tags, so the drift goes there:

- the suspended state's **name**, one of a few words ("Overdue · TM", "Due this week",
  "On track"...): a Suspended run keeps its type (PAUSED), its pause key and its resume form
  whatever its name (the server's orchestration reads the type and the state's details);
- the state's **message**, the case in one line ("3 overdue, worst: escalated to the team
  manager since Mon 30 Nov; next deadline Tue 1 Dec");
- **tags** to filter by: ``open-case`` while the plan is open; ``overdue``, ``due-this-week``
  and ``rung:<worst rung>``; and each drift tag again with the team
  (``overdue:team-east``), because Prefect's new UI combines two tags as "any": one tag
  is one click to exactly a team's overdue cases, in either UI.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.dispatch import Rung
from domain.store import CaseRepository
from domain.store.labels import CaseDrift
from domain.summary import Drift
from services.case_page import drift_tags, drift_words

OPEN_TAG = "open-case"
TEAM_TAG = "team:"
RUNG_TAG = "rung:"
DRIFT_TAGS = ("overdue", "due-this-week")
ON_TRACK = "On track"
STATE_NAMES = {  # the worst rung reached by something overdue (R-E1)
    Rung.ESCALATION_FINAL: "Overdue · beyond TM",
    Rung.ESCALATION_TM: "Overdue · TM",
}


@dataclass(frozen=True)
class RunLabel:
    """What the Runs page shows of one case: its state's name and message, its drift tags."""

    state_name: str
    message: str
    tags: tuple[str, ...]

    def key(self) -> str:
        """One string to compare with what a run was last labelled with."""
        return "\n".join([self.state_name, self.message, *sorted(self.tags)])


def state_name(drift: Drift | None) -> str:
    """A few words a list can show: the worst of the case's drift."""
    if drift is None:
        return "Suspended"
    if drift.overdue:
        return STATE_NAMES.get(drift.worst_rung, "Overdue") if drift.worst_rung else "Overdue"
    if "due-this-week" in drift_tags(drift):
        return "Due this week"
    return ON_TRACK


def team_of(tags: list[str] | tuple[str, ...]) -> str | None:
    return next((t[len(TEAM_TAG) :] for t in tags if t.startswith(TEAM_TAG)), None)


def label_of(drift: Drift | None, team: str | None, is_open: bool = True) -> RunLabel:
    """The label of an open case (or, once the plan has ended, no drift tags at all)."""
    if not is_open:
        return RunLabel("Completed", "The plan has ended", ())
    tags = drift_tags(drift)
    per_team = [f"{tag}:{team}" for tag in tags if tag in DRIFT_TAGS] if team else []
    return RunLabel(state_name(drift), drift_words(drift), (OPEN_TAG, *tags, *per_team))


def is_label_tag(tag: str) -> bool:
    base = tag.split(":", 1)[0]
    return tag == OPEN_TAG or tag.startswith(RUNG_TAG) or base in DRIFT_TAGS


def with_label(tags: list[str], label: RunLabel) -> list[str]:
    """A run's tags with its label's replaced (its team, profile and the rest kept)."""
    return [t for t in tags if not is_label_tag(t)] + list(label.tags)


def stale_labels(store: CaseRepository, as_of: datetime) -> list[tuple[CaseDrift, RunLabel]]:
    """The open cases whose run's label differs from what their drift as of ``as_of`` says
    (from the read model: no history derived), with their new label."""
    found = []
    for case in store.drifts_as_of(as_of):
        label = label_of(case.drift, case.team)
        if case.label != label.key():
            found.append((case, label))
    return found
