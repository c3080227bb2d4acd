"""A crash between validation and commit leaves nothing half-written (R-G3)."""

from __future__ import annotations

from datetime import timedelta
from typing import NoReturn

import pytest

from domain.recording import LateReason
from domain.store import bulk as bulk_module
from domain.store import repository as repository_module
from domain.store.repository import CaseRepository
from tests.store.cases import AS_OF, ICPC_ON, history, outbox, visit

LATER = AS_OF + timedelta(days=60)
LATE = LateReason.WRITTEN_UP_LATER  # these visits are recorded weeks after the day


class Crash(RuntimeError):
    pass


def crash(*_args: object, **_kwargs: object) -> NoReturn:
    raise Crash("power cut after the journal row was written")


def snapshot(repository: CaseRepository, reference: str) -> tuple[object, ...]:
    return (
        repository.load(reference),
        repository.journal(reference),
        repository.list_cases(),
        repository.outbox_of(reference),
    )


def test_an_append_that_makes_dispatches_due_enqueues_them_with_the_event(
    repository: CaseRepository,
) -> None:
    repository.open_case(history(), recorded_by="admin", source="import", as_of=AS_OF)
    repository.append(
        "BED-0001", visit(ICPC_ON + timedelta(days=1)),
        expected_seq=1, recorded_by="lp", source="ui", as_of=LATER, late_reason=LATE,
    )  # fmt: skip
    entries = outbox(repository, "BED-0001")
    assert entries
    assert {e.idempotency_key for e in entries} == {
        d.idempotency_key for d in repository.case_view("BED-0001", LATER).dispatches
    }


def test_a_crash_while_appending_leaves_the_case_as_it_was(
    repository: CaseRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    repository.open_case(history(), recorded_by="admin", source="import", as_of=AS_OF)
    before = snapshot(repository, "BED-0001")
    monkeypatch.setattr(repository_module, "insert_dispatches", crash)
    with pytest.raises(Crash):
        repository.append(
            "BED-0001", visit(ICPC_ON + timedelta(days=1)),
            expected_seq=1, recorded_by="lp", source="ui", as_of=LATER, late_reason=LATE,
        )  # fmt: skip
    assert snapshot(repository, "BED-0001") == before
    monkeypatch.undo()
    retried = repository.append(
        "BED-0001", visit(ICPC_ON + timedelta(days=1)),
        expected_seq=1, recorded_by="lp", source="ui", as_of=LATER, late_reason=LATE,
    )  # fmt: skip
    assert retried == 2


def test_a_crash_while_opening_leaves_no_trace_of_the_case(
    repository: CaseRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_module, "insert_dispatches", crash)
    with pytest.raises(Crash):
        repository.open_case(history(), recorded_by="admin", source="import", as_of=LATER)
    assert not repository.exists("BED-0001")
    assert repository.list_cases() == []
