"""Files private from the start (R-G1): the SQLite store, exports, returns and the folders made
for them are their owner's only, whatever the umask and whatever was there before."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.store.database import Database
from domain.store.errors import StoreError
from domain.store.migrate import upgrade
from domain.store.private_files import NotPrivate, private_folder, write_private


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    """As a careless shell would have it: everything world-readable unless we see to it."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def test_a_store_copied_in_world_readable_is_made_private_with_its_journal_files(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cases.sqlite3"
    database = Database.from_url(f"sqlite:///{path}")
    upgrade(database)
    with database.engine.connect() as connection:  # leaves its -wal and -shm behind
        connection.exec_driver_sql("SELECT 1")
        for kept in (path, *tmp_path.glob("cases.sqlite3-*")):
            kept.chmod(0o644)
        again = Database.from_url(f"sqlite:///{path}")
    assert {kept.name: mode(kept) for kept in tmp_path.glob("cases.sqlite3*")} == {
        kept.name: 0o600 for kept in tmp_path.glob("cases.sqlite3*")
    }
    again.dispose()
    database.dispose()


def test_a_new_store_is_made_private_in_folders_made_private(tmp_path: Path) -> None:
    path = tmp_path / "made" / "for" / "it" / "cases.sqlite3"
    Database.from_url(f"sqlite:///{path}").dispose()
    assert mode(path) == 0o600
    assert [mode(folder) for folder in (path.parent, path.parent.parent, tmp_path / "made")] == [
        0o700
    ] * 3


def test_a_store_another_user_owns_is_refused_saying_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cases.sqlite3"
    path.write_bytes(b"")
    monkeypatch.setattr(os, "geteuid", lambda: path.stat().st_uid + 1)
    with pytest.raises(StoreError, match=r"belongs to another user .*only its owner may open it"):
        Database.from_url(f"sqlite:///{path}")


def test_an_export_over_a_world_readable_file_is_made_private_first(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text("{}")
    path.chmod(0o644)
    write_private(path, "personal data")
    assert (mode(path), path.read_text()) == (0o600, "personal data")


def test_folders_made_for_exports_and_returns_are_private(tmp_path: Path) -> None:
    target = tmp_path / "returns" / "2026-27" / "census.xml"
    write_private(target, "<Message/>")
    assert (mode(target.parent), mode(target.parent.parent)) == (0o700, 0o700)
    assert mode(private_folder(tmp_path / "exports")) == 0o700


def test_an_export_is_never_written_through_a_symbolic_link(tmp_path: Path) -> None:
    elsewhere = tmp_path / "shared.json"
    elsewhere.write_text("")
    (tmp_path / "case.json").symlink_to(elsewhere)
    with pytest.raises(NotPrivate, match="symbolic link"):
        write_private(tmp_path / "case.json", "personal data")
    assert elsewhere.read_text() == ""
