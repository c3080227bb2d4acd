"""One setting says where the store is; SQLite is set up for many readers and one writer."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest
from sqlalchemy import text

from domain.store.database import ENV_VAR, Database, database_url


def test_the_default_store_is_a_sqlite_file_in_the_users_data_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    expected = Path(platformdirs.user_data_dir("cpo")) / "cases.sqlite3"
    assert database_url() == f"sqlite:///{expected}"


def test_the_environment_variable_overrides_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "sqlite:////srv/cpo/cases.sqlite3")
    assert database_url() == "sqlite:////srv/cpo/cases.sqlite3"


def test_an_explicit_url_overrides_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "sqlite:////srv/cpo/cases.sqlite3")
    assert database_url("sqlite:////tmp/other.sqlite3") == "sqlite:////tmp/other.sqlite3"


def test_a_plain_postgresql_url_is_driven_by_psycopg_3() -> None:
    assert database_url("postgresql://cpo@db/cases") == "postgresql+psycopg://cpo@db/cases"


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    database = Database.from_url(f"sqlite:///{tmp_path / 'nested' / 'cases.sqlite3'}")
    with database.engine.connect() as connection:
        pragma = {
            name: connection.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        }
    assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30000}
    database.dispose()
