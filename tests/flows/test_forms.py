"""The manual steps' forms, as the Prefect UI renders them: every field titled and
described, no as_of, nothing personal (R-G1), ids as short slugs; and the case run's
resume form (R-E6)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from domain.store.summaries import ObligationAt
from flows.case_form import NOTHING, CaseWake, acknowledgement_form
from flows.case_steps import CASE_STEPS
from flows.clock_source import LONDON
from flows.manual_steps import MANUAL_STEPS
from services.case_page import CasePage

STEPS = [*MANUAL_STEPS, *CASE_STEPS]
PERSONAL = {"name", "contact", "date_of_birth", "address", "as_of"}


def properties(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every property of a form, its nested models' included."""
    found = list(schema.get("properties", {}).items())
    for definition in schema.get("definitions", {}).values():
        found += list(definition.get("properties", {}).items())
    return found


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.name)
def test_every_field_has_a_title_and_a_description(step: Any) -> None:
    schema = step.parameters.model_dump()
    for name, field in schema["properties"].items():
        assert field.get("title") and field.get("description"), (step.name, name)


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.name)
def test_no_form_asks_for_as_of_or_anything_personal(step: Any) -> None:
    names = {name for name, _ in properties(step.parameters.model_dump())}
    assert names and not names & PERSONAL, (step.name, names & PERSONAL)


def test_ids_on_the_forms_are_short_slugs_so_free_text_cannot_carry_a_name() -> None:
    from pydantic import TypeAdapter

    from domain.events import Slug

    slug = TypeAdapter(Slug)
    assert slug.validate_python("school") == "school"
    for bad in ("Alex Smith", "alex smith 12/03/2015", "x" * 33, ""):
        with pytest.raises(ValidationError):
            slug.validate_python(bad)


def page(*escalated: ObligationAt) -> CasePage:
    return CasePage("CP-1", datetime(2025, 3, 27, 13, tzinfo=LONDON), None, [], [], None,  # type: ignore[arg-type]
                    list(escalated), [("tm", "team_manager")])  # fmt: skip


MINUTES = ObligationAt(
    "R-T5:cg-3", "R-T5", "Core group minutes and plan circulated", "minute_taker", "hv",
    date(2025, 3, 21), "overdue", "escalation_tm", date(2025, 3, 24), "core group cg-3",
)  # fmt: skip


def test_the_resume_form_offers_the_open_escalations_and_asks_nobody_who_they_are() -> None:
    form = acknowledgement_form(page(MINUTES), "http://ui/runs?flow-run-search=CP-1")
    schema = form.model_json_schema()
    choices = schema["properties"]["acknowledge"]["enum"]
    assert choices == [
        NOTHING,
        "R-T5:cg-3 · Core group minutes and plan circulated (core group cg-3)",
    ]
    assert set(schema["properties"]) == {"acknowledge"}  # no "acknowledged by", no as_of
    assert "cpo record acknowledge CP-1" in (form._description or "")
    assert "as tm" in (form._description or "")
    # The sign-in layer stamps who answered; a name sent for someone else is ignored.
    chosen = CaseWake.model_validate({"acknowledge": choices[1], "acknowledged_by": "hv",
                                      "acting_person": "tm", "as_of": "x"})  # fmt: skip
    assert chosen.acknowledgement() == ("R-T5:cg-3", "tm")


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.name)
def test_no_form_asks_who_records_it_the_sign_in_layer_stamps_it(step: Any) -> None:
    names = {name for name, _ in properties(step.parameters.model_dump())}
    assert not names & {"recorded_by", "requested_by", "by"}, step.name


def test_with_nothing_escalated_the_form_only_refreshes() -> None:
    form = acknowledgement_form(page(), "http://ui")
    assert form.model_json_schema().get("properties", {}) == {}
    assert "Nothing is escalated" in (form._description or "")
    assert CaseWake(as_of="2025-03-27").acknowledgement() is None


def test_the_resume_form_offers_the_cases_own_events_and_managers_to_void_a_mistake() -> None:
    from dataclasses import replace

    from domain.store import JournalEntry

    moment = datetime(2025, 3, 27, 13, tzinfo=LONDON)
    journal = [
        JournalEntry(1, "conference_held", date(2025, 3, 3), "a", moment, "import", "ICPC"),
        JournalEntry(2, "visit_made", date(2025, 3, 20), "a", moment, "ui", "visit by sw",
                     voided_by=3),
        JournalEntry(3, "event_voided", date(2025, 3, 21), "a", moment, "ui", "void #2"),
        JournalEntry(4, "visit_made", date(2025, 3, 21), "a", moment, "ui", "visit by sw"),
    ]  # fmt: skip
    form = acknowledgement_form(replace(page(), journal=journal, managers=["tm"]), "http://ui")
    schema = form.model_json_schema()["properties"]
    assert schema["void"]["enum"] == [
        "(nothing to void)", "#4 · visit by sw · Fri 21 Mar 2025",
        "#1 · ICPC · Mon 03 Mar 2025",
    ]  # fmt: skip
    assert schema["void_authorised_by"]["enum"] == ["tm · team manager"]
    chosen = CaseWake(void=schema["void"]["enum"][1], void_reason=" typed twice ",
                      void_authorised_by="tm · team manager")  # fmt: skip
    assert chosen.correction() == (4, "typed twice", "tm")
    assert CaseWake(as_of="x").correction() is None
