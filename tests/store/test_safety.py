"""Safe to run for real: the probes that once got past the store, each refused with a clear
error naming the field and the rule, and nothing written (R-G2, R-G3)."""

from __future__ import annotations

import json
import os
import stat
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from domain.errors import RejectedEvent
from domain.events import EventVoided
from domain.history import dumps_history
from domain.recording import LateReason
from domain.store.database import Database
from domain.store.repository import CaseRepository
from domain.store.tables import Source
from domain.store.transfer import ImportStatus, import_path
from services.cases import record_event
from tests.store.cases import AS_OF, ICPC_ON, history, icpc, visit
from tests.store.test_digests import digest

LATER = AS_OF + timedelta(days=30)
LATE = LateReason.WRITTEN_UP_LATER  # recorded weeks after the day: the reason is kept


def journal(repository: CaseRepository, reference: str = "BED-0001") -> list[str]:
    return [entry.type for entry in repository.journal(reference)]


def test_an_event_dated_after_today_is_refused_and_nothing_is_written(
    repository: CaseRepository,
) -> None:
    repository.open_case(history(), recorded_by="a", source="import", as_of=AS_OF)
    with pytest.raises(RejectedEvent) as refused:
        record_event(repository, "BED-0001", visit(date(2062, 1, 2)), recorded_by="a",
                     source="cli", as_of=AS_OF)  # fmt: skip
    assert (refused.value.field, refused.value.rule) == ("on", "R-G3")
    assert "2062-01-02 is after today" in str(refused.value)
    assert journal(repository) == ["conference_held"]


def test_the_same_command_retried_records_once(repository: CaseRepository) -> None:
    repository.open_case(history(), recorded_by="a", source="import", as_of=AS_OF)
    event = visit(ICPC_ON + timedelta(days=1))
    first = record_event(repository, "BED-0001", event, recorded_by="a", source="cli", as_of=AS_OF)
    again = record_event(repository, "BED-0001", event, recorded_by="a", source="ui", as_of=AS_OF)
    assert (first.seq, first.already, again.seq, again.already) == (2, False, 2, True)
    assert "already recorded visit_made as event 2" in str(again)
    assert journal(repository) == ["conference_held", "visit_made"]


def test_a_recorded_mistake_is_voided_and_the_real_event_takes_its_place(
    repository: CaseRepository,
) -> None:
    """A visit typed with the wrong date never locks the case: the real, earlier visit is
    recorded late in its place (the fold goes by the day things happened), and the typo is
    voided on the TM's authority with a reason, meeting nothing."""
    repository.open_case(history(), recorded_by="a", source="import", as_of=LATER)
    typo = visit(ICPC_ON + timedelta(days=20))
    record_event(
        repository, "BED-0001", typo, recorded_by="a", source="cli", as_of=LATER, late_reason=LATE
    )
    real = visit(ICPC_ON + timedelta(days=2))
    record_event(
        repository, "BED-0001", real, recorded_by="a", source="cli", as_of=LATER, late_reason=LATE
    )
    void = EventVoided(on=typo.on, voids=2, reason="typed the wrong date", authorised_by="tm")
    record_event(
        repository, "BED-0001", void, recorded_by="a", source="cli", as_of=LATER, late_reason=LATE
    )
    entries = repository.journal("BED-0001")
    assert [(e.seq, e.voided_by) for e in entries] == [(1, None), (2, 4), (3, None), (4, None)]
    view = repository.case_view("BED-0001", LATER)
    met = {o.met_on for o in view.obligations if o.rule == "R-T11"}
    assert typo.on not in met  # the voided visit meets nothing
    assert real.on in met


@pytest.mark.parametrize(
    ("void", "field", "rule"),
    [
        (EventVoided(on=ICPC_ON, voids=1, reason="x", authorised_by="tm"), "voids", "R-LC1"),
        (EventVoided(on=ICPC_ON, voids=2, reason="x", authorised_by="lp"), "authorised_by", "R-G3"),
        (EventVoided(on=ICPC_ON, voids=9, reason="x", authorised_by="tm"), "voids", "R-G3"),
    ],
)
def test_a_correction_must_name_an_earlier_event_and_the_team_manager(
    repository: CaseRepository, void: EventVoided, field: str, rule: str
) -> None:
    repository.open_case(history("BED-0001", icpc(), visit()), recorded_by="a", source="import",
                         as_of=AS_OF)  # fmt: skip
    with pytest.raises(RejectedEvent) as refused:
        record_event(repository, "BED-0001", void, recorded_by="a", source="cli", as_of=AS_OF)
    assert (refused.value.field, refused.value.rule) == (field, rule)
    assert journal(repository) == ["conference_held", "visit_made"]


def write(folder: Path, name: str, content: str) -> Path:
    path = folder / name
    path.write_text(content, encoding="utf-8")
    return path


