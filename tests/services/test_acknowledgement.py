"""R-E6: an escalation is acknowledged by the person it went to, by its key; an unknown key
or the wrong person is refused naming the field and the rule, and nothing is written."""

from __future__ import annotations

import pytest

from domain.errors import RejectedEvent
from domain.events import EscalationAcknowledged, MinutesCirculated
from domain.store import CaseRepository, Database, Source
from services.cases import check_acknowledger, open_escalations, record_event
from tests.domain.builders import at, case, cg, d, icpc

MINUTES = "R-T5:cg-1"  # cg-1 held Fri 18 Dec 2026: minutes due Tue 29 Dec, never sent


@pytest.fixture
def store(database: Database) -> CaseRepository:
    repository = CaseRepository(database)
    history = case(icpc("2026-12-14", "2026-12-18"), cg("2026-12-18", "cg-1", "2027-01-15"))
    repository.open_case(history, recorded_by="t", source=Source.IMPORT, as_of=at("2026-12-18"))
    repository.refresh("CP-0001", at("2027-01-05", 10))  # to the TM on 4 Jan, final on 7 Jan
    return repository


def acknowledge(store: CaseRepository, key: str, by: str = "tm") -> None:
    event = EscalationAcknowledged(on=d("2027-01-05"), obligation=key, by=by)
    record_event(store, "CP-0001", event, recorded_by=by, source=Source.CLI,
                 as_of=at("2027-01-05", 11))  # fmt: skip


def test_the_open_escalations_are_what_the_case_page_offers(store: CaseRepository) -> None:
    found = open_escalations(store, "CP-0001", at("2027-01-05", 11))
    assert [(o.key, o.rung) for o in found] == [(MINUTES, "escalation_tm")]


def test_the_team_manager_acknowledges_by_its_key_and_the_ladder_stops(
    store: CaseRepository,
) -> None:
    acknowledge(store, MINUTES)
    assert open_escalations(store, "CP-0001", at("2027-01-05", 12)) == []
    later = store.refresh("CP-0001", at("2027-01-20", 9))  # past the final rung's day
    assert f"CP-0001|{MINUTES}|escalation_final" not in later.queued
    assert any(key.endswith("|escalation_final") for key in later.queued)  # others still climb


@pytest.mark.parametrize("key", ["R-T5", "R-T5:cg-9", "R-T9:p0:hv"])
def test_a_key_that_stops_nothing_is_refused_naming_r_e6(store: CaseRepository, key: str) -> None:
    before = store.summary("CP-0001").last_seq
    with pytest.raises(RejectedEvent) as refused:
        acknowledge(store, key)
    assert (refused.value.field, refused.value.rule) == ("obligation", "R-E6")
    assert MINUTES in str(refused.value)  # it names what could be acknowledged
    assert store.summary("CP-0001").last_seq == before


@pytest.mark.parametrize("person", ["mum", "hv", "sw"])
def test_only_the_person_the_escalation_went_to_acknowledges_it(
    store: CaseRepository, person: str
) -> None:
    with pytest.raises(RejectedEvent) as refused:
        acknowledge(store, MINUTES, by=person)
    assert (refused.value.field, refused.value.rule) == ("by", "R-E6")
    assert "team manager" in str(refused.value)


def test_with_nothing_escalated_there_is_nothing_to_acknowledge(store: CaseRepository) -> None:
    record_event(store, "CP-0001", MinutesCirculated(on=d("2027-01-05"), meeting="cg-1"),
                 recorded_by="t", source=Source.CLI, as_of=at("2027-01-05", 10))  # fmt: skip
    with pytest.raises(RejectedEvent, match="none to acknowledge"):
        acknowledge(store, MINUTES)


def test_an_acknowledgement_is_recorded_by_the_person_acknowledging_only(
    store: CaseRepository,
) -> None:
    """R-E6 with R-G2: who acknowledges is who is signed in, never a name typed for them."""
    event = EscalationAcknowledged(on=d("2027-01-05"), obligation=MINUTES, by="tm")
    before = store.summary("CP-0001").last_seq
    with pytest.raises(RejectedEvent) as refused:
        record_event(store, "CP-0001", event, recorded_by="admin", source=Source.UI,
                     as_of=at("2027-01-05", 11))  # fmt: skip
    assert (refused.value.field, refused.value.rule) == ("by", "R-E6")
    assert store.summary("CP-0001").last_seq == before


def test_the_check_before_a_resume_says_what_recording_would(store: CaseRepository) -> None:
    check_acknowledger(store, "CP-0001", "tm", MINUTES, at("2027-01-05", 11))  # allowed
    with pytest.raises(RejectedEvent, match="only the team manager"):
        check_acknowledger(store, "CP-0001", "sw", MINUTES, at("2027-01-05", 11))
    with pytest.raises(RejectedEvent, match="unknown member"):
        check_acknowledger(store, "CP-0001", "tm-south", MINUTES, at("2027-01-05", 11))
    assert store.summary("CP-0001").last_seq == 2  # nothing recorded


def test_acknowledging_leaves_who_did_it_in_the_audit_log(store: CaseRepository) -> None:
    acknowledge(store, MINUTES)
    [entry] = store.audit_log(actor="tm", reference="CP-0001")
    assert (entry.action, entry.detail["type"]) == ("acknowledged", "escalation_acknowledged")
