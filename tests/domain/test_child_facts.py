"""A child's personal facts are checked against the case before they are kept (R-G3): each
refusal names the field, the rule and the census rule it keeps the return clear of."""

from __future__ import annotations

from typing import Any

import pytest

from domain.child_facts import (
    CaseFile,
    ChildFacts,
    check_facts,
    dumps_case_file,
    loads_case_file,
    process_start,
)
from domain.errors import RejectedFacts
from domain.events import Child, ConferenceKind
from domain.history import dumps_history, loads_history
from domain.state import fold
from tests.domain.builders import case, d, icpc

OPENING = icpc("2026-12-01", "2026-12-08", strategy_discussion_on=d("2026-11-20"))
PRE_BIRTH = OPENING.model_copy(update={"kind": ConferenceKind.PRE_BIRTH})


def facts(**changes: Any) -> ChildFacts:
    fields: dict[str, Any] = dict(
        child="c1",
        la_child_id="LA000123",
        sex="F",
        ethnicity="WBRI",
        date_of_birth=d("2019-04-02"),
        disabilities=("NONE",),
    )
    fields.update(changes)
    return ChildFacts(**fields)


def refused(given: ChildFacts, opening: Any = OPENING) -> RejectedFacts:
    with pytest.raises(RejectedFacts) as caught:
        check_facts(given, fold(case(opening)))
    return caught.value


def test_facts_that_fit_the_case_are_accepted() -> None:
    check_facts(facts(), fold(case(OPENING)))
    check_facts(facts(disabilities=("MOB", "VIS")), fold(case(OPENING)))


def test_an_unborn_child_on_a_pre_birth_plan_has_an_expected_date_and_sex_u() -> None:
    unborn = facts(
        date_of_birth=None, expected_birth_date=d("2027-02-14"), sex="U", disabilities=()
    )
    check_facts(unborn, fold(case(PRE_BIRTH)))
    assert refused(unborn.model_copy(update={"sex": "F"}), PRE_BIRTH).message.endswith("(CIN 8750)")


@pytest.mark.parametrize(
    ("changes", "field", "census"),
    [
        ({"child": "c9"}, "child", ""),
        ({"la_child_id": "LA-0001"}, "la_child_id", "CIN 1580"),
        ({"la_child_id": "A" * 21}, "la_child_id", "CIN 1570"),
        ({"sex": "X"}, "sex", "CIN 4180"),
        ({"ethnicity": "BRIT"}, "ethnicity", "CIN 4220"),
        ({"date_of_birth": None}, "date_of_birth", "CIN 8525Q"),
        ({"expected_birth_date": d("2027-01-01")}, "date_of_birth", "CIN 8525Q"),
        ({"date_of_birth": d("2026-12-02")}, "date_of_birth", ""),
        ({"disabilities": ()}, "disabilities", "CIN 8540"),
        ({"disabilities": ("LEGS",)}, "disabilities", "CIN 8540"),
        ({"disabilities": ("MOB", "MOB")}, "disabilities", "CIN 8794"),
        ({"disabilities": ("NONE", "MOB")}, "disabilities", "CIN 8790"),
    ],
)
def test_facts_the_case_or_the_census_refuses_are_refused_naming_field_and_rule(
    changes: dict[str, Any], field: str, census: str
) -> None:
    error = refused(facts(**changes))
    assert (error.child, error.field, error.rule) == (facts(**changes).child, field, "R-G3")
    assert census in str(error)


def test_only_a_pre_birth_conference_plans_for_an_unborn_child() -> None:
    unborn = facts(date_of_birth=None, expected_birth_date=d("2027-02-14"), sex="U")
    assert refused(unborn).field == "expected_birth_date"


def test_a_case_that_starts_more_than_40_weeks_before_the_birth_is_refused() -> None:
    unborn = facts(date_of_birth=None, expected_birth_date=d("2027-09-01"), sex="U")
    assert "CIN 8606" in refused(unborn, PRE_BIRTH).message


def test_a_date_of_birth_must_agree_with_the_conferences() -> None:
    opening = OPENING.model_copy(
        update={"children": (Child(id="c1", category="NEG", date_of_birth=d("2019-04-03")),)}
    )
    assert refused(facts(), opening).field == "date_of_birth"


def test_the_case_starts_at_its_strategy_discussion_or_else_its_conference() -> None:
    assert process_start(fold(case(OPENING))) == d("2026-11-20")
    plain = OPENING.model_copy(update={"strategy_discussion_on": None})
    assert process_start(fold(case(plain))) == d("2026-12-01")


def test_a_case_file_keeps_its_facts_beside_the_events_and_the_history_sets_them_aside() -> None:
    history = case(OPENING)
    text = dumps_case_file(history, (facts(),))
    assert text.index('"events"') < text.index('"child_facts"')
    loaded = loads_case_file(text)
    assert isinstance(loaded, CaseFile) and loaded.child_facts == (facts(),)
    assert loaded.history == history
    assert loads_history(text) == history
    assert dumps_case_file(loaded.history, loaded.child_facts) == text


def test_a_file_without_facts_is_written_exactly_as_before() -> None:
    history = case(OPENING)
    assert dumps_case_file(history) == dumps_history(history)
