"""`cpo record` takes the events of the duties beyond the timescales, by step, in the same
shape as the forms: a risk raised or decided (R-E2), apologies (R-M3), the plan after no
access (R-V5, R-V2), what the family was given (R-P5, R-T19, R-T20), a birth (R-LC4)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from cli.errors import Refused
from cli.record_cmds import STEPS, _event, _payload
from domain import events


@pytest.mark.parametrize(
    ("step", "payload", "expected"),
    [
        ("risk", {"type": "risk_raised", "member": "hv"}, events.RiskRaised),
        (
            "risk",
            {"type": "risk_decided", "by": "tm", "decision": "court_application"},
            events.RiskDecided,
        ),
        ("apologies", {"meeting": "cg-p0-1", "member": "sch1"}, events.ApologiesSent),
        ("access-plan", {"authorised_by": "tm", "with_police": True}, events.AccessPlanAgreed),
        ("family-copy", {"what": "report", "member": "hv"}, events.SharedWithFamily),
        ("child-born", {"child": "c1"}, events.ChildBorn),
    ],
)
def test_each_step_takes_its_event(step: str, payload: dict, expected: type) -> None:
    type_name, default = STEPS[step]
    given = _payload(json.dumps(payload), None, default, date(2026, 12, 1))
    event = _event(type_name, given)
    assert isinstance(event, expected) and event.on == date(2026, 12, 1)


def test_a_bad_decision_names_the_field() -> None:
    type_name, default = STEPS["risk"]
    given = {"type": "risk_decided", "by": "tm", "decision": "wait", "on": "2026-12-01"}
    with pytest.raises(Refused, match=r"decision.*R-G3"):
        _event(type_name, given)
