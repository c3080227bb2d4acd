"""What the returns need of a plan's end and of the enquiry, refused when it cannot be true or
sent: the closure of the child-in-need episode (CIN ReasonForClosure), assessments and their
factors, emergency protection, and a child's UPN (docs/rules.md §8)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.child_facts import ChildFacts, check_facts, upn_check_letter
from domain.errors import RejectedEvent, RejectedFacts
from domain.events import (
    AssessmentCompleted,
    AssessmentStarted,
    EmergencyProtectionTaken,
    EpisodeClosure,
    PlanEnded,
    PlanEndReason,
    ProtectionKind,
)
from domain.state import fold
from domain.synthetic import made_upn
from domain.visits import statutory
from tests.domain.builders import case, d, icpc, rcpc

OPENING = icpc("2026-12-01", "2026-12-08", strategy_discussion_on=d("2026-11-20"))
STARTED = AssessmentStarted(on=d("2026-11-20"), assessment="a1", child="c1")


def refusal(*events: object) -> RejectedEvent:
    with pytest.raises(RejectedEvent) as caught:
        fold(case(*events), new_from=0)  # type: ignore[arg-type]
    return caught.value


def ended(reason: PlanEndReason, closure: EpisodeClosure | None = None) -> PlanEnded:
    return PlanEnded(on=d("2027-01-11"), reason=reason, recorded_by="tm", closure=closure)


@pytest.mark.parametrize(
    ("events", "field", "says"),
    [
        pytest.param([OPENING, ended(PlanEndReason.TURNED_18)], "closure", "ReasonForClosure",
                     id="turned-18-says-nothing"),
        pytest.param([OPENING, ended(PlanEndReason.DIED, EpisodeClosure.CIN_CONTINUES)], "closure",
                     "closes the episode as died", id="died-but-continues"),
        pytest.param([OPENING, ended(PlanEndReason.LEFT_UK, EpisodeClosure.DIED)], "closure",
                     "left_uk closes the episode as services_ceased", id="left-uk-as-died"),
        pytest.param([OPENING, rcpc("2027-01-11", decision="end",
                                    closure=EpisodeClosure.DIED)], "closure", "end-plan",
                     id="a-conference-records-no-death"),
        pytest.param([OPENING, rcpc("2027-01-11", "2027-01-18").model_copy(
                         update={"closure": EpisodeClosure.SERVICES_CEASED})], "closure",
                     "only a conference that ends", id="closure-on-a-continuing-plan"),
        pytest.param([OPENING, STARTED, ended(PlanEndReason.LEFT_UK)], "closure", "CIN 8867",
                     id="closed-with-an-assessment-open"),
        pytest.param([OPENING, STARTED, AssessmentCompleted(on=d("2026-12-01"), assessment="a1")],
                     "factors", "CIN 8897Q", id="completed-without-factors"),
        pytest.param([OPENING, STARTED, AssessmentCompleted(on=d("2026-12-01"), assessment="a1",
                                                            factors=("21",))],
                     "factors", "CIN 8869", id="no-factors-on-a-plan"),
        pytest.param([OPENING, STARTED, AssessmentCompleted(on=d("2026-12-01"), assessment="a1",
                                                            factors=("2B", "2B"))],
                     "factors", "CIN 8898", id="a-factor-twice"),
        pytest.param([OPENING, STARTED,
                      AssessmentStarted(on=d("2026-12-02"), assessment="a2", child="c1")],
                     "assessment", "CIN 8863Q", id="two-open-assessments"),
        pytest.param([OPENING, AssessmentStarted(on=d("2026-05-29"), assessment="a1",
                                                 child="c1")],
                     "on", "more than 6 months before", id="too-long-before-the-case"),
    ],
)  # fmt: skip
def test_refused_naming_the_field_and_the_census_rule(
    events: list[object], field: str, says: str
) -> None:
    error = refusal(*events)
    assert error.field == field and says in str(error), str(error)


def test_a_plan_that_ends_records_what_becomes_of_the_episode() -> None:
    state = fold(case(OPENING, ended(PlanEndReason.TRANSFERRED_OUT)), new_from=0)
    assert state.children["c1"].closure is EpisodeClosure.TRANSFERRED_TO_ANOTHER_AUTHORITY
    adopted = fold(case(OPENING, ended(PlanEndReason.ADOPTED)), new_from=0)
    assert adopted.children["c1"].closure is EpisodeClosure.ADOPTED
    steps_down = fold(case(OPENING, rcpc("2027-02-26", decision="end")), new_from=0)
    assert steps_down.children["c1"].closure is EpisodeClosure.CIN_CONTINUES


def test_an_enquirys_facts_may_be_dated_before_the_case_opened() -> None:
    """An assessment and police protection of the enquiry, recorded after the conference; the
    next event is still checked against the latest event after the opening."""
    protection = EmergencyProtectionTaken(on=d("2026-11-18"), kind=ProtectionKind.POLICE_PROTECTION)
    state = fold(case(OPENING, STARTED, protection), new_from=0)
    assert state.assessments["a1"][1] == d("2026-11-20")
    assert state.last_event_on == d("2026-12-01")


def test_who_makes_a_statutory_visit() -> None:
    """The lead professional in post on the day (R-T11); not another member, not without
    access (``domain.visits.statutory``)."""
    from domain.events import VisitMade

    state = fold(case(OPENING))
    lp = VisitMade(on=d("2026-12-03"), visitor="sw", children_seen=("c1",))
    assert statutory(state, lp)
    assert not statutory(state, lp.model_copy(update={"visitor": "hv"}))
    assert not statutory(state, lp.model_copy(update={"no_access": True, "children_seen": ()}))


def facts(**changes: Any) -> ChildFacts:
    fields: dict[str, Any] = dict(child="c1", la_child_id="LA1", sex="F", ethnicity="WBRI",
                                  date_of_birth=date(2016, 3, 4), disabilities=("NONE",))  # fmt: skip
    return ChildFacts(**{**fields, **changes})


def test_a_upn_is_checked_as_the_dfe_checks_it() -> None:
    """The DfE's own examples (the validator's rule 1510 tests): A950000178301 and
    H243278544154 are right; one of LA 201's with another first letter is wrong."""
    assert upn_check_letter("A950000178301") == "A" and upn_check_letter("H243278544154") == "H"
    state = fold(case(OPENING))
    good = made_upn("123456789")
    check_facts(facts(upn=good), state)
    check_facts(facts(upn_unknown="UN2"), state)
    for bad, says in [
        (dict(upn=("B" if good[0] != "B" else "C") + good[1:]), "CIN 1510"),
        (dict(upn="A999000178301"), "CIN 1530"),
        (dict(upn="A95000017830"), "CIN 1540"),
        (dict(upn_unknown="UN7"), "CIN 8772"),
        (dict(upn=made_upn("123456789"), upn_unknown="UN1"), "only when the UPN is not"),
    ]:
        with pytest.raises(RejectedFacts, match=says):
            check_facts(facts(**bad), state)
