"""Children's personal facts in the store: checked against the case and the other cases that
name the same child, written with their audit entry in one transaction, imported with the case
file, exported only when asked (R-G1, R-G2, R-G3); and the audit log is append-only."""

from __future__ import annotations

import os
import stat
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from domain.child_facts import ChildFacts, dumps_case_file
from domain.errors import RejectedFacts
from domain.history import dumps_history
from domain.recording import LateReason
from domain.store.audit import AuditEntry
from domain.store.database import Database
from domain.store.repository import CaseRepository
from domain.store.transfer import ImportStatus, export_all, export_text, import_file
from tests.store.cases import AS_OF, ICPC_ON, history, icpc, plan_ended, visit

BORN = date(2020, 5, 6)


def facts(child: str = "c1", la_child_id: str = "LA0001", **changes: Any) -> ChildFacts:
    fields: dict[str, Any] = dict(
        child=child, la_child_id=la_child_id, sex="M", ethnicity="WBRI", date_of_birth=BORN,
        disabilities=("NONE",),
    )  # fmt: skip
    fields.update(changes)
    return ChildFacts(**fields)


LATER = AS_OF + timedelta(days=30)  # after every event of these cases


def opened(repository: CaseRepository, reference: str = "BED-0001", *events: object) -> None:
    repository.open_case(
        history(reference, *events), recorded_by="admin", source="import", as_of=LATER
    )


def facts_log(repository: CaseRepository) -> list[AuditEntry]:
    """The audit log's entries about children's facts (cases opened are audited too)."""
    return [e for e in repository.audit_log() if e.action.startswith("child_facts")]


def test_facts_are_kept_and_their_setting_audited_without_their_values(
    repository: CaseRepository,
) -> None:
    opened(repository)
    repository.set_child_facts("BED-0001", [facts()], recorded_by="admin", source="cli")
    assert repository.child_facts_of("BED-0001", read_by=None) == (facts(),)
    (entry,) = facts_log(repository)
    assert (entry.actor, entry.action, entry.subject) == (
        "admin",
        "child_facts.set",
        "case BED-0001 child c1",
    )
    assert "LA0001" not in str(entry.detail) and "la_child_id" in entry.detail["fields"]


def test_setting_facts_again_replaces_them(repository: CaseRepository) -> None:
    opened(repository)
    repository.set_child_facts("BED-0001", [facts()], recorded_by="a", source="cli")
    repository.set_child_facts("BED-0001", [facts(sex="F")], recorded_by="b", source="cli")
    assert repository.child_facts_of("BED-0001", read_by=None) == (facts(sex="F"),)
    assert [e.actor for e in facts_log(repository)] == ["b", "a"]


def test_a_person_reading_facts_is_audited(repository: CaseRepository) -> None:
    opened(repository)
    repository.set_child_facts("BED-0001", [facts()], recorded_by="a", source="cli")
    repository.child_facts_of("BED-0001", read_by="analyst")
    assert (facts_log(repository)[0].actor, facts_log(repository)[0].action) == (
        "analyst",
        "child_facts.read",
    )


def test_refused_facts_write_nothing_and_name_the_child_field_and_rule(
    repository: CaseRepository,
) -> None:
    opened(repository)
    with pytest.raises(RejectedFacts, match=r"child c1: sex: .*\(R-G3\)"):
        repository.set_child_facts(
            "BED-0001", [facts(), facts(sex="Q")], recorded_by="a", source="cli"
        )
    assert repository.child_facts_of("BED-0001", read_by=None) == ()
    assert facts_log(repository) == []


def test_the_same_child_cannot_be_on_two_plans_at_once(repository: CaseRepository) -> None:
    opened(repository, "A-1")
    opened(repository, "B-1", icpc(ICPC_ON + timedelta(days=7)))
    repository.set_child_facts("A-1", [facts()], recorded_by="a", source="cli")
    with pytest.raises(RejectedFacts, match="case A-1 at the same time \\(CIN 8940\\)"):
        repository.set_child_facts("B-1", [facts()], recorded_by="a", source="cli")


def test_the_same_child_on_a_later_plan_after_the_first_ended_is_accepted(
    repository: CaseRepository,
) -> None:
    opened(repository, "A-1", icpc(), plan_ended(ICPC_ON + timedelta(days=3)))
    opened(repository, "B-1", icpc(ICPC_ON + timedelta(days=7)))
    repository.set_child_facts("A-1", [facts()], recorded_by="a", source="cli")
    repository.set_child_facts("B-1", [facts()], recorded_by="a", source="cli")


