"""Case history files: imported whole or not at all, exported back byte for byte."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from domain.events import Member, MemberJoined, MemberRole
from domain.history import dumps_history
from domain.store.repository import CaseRepository
from domain.store.transfer import (
    ImportStatus,
    export_all,
    export_file_name,
    export_text,
    import_file,
    import_path,
)
from tests.store.cases import AS_OF, ICPC_ON, history, icpc, visit

IMPORTED = AS_OF + timedelta(days=60)  # after every event of the files imported

GRANDMOTHER = Member(id="nan", role=MemberRole.FAMILY, name="Zoë Ó Briain", contact="")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def rich_history(reference: str) -> str:
    joined = MemberJoined(on=ICPC_ON + timedelta(days=1), member=GRANDMOTHER)
    return dumps_history(history(reference, icpc(), joined, visit(ICPC_ON + timedelta(days=2))))


def test_exporting_an_imported_file_gives_the_same_bytes(
    repository: CaseRepository, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CPO_CASE_REFERENCE", r"BED(/[0-9]+)+")  # an authority's own shape
    original = rich_history("BED/2025/0001")
    path = write(tmp_path, "case.json", original)
    result = import_file(repository, path, recorded_by="admin", as_of=IMPORTED)
    assert (result.status, result.events) == (ImportStatus.IMPORTED, 3)
    assert export_text(repository, "BED/2025/0001").encode() == original.encode()


def test_a_folder_imports_its_good_files_and_names_the_bad_event_of_a_bad_one(
    repository: CaseRepository, tmp_path: Path
) -> None:
    write(tmp_path, "a.json", rich_history("A-1"))
    unknown_visitor = history("B-1", icpc(), visit()).model_dump(mode="json")
    unknown_visitor["events"][1]["visitor"] = "x1"  # not a member of the core group
    write(tmp_path, "b.json", json.dumps(unknown_visitor))
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "c.json", rich_history("C-1"))
    results = {
        r.path.name: r for r in import_path(repository, tmp_path, recorded_by="a", as_of=IMPORTED)
    }
    assert {name: r.status for name, r in results.items()} == {
        "a.json": ImportStatus.IMPORTED,
        "b.json": ImportStatus.FAILED,
        "c.json": ImportStatus.IMPORTED,
    }
    assert results["b.json"].error is not None
    assert results["b.json"].error.startswith("b.json: event 1: visitor")
    assert not repository.exists("B-1")


def test_a_malformed_event_is_reported_with_its_index(
    repository: CaseRepository, tmp_path: Path
) -> None:
    text = rich_history("D-1").replace('"type": "visit_made"', '"type": "visit_imagined"')
    result = import_file(
        repository, write(tmp_path, "d.json", text), recorded_by="a", as_of=IMPORTED
    )
    assert result.status is ImportStatus.FAILED
    assert result.error is not None and result.error.startswith("d.json: event 2")
    assert repository.list_cases() == []


def test_a_file_that_is_not_json_is_reported_by_name(
    repository: CaseRepository, tmp_path: Path
) -> None:
    result = import_file(
        repository, write(tmp_path, "e.json", "{"), recorded_by="a", as_of=IMPORTED
    )
    assert result.status is ImportStatus.FAILED
    assert result.error is not None and result.error.startswith("e.json:")


def test_importing_the_same_file_twice_is_harmless_but_a_different_one_is_refused(
    repository: CaseRepository, tmp_path: Path
) -> None:
    path = write(tmp_path, "a.json", rich_history("A-1"))
    import_file(repository, path, recorded_by="a", as_of=IMPORTED)
    assert (
        import_file(repository, path, recorded_by="a", as_of=IMPORTED).status
        is ImportStatus.UNCHANGED
    )
    other = write(tmp_path, "a2.json", dumps_history(history("A-1")))
    again = import_file(repository, other, recorded_by="a", as_of=IMPORTED)
    assert again.status is ImportStatus.FAILED
    assert repository.load("A-1")[1] == 3


def test_export_all_writes_one_file_per_case_that_imports_back_identically(
    repository: CaseRepository, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CPO_CASE_REFERENCE", r"BED(/[0-9]+)+")
    originals = {ref: rich_history(ref) for ref in ("BED/1", "BED/2")}
    for ref, text in originals.items():
        import_file(
            repository, write(tmp_path, f"{ref[-1]}.json", text), recorded_by="a", as_of=IMPORTED
        )
    written = sorted(export_all(repository, tmp_path / "out"))
    assert [p.name for p in written] == [export_file_name("BED/1"), export_file_name("BED/2")]
    assert [p.read_bytes() for p in written] == [
        originals["BED/1"].encode(),
        originals["BED/2"].encode(),
    ]
