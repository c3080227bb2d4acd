"""What a case's row on the Runs page says, and the clock's relabelling from the read model:
the label a tick computes for a case is the one its own wake would have written, and only
the cases whose drift changed are relabelled."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from domain.dispatch import Rung
from domain.ladder import LONDON
from domain.store import CaseRepository, Database, Source
from domain.summary import Drift
from services.run_labels import label_of, stale_labels, state_name, with_label
from tests.services.test_tick import caseload

IMPORTED = datetime(2026, 3, 9, 9, 0, tzinfo=LONDON)
NOW = datetime(2026, 3, 9, 12, 0, tzinfo=LONDON)


def drift(**fields: object) -> Drift:
    return Drift(as_of=NOW, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("found", "name"),
    [
        (drift(overdue=2, worst_rung=Rung.ESCALATION_FINAL), "Overdue · beyond TM"),
        (drift(overdue=1, worst_rung=Rung.ESCALATION_TM), "Overdue · TM"),
        (drift(overdue=1, worst_rung=Rung.MISSED), "Overdue"),
        (drift(upcoming=1, next_deadline=date(2026, 3, 12)), "Due this week"),
        (drift(upcoming=1, next_deadline=date(2026, 4, 12)), "On track"),
        (None, "Suspended"),
    ],
)
def test_the_state_name_says_the_worst_of_the_drift(found: Drift | None, name: str) -> None:
    assert state_name(found) == name


def test_each_drift_tag_comes_again_with_the_team_so_one_tag_is_a_teams_list() -> None:
    label = label_of(drift(overdue=1, worst_rung=Rung.ESCALATION_TM,
                           next_deadline=date(2026, 3, 10)), "team-east")  # fmt: skip
    assert set(label.tags) == {
        "open-case", "overdue", "overdue:team-east", "rung:escalation_tm",
        "due-this-week", "due-this-week:team-east",
    }  # fmt: skip
    assert label.message == "1 overdue; next deadline Tue 10 Mar"


def test_relabelling_keeps_the_team_profile_and_deployment_tags_and_replaces_the_drift() -> None:
    old = ["cpo", "case", "team:team-east", "profile:england", "open-case", "overdue",
           "overdue:team-east", "rung:missed"]  # fmt: skip
    new = with_label(old, label_of(drift(upcoming=1, next_deadline=date(2026, 5, 1)), "team-east"))
    assert new == ["cpo", "case", "team:team-east", "profile:england", "open-case"]
    assert with_label(old, label_of(None, "team-east", is_open=False))[-1] == "profile:england"


def opened(database: Database) -> CaseRepository:
    store = CaseRepository(database)
    store.open_cases(caseload(20), recorded_by="test", source=Source.IMPORT, as_of=IMPORTED)
    for number, history in enumerate(caseload(20)):
        store.set_flow_run(history.reference, f"00000000-0000-0000-0000-{number:012d}")
    return store


def test_a_tick_relabels_exactly_the_cases_whose_drift_changed_as_their_wake_would(
    database: Database,
) -> None:
    store = opened(database)
    first = stale_labels(store, NOW)
    assert len(first) == 20  # never labelled
    store.record_labels([(c.reference, c.flow_run_id, label.key()) for c, label in first], NOW)
    assert stale_labels(store, NOW) == []  # nothing changed since
    later = NOW + timedelta(days=9)
    changed = {case.reference: label for case, label in stale_labels(store, later)}
    assert changed and len(changed) < 20  # some cases drifted in those nine days, not all
    for case, _ in first:  # what a wake at that moment would label each case with
        store.refresh(case.reference, later)
        woken = label_of(store.drift_of(case.reference), case.team)
        if case.reference in changed:
            assert changed[case.reference] == woken
        else:
            assert label_of(case.drift, case.team) == woken
    overdue = {c.reference for c in store.overdue_cases(later)}
    now_labels = {c.reference: changed.get(c.reference, label) for c, label in first}
    tagged = {ref for ref, label in now_labels.items() if "overdue" in label.tags}
    assert tagged == overdue  # the tags say what cpo cases --overdue says
