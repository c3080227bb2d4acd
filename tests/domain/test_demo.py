"""The demo caseload is valid and shows every stage a newcomer should see."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time

import pytest

from domain.child_facts import check_facts
from domain.demo import STAGES, demo_caseload, demo_facts
from domain.dispatch import Rung
from domain.ladder import LONDON
from domain.obligations import view
from domain.state import fold


@pytest.mark.parametrize("today", [date(2026, 11, 23), date(2026, 12, 29), date(2027, 4, 1)])
def test_the_demo_caseload_is_valid_and_covers_every_stage(today):
    cases = demo_caseload(today)
    assert len(cases) == 40 and len({c.reference for c in cases}) == 40
    assert len({c.profile for c in cases}) == 7
    moment = datetime.combine(today, time(9), LONDON)
    rungs: Counter[Rung] = Counter()
    rules: Counter[str] = Counter()
    closed = 0
    for history in cases:
        closed += fold(history).closed
        dispatches = view(history, moment).dispatches
        rungs.update(d.rung for d in dispatches)
        rules.update(d.rule for d in dispatches)
    assert closed == 40 // len(STAGES) + (1 if 40 % len(STAGES) > STAGES.index("ended") else 0)
    assert rules["R-T9"] and rules["R-T5"]  # reports chased before a review; minutes overdue
    assert rungs[Rung.ESCALATION_TM] and rungs[Rung.ESCALATION_FINAL]
    booked = [c for c in cases if any(e.type == "review_booked" for e in c.events)]
    assert len(booked) >= 4  # reviews booked inside their timescale (R-T7, R-T8)


@pytest.mark.parametrize("today", [date(2026, 11, 23), date(2027, 4, 1)])
def test_every_demo_child_has_personal_facts_that_fit_its_case(today: date) -> None:
    cases = demo_caseload(today)
    given = demo_facts(cases)
    ids = [f.la_child_id for facts in given.values() for f in facts]
    assert len(ids) == len(set(ids))
    for history in cases:
        state = fold(history)
        assert {f.child for f in given[history.reference]} == set(state.children)
        for facts in given[history.reference]:
            check_facts(facts, state)
