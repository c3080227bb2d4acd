"""The store's commands, run as an admin would run them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from cli import store_cmds
from cli.errors import guard
from domain.history import dumps_history
from domain.store.migrate import head_revision
from tests.store.cases import history

runner = CliRunner()


@pytest.fixture
def cpo() -> typer.Typer:
    app = typer.Typer()
    store_cmds.register(app)
    guard(app)  # as cli/main.py does
    return app


@pytest.fixture
def imported(cpo: typer.Typer, db_url: str, tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for number, team in enumerate(("north", "north", "south")):
        text = dumps_history(history(f"BED/{number}", team=team))
        (folder / f"{number}.json").write_text(text, encoding="utf-8")
    result = run(cpo, db_url, "import", str(folder), "--as-of", "2025-03-04")
    assert result.exit_code == 0, result.output
    return folder


def run(cpo: typer.Typer, db_url: str, *args: str) -> Result:
    return runner.invoke(cpo, [*args, "--database-url", db_url])


def test_db_upgrade_creates_a_store_from_nothing(cpo: typer.Typer, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    result = runner.invoke(cpo, ["db", "upgrade", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert f"revision {head_revision()}" in " ".join(result.output.split())


def test_a_store_that_was_never_upgraded_says_so(cpo: typer.Typer, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    result = runner.invoke(cpo, ["cases", "--database-url", url])
    assert result.exit_code == 3  # the store, not the input (cli/errors.py)
    assert "cpo db upgrade" in result.output


def test_the_database_url_can_come_from_the_environment(cpo: typer.Typer, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'env.sqlite3'}"
    result = runner.invoke(cpo, ["db", "upgrade"], env={"CPO_DATABASE_URL": url})
    assert result.exit_code == 0
    assert (tmp_path / "env.sqlite3").exists()


def test_cases_lists_by_team_as_json(cpo: typer.Typer, db_url: str, imported: Path) -> None:
    result = run(cpo, db_url, "cases", "--team", "north", "--json")
    assert [case["reference"] for case in json.loads(result.stdout)] == ["BED/0", "BED/1"]


def test_cases_overdue_keeps_only_cases_with_an_overdue_obligation(
    cpo: typer.Typer, db_url: str, imported: Path
) -> None:
    early = run(cpo, db_url, "cases", "--overdue", "--as-of", "2025-03-04", "--json")
    late = run(cpo, db_url, "cases", "--overdue", "--as-of", "2025-09-01", "--json")
    assert json.loads(early.stdout) == []
    assert len(json.loads(late.stdout)) == 3


def test_case_shows_the_timeline_and_obligations(
    cpo: typer.Typer, db_url: str, imported: Path
) -> None:
    shown = json.loads(run(cpo, db_url, "case", "BED/1", "--as-of", "2025-04-01", "--json").stdout)
    assert [(e["seq"], e["type"], e["source"]) for e in shown["timeline"]] == [
        (1, "conference_held", "import")
    ]
    assert {o["rule"] for o in shown["obligations"]} >= {"R-T1", "R-T7"}


def test_overdue_counts_by_team_and_rung(cpo: typer.Typer, db_url: str, imported: Path) -> None:
    counts = json.loads(run(cpo, db_url, "overdue", "--as-of", "2025-09-01", "--json").stdout)
    assert set(counts) == {"north", "south"}
    assert sum(counts["north"].values()) == 2 * sum(counts["south"].values())


def test_export_gives_back_the_imported_bytes(
    cpo: typer.Typer, db_url: str, imported: Path, tmp_path: Path
) -> None:
    one = run(cpo, db_url, "export", "BED/1", "--out", str(tmp_path / "one.json"))
    everything = run(cpo, db_url, "export", "--all", "--out", str(tmp_path / "all"))
    assert (one.exit_code, everything.exit_code) == (0, 0)
    assert (tmp_path / "one.json").read_bytes() == (imported / "1.json").read_bytes()
    assert len(list((tmp_path / "all").iterdir())) == 3


def test_an_unknown_case_is_a_clear_error(cpo: typer.Typer, db_url: str, imported: Path) -> None:
    result = run(cpo, db_url, "case", "NOPE")
    assert result.exit_code == 1
    assert "NOPE" in result.output


def test_a_bad_file_fails_the_import_and_is_named(
    cpo: typer.Typer, db_url: str, tmp_path: Path
) -> None:
    assert run(cpo, db_url, "db", "upgrade").exit_code == 0
    (tmp_path / "bad.json").write_text('{"reference": "X-1", "team": "north", "events": [{}]}')
    result = run(cpo, db_url, "import", str(tmp_path / "bad.json"))
    assert result.exit_code == 1
    assert "bad.json: event 0" in result.output


def test_outbox_lists_a_cases_notices_and_every_failed_one_with_its_error(
    cpo: typer.Typer, db_url: str, imported: Path
) -> None:
    from datetime import UTC, datetime

    from domain.store.database import Database
    from domain.store.repository import CaseRepository
    from tests.store.cases import refused, sent

    store = CaseRepository(Database.from_url(db_url))
    keys = [e.idempotency_key for e in store.outbox_of("BED/1")]
    assert keys  # importing booked the case's first core group and review
    retry_at = datetime(2025, 3, 5, tzinfo=UTC)
    store.outbox.record([refused(keys[0], "member:hv: no route", retry_at), sent(keys[1])])
    store.database.dispose()

    shown = json.loads(run(cpo, db_url, "outbox", "--case", "BED/1", "--json").stdout)
    assert [(n["key"], n["status"]) for n in shown][:2] == [
        (keys[0], "failed"),
        (keys[1], "delivered"),
    ]
    failed = json.loads(run(cpo, db_url, "outbox", "--failed", "--json").stdout)
    assert [(n["key"], n["attempts"], n["last_error"]) for n in failed] == [
        (keys[0], 1, "member:hv: no route")
    ]
    table = run(cpo, db_url, "outbox", "--failed")
    assert table.exit_code == 0 and "no route" in table.stdout and "1 of 1" in table.stdout
    assert run(cpo, db_url, "outbox").exit_code != 0  # neither --case nor --failed