def test_a_folder_import_finishes_naming_each_bad_file_and_its_reason(
    repository: CaseRepository, tmp_path: Path
) -> None:
    good = dumps_history(history("GOOD-1"))
    nowhere = json.loads(dumps_history(history("BAD-1")))
    nowhere["profile"] = "atlantis"
    empty = json.loads(dumps_history(history("BAD-2")))
    empty["events"] = []
    long_team = json.loads(dumps_history(history("BAD-3")))
    long_team["team"] = "t" * 129
    nul = json.loads(dumps_history(history("BAD-4")))
    nul["events"][0]["members"][0]["agency"] = "care\u0000"
    name = json.loads(dumps_history(history("BAD-5")))
    name["events"][0]["children"][0]["id"] = "Alex Smith 12/03/2015"
    write(tmp_path, "a-nowhere.json", json.dumps(nowhere))
    write(tmp_path, "b-empty.json", json.dumps(empty))
    write(tmp_path, "c-team.json", json.dumps(long_team))
    write(tmp_path, "d-nul.json", json.dumps(nul))
    write(tmp_path, "e-name.json", json.dumps(name))
    write(tmp_path, "z-good.json", good)
    results = {r.path.name: r for r in import_path(repository, tmp_path, recorded_by="a",
                                                    as_of=AS_OF)}  # fmt: skip
    assert results["z-good.json"].status is ImportStatus.IMPORTED  # read after the bad ones
    errors = {name: r.error or "" for name, r in results.items() if r.status is ImportStatus.FAILED}
    assert "atlantis" in errors.pop("a-nowhere.json")
    assert "R-LC1" in errors.pop("b-empty.json")
    assert "team" in errors.pop("c-team.json")
    assert "control character" in errors.pop("d-nul.json")
    assert "pattern" in errors.pop("e-name.json") or "id" in results["e-name.json"].error
    assert [c.reference for c in repository.list_cases()] == ["GOOD-1"]


def test_the_sqlite_journal_refuses_replace_and_upsert_as_postgresql_does(
    repository: CaseRepository, backend: str
) -> None:
    repository.open_case(history(), recorded_by="a", source="import", as_of=AS_OF)
    columns = "(id, case_id, seq, type, payload, recorded_by, recorded_at, source)"
    values = (
        "SELECT id, case_id, seq, type, payload, 'x', recorded_at, source FROM events WHERE 1 = 1"
    )
    statements = [f"INSERT INTO events {columns} {values} ON CONFLICT (id) DO UPDATE SET seq = 9"]
    if backend == "sqlite":
        statements.append(f"INSERT OR REPLACE INTO events {columns} {values}")
    for statement in statements:
        with pytest.raises(Exception, match="append-only"), repository.database.writing() as s:
            s.execute(text(statement))
    assert [e.recorded_by for e in repository.journal("BED-0001")] == ["a"]


def test_a_notice_keeps_what_it_says_and_is_never_deleted(repository: CaseRepository) -> None:
    repository.open_case(history(), recorded_by="a", source="import", as_of=AS_OF)
    repository.enqueue_digests([digest("north", AS_OF.date())], AS_OF)
    [first, *_] = repository.outbox_of("BED-0001")
    for statement in (
        "DELETE FROM outbox",
        "UPDATE outbox SET payload = payload, rung = 'missed'",
        "DELETE FROM digests",
    ):
        with pytest.raises(Exception, match="notice"), repository.database.writing() as s:
            s.execute(text(statement))
    assert repository.outbox_of("BED-0001")[0] == first


def test_the_store_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "new" / "cases.sqlite3"
    database = Database.from_url(f"sqlite:///{path}")
    with database.engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x)")
    database.dispose()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_an_event_voided_by_mistake_can_be_recorded_again(repository: CaseRepository) -> None:
    """The request key stops a retry recording twice, not a voided event coming back."""
    repository.open_case(history(), recorded_by="a", source="import", as_of=LATER)
    seen = visit(ICPC_ON + timedelta(days=2))
    record_event(
        repository, "BED-0001", seen, recorded_by="a", source="cli", as_of=LATER, late_reason=LATE
    )
    void = EventVoided(on=seen.on, voids=2, reason="voided the wrong visit", authorised_by="tm")
    record_event(
        repository, "BED-0001", void, recorded_by="a", source="cli", as_of=LATER, late_reason=LATE
    )
    again = record_event(
        repository, "BED-0001", seen, recorded_by="a", source="ui", as_of=LATER, late_reason=LATE
    )
    retried = record_event(
        repository, "BED-0001", seen, recorded_by="a", source="ui", as_of=LATER, late_reason=LATE
    )
    assert (again.seq, again.already, retried.seq, retried.already) == (4, False, 4, True)


def test_a_rule_added_later_never_locks_a_case_already_in_the_store(
    repository: CaseRepository,
) -> None:
    """A conference held on a Saturday is refused when recorded now (CIN 8875); one already in
    the store from before that refusal existed still wakes, and takes new events (R-G3)."""
    saturday = date(2025, 3, 1)
    history_ = history("OLD-1", icpc(saturday))
    with pytest.raises(RejectedEvent, match="CIN 8875"):
        repository.open_case(history_, recorded_by="a", source="import", as_of=LATER)
    # As if recorded before the rule: straight into the journal, past today's checks.
    from domain.store.bulk import insert_cases
    from domain.store.rules import DomainRules

    with repository.database.writing() as session:
        insert_cases(session, [(history_, DomainRules().standing(history_, LATER))],
                     recorded_by="a", source=Source.IMPORT, now=LATER)  # fmt: skip
    repository.refresh("OLD-1", LATER)
    seen = visit(saturday + timedelta(days=3))
    done = record_event(
        repository, "OLD-1", seen, recorded_by="a", source="cli", as_of=LATER, late_reason=LATE
    )
    assert done.seq == 2
    assert repository.case_view("OLD-1", LATER).obligations  # still derived, still watched
