"""``cpo record``: a bad step is rejected with its field, rule and message, and writes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from domain.history import CaseHistory
from domain.store import CaseRepository, Database, upgrade
from flows.clock_source import as_of_moment
from scripts.driver import icpc
from tasks.store import repository


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CaseRepository]:
    url = f"sqlite:///{tmp_path / 'cases.sqlite3'}"
    monkeypatch.setenv("CPO_DATABASE_URL", url)
    upgrade(Database.from_url(url))
    repository.cache_clear()
    opened = repository()
    history = CaseHistory(
        reference="CLI-1", team="team-north", events=(icpc(date(2025, 1, 6), date(2025, 1, 17)),)
    )
    opened.open_case(history, recorded_by="admin", source="cli", as_of=as_of_moment("2025-01-06"))
    yield opened
    repository.cache_clear()


def test_a_core_group_minuted_by_its_chair_is_rejected_and_nothing_is_written(
    store: CaseRepository,
) -> None:
    bad = {
        "type": "core_group_held",
        "on": "2025-01-17",
        "meeting": "cg-1",
        "chair": "sw",
        "minute_taker": "sw",
        "next_dates": ["2025-02-14"],
    }
    before = store.load("CLI-1")[1]
    result = CliRunner().invoke(
        app,
        ["record", "core-group", "CLI-1", "--json", json.dumps(bad)]
        + ["--recorded-by", "admin", "--as-of", "2025-01-17"],
    )
    assert result.exit_code == 1
    assert "R-M2" in result.output and "minute_taker" in result.output
    assert store.load("CLI-1")[1] == before