def test_two_children_of_one_case_have_two_ids(repository: CaseRepository) -> None:
    opening = icpc().model_copy(
        update={"children": (*icpc().children, icpc().children[0].model_copy(update={"id": "c2"}))}
    )
    opened(repository, "A-1", opening)
    repository.set_child_facts("A-1", [facts()], recorded_by="a", source="cli")
    with pytest.raises(RejectedFacts, match="child c1's id on this case \\(CIN 8510\\)"):
        repository.set_child_facts("A-1", [facts("c2")], recorded_by="a", source="cli")


def test_the_audit_log_refuses_updates_and_deletes(
    repository: CaseRepository, owner_url: str
) -> None:
    owner = Database.from_url(owner_url)  # the tables' owner: only the triggers stop it
    repository.record_audit("analyst", "cin_census", "CIN census 2026-27", "/tmp/x.xml")
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"), owner.writing() as s:
            s.execute(text(statement))
    assert [e.actor for e in repository.audit_log()] == ["analyst"]
    owner.dispose()


def test_a_case_file_brings_its_facts_in_the_same_transaction(
    repository: CaseRepository, tmp_path: Path
) -> None:
    path = tmp_path / "case.json"
    path.write_text(dumps_case_file(history(), (facts(),)), encoding="utf-8")
    assert (
        import_file(repository, path, recorded_by="a", as_of=AS_OF).status is ImportStatus.IMPORTED
    )
    assert repository.child_facts_of("BED-0001", read_by=None) == (facts(),)
    assert (
        import_file(repository, path, recorded_by="a", as_of=AS_OF).status is ImportStatus.UNCHANGED
    )


def test_a_case_file_with_bad_facts_records_nothing_of_the_case(
    repository: CaseRepository, tmp_path: Path
) -> None:
    path = tmp_path / "case.json"
    path.write_text(dumps_case_file(history(), (facts(ethnicity="XX"),)), encoding="utf-8")
    result = import_file(repository, path, recorded_by="a", as_of=AS_OF)
    assert result.status is ImportStatus.FAILED
    assert (
        result.error
        == "case.json: child c1: ethnicity: a CIN ethnicity code such as WBRI or NOBT (CIN 4220) (R-G3)"
    )
    assert not repository.exists("BED-0001")


def test_an_import_never_overwrites_facts(repository: CaseRepository, tmp_path: Path) -> None:
    opened(repository)
    repository.set_child_facts("BED-0001", [facts()], recorded_by="a", source="cli")
    path = tmp_path / "case.json"
    path.write_text(dumps_case_file(history(), (facts(sex="F"),)), encoding="utf-8")
    result = import_file(repository, path, recorded_by="a", as_of=AS_OF)
    assert result.status is ImportStatus.FAILED and "cpo children set" in str(result.error)


def test_facts_are_exported_only_when_asked_into_files_only_their_owner_reads(
    repository: CaseRepository, tmp_path: Path
) -> None:
    opened(repository)
    repository.set_child_facts("BED-0001", [facts()], recorded_by="a", source="cli")
    assert export_text(repository, "BED-0001") == dumps_history(history())
    with_facts = export_text(repository, "BED-0001", facts_for="analyst")
    assert with_facts == dumps_case_file(history(), (facts(),))
    (written,) = export_all(repository, tmp_path / "out", facts_for="analyst")
    assert stat.S_IMODE(os.stat(written).st_mode) == 0o600
    assert written.read_text(encoding="utf-8") == with_facts
    assert [e.action for e in facts_log(repository)][:2] == ["child_facts.read"] * 2


def test_the_returns_read_when_each_event_was_recorded_and_not_an_imports(
    repository: CaseRepository,
) -> None:
    """``case_records``: the journal's ``recorded_at`` for the recording measure (R-G3), None
    for the events a migration imported."""
    opened(repository)
    repository.set_child_facts("BED-0001", [facts()], recorded_by="admin", source="cli")
    repository.append(
        "BED-0001", visit(ICPC_ON + timedelta(days=2)), expected_seq=1, recorded_by="lp",
        source="cli", as_of=LATER, late_reason=LateReason.WRITTEN_UP_LATER,
    )  # fmt: skip
    (record,) = list(repository.case_records(recorded_at=True))
    assert record.reference == "BED-0001" and record.facts == (facts(),)
    assert next(repository.case_records()).recorded_at == ()  # the census and Annex A
    assert len(record.recorded_at) == len(record.history.events) == 2
    imported, recorded = record.recorded_at
    assert imported is None and recorded is not None
