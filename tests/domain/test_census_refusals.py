"""A history the DfE's CIN census would refuse is refused when it is recorded: our rule ID
names the field, and the message names the census rule it would have broken (docs/rules.md §8)."""

from __future__ import annotations

import pytest

from domain.errors import RejectedEvent
from domain.events import Child, ConferenceKind, PlanEnded, PlanEndReason
from domain.state import fold
from tests.domain.builders import case, d, icpc, rcpc

OPENING = icpc("2026-12-01", "2026-12-08", strategy_discussion_on=d("2026-11-20"))


def refusal(*events: object) -> RejectedEvent:
    with pytest.raises(RejectedEvent) as caught:
        fold(case(*events), new_from=0)  # type: ignore[arg-type]
    return caught.value


def ended(on: str) -> PlanEnded:
    return PlanEnded(on=d(on), reason=PlanEndReason.LEFT_UK, recorded_by="tm")


@pytest.mark.parametrize(
    ("events", "field", "rule", "census"),
    [
        pytest.param([OPENING, ended("2026-11-30")], "on", "R-LC2a", "CIN 8925", id="ends-first"),
        pytest.param([OPENING, ended("2026-12-01")], "on", "R-LC2a", "CIN 8840", id="ends-same-day"),
        pytest.param(
            [OPENING, rcpc("2026-12-01", decision="end")], "on", "R-LC2", "CIN 8841",
            id="review-on-start-day",
        ),
        pytest.param(
            [icpc("2026-12-05", "2026-12-08")], "on", "R-LC1", "CIN 8875", id="icpc-on-a-saturday"
        ),
        pytest.param(
            [OPENING.model_copy(update={"s47_started_on": d("2026-12-02")})],
            "s47_started_on", "R-T0", "CIN 8615", id="s47-after-icpc",
        ),
    ],
)  # fmt: skip
def test_a_history_the_census_would_refuse_is_refused_naming_both_rules(
    events: list[object], field: str, rule: str, census: str
) -> None:
    error = refusal(*events)
    assert (error.field, error.rule) == (field, rule)
    assert census in error.message


def test_a_section_47_enquiry_starts_at_or_after_its_strategy_discussion() -> None:
    error = refusal(OPENING.model_copy(update={"s47_started_on": d("2026-11-19")}))
    assert (error.field, error.rule) == ("s47_started_on", "R-T0")


def test_a_section_47_enquiry_needs_the_strategy_discussion_that_started_it() -> None:
    error = refusal(icpc("2026-12-01", "2026-12-08", s47_started_on=d("2026-11-25")))
    assert (error.field, error.rule) == ("strategy_discussion_on", "R-T0")


def test_a_transfer_in_records_no_section_47_enquiry() -> None:
    opening = OPENING.model_copy(
        update={"kind": ConferenceKind.TRANSFER_IN, "s47_started_on": d("2026-11-25")}
    )
    assert refusal(opening).field == "s47_started_on"


def test_a_review_conference_records_no_section_47_enquiry() -> None:
    review = rcpc("2027-02-26").model_copy(update={"s47_started_on": d("2027-02-20")})
    error = refusal(OPENING, review)
    assert (error.field, error.rule) == ("s47_started_on", "R-T0")


def test_the_number_of_previous_plans_is_the_opening_conferences_to_record() -> None:
    opening = OPENING.model_copy(
        update={"children": (Child(id="c1", category="NEG", previous_plans=1),)}
    )
    review = rcpc("2027-02-26", "2027-03-05").model_copy(
        update={"children": (Child(id="c1", category="PHY", previous_plans=2),)}
    )
    error = refusal(opening, review)
    assert (error.field, error.rule) == ("children.previous_plans", "R-LC1")
    same = review.model_copy(
        update={"children": (Child(id="c1", category="PHY", previous_plans=1),)}
    )
    state = fold(case(opening, same), new_from=0)
    assert state.children["c1"].previous_plans == 1
    assert state.children["c1"].latest_category == "PHY"


def test_a_plan_that_ends_the_day_after_it_starts_is_accepted() -> None:
    state = fold(case(OPENING, ended("2026-12-02")), new_from=0)
    assert state.children["c1"].plan_end == d("2026-12-02")
