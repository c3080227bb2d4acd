"""``cpo audit --user U --case REF``: who did what on which case (R-G2)."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from cli import returns_cmds
from cli.errors import guard
from domain.store import CaseRepository, Database
from tests.store.cases import AS_OF, history


def test_the_audit_log_read_by_person_and_by_case(db_url: str) -> None:
    database = Database.from_url(db_url)
    repository = CaseRepository(database)
    repository.open_case(history("BED-0001"), recorded_by="adm-01", source="import", as_of=AS_OF)
    repository.open_case(history("BED-0002"), recorded_by="adm-02", source="import", as_of=AS_OF)
    repository.record_audit("ops-01", "opened_run", "BED-0001")
    database.dispose()
    app = typer.Typer()
    returns_cmds.register(app)
    guard(app)

    def audit(*args: str) -> list[tuple[str, str, str]]:
        done = CliRunner().invoke(app, ["audit", "--json", *args, "--database-url", db_url])
        assert done.exit_code == 0, done.output
        return [(e["actor"], e["action"], e["subject"]) for e in json.loads(done.stdout)]

    assert audit("--case", "BED-0001") == [
        ("ops-01", "opened_run", "BED-0001"),
        ("adm-01", "opened_case", "BED-0001"),
    ]
    assert audit("--user", "adm-02") == [("adm-02", "opened_case", "BED-0002")]
    assert audit("--user", "ops-01", "--case", "BED-0002") == []
