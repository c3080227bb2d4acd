"""``cpo children``: an admin records a child's personal facts from a file or flags, sees a
refusal naming the child, field and rule, and reads them back; every step is audited."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from cli import children_cmds, store_cmds
from cli.errors import guard
from domain.store import CaseRepository, Database
from domain.synthetic import made_upn
from tests.store.cases import AS_OF, history

runner = CliRunner()


@pytest.fixture
def cpo(db_url: str) -> typer.Typer:
    database = Database.from_url(db_url)
    CaseRepository(database).open_case(history(), recorded_by="a", source="import", as_of=AS_OF)
    database.dispose()
    app = typer.Typer()
    store_cmds.register(app)
    children_cmds.register(app)
    guard(app)  # one-line errors, as cli/main.py gives every command
    return app


def run(cpo: typer.Typer, db_url: str, *args: str) -> Result:
    return runner.invoke(cpo, [*args, "--database-url", db_url])


def audit(db_url: str) -> list[tuple[str, str]]:
    database = Database.from_url(db_url)
    try:
        entries = CaseRepository(database).audit_log()
        return [(e.actor, e.action) for e in entries if e.action.startswith("child_facts")]
    finally:
        database.dispose()


def test_facts_from_a_file_with_a_flag_over_it_are_recorded_and_shown(
    cpo: typer.Typer, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "facts.json"
    given = {"la_child_id": "LA77", "sex": "F", "ethnicity": "NOBT", "date_of_birth": "2021-01-02"}
    file.write_text(json.dumps({**given, "disabilities": ["NONE"]}), encoding="utf-8")
    args = ("children", "set", "BED-0001", "c1", "--file", str(file), "--sex", "M")
    monkeypatch.setenv("CPO_ACTING_AS", "adm")  # who runs the command: never typed (R-G2)
    result = run(cpo, db_url, *args)
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("CPO_ACTING_AS", "analyst")
    shown = run(cpo, db_url, "children", "show", "BED-0001", "--json")
    (facts,) = json.loads(shown.stdout)
    assert (facts["la_child_id"], facts["sex"], facts["disabilities"]) == ("LA77", "M", ["NONE"])
    assert audit(db_url) == [("analyst", "child_facts.read"), ("adm", "child_facts.set")]


def test_a_refusal_names_the_child_the_field_and_the_rule_and_writes_nothing(
    cpo: typer.Typer, db_url: str
) -> None:
    args = ["children", "set", "BED-0001", "c1", "--la-child-id", "LA-7", "--sex", "M"]
    args += ["--ethnicity", "WBRI", "--date-of-birth", "2021-01-02", "--disability", "NONE"]
    result = run(cpo, db_url, *args)
    assert result.exit_code == 1
    assert "child c1: la_child_id: 1 to 20 letters and digits" in result.output
    assert "(R-G3)" in result.output
    assert audit(db_url) == []


def test_the_upn_or_why_it_is_unknown_is_recorded_and_a_wrong_one_refused(
    cpo: typer.Typer, db_url: str
) -> None:
    base = ["children", "set", "BED-0001", "c1", "--la-child-id", "LA7", "--sex", "M"]
    base += ["--ethnicity", "WBRI", "--date-of-birth", "2021-01-02", "--disability", "NONE"]
    good = made_upn("000000123")
    assert run(cpo, db_url, *base, "--upn", good).exit_code == 0
    shown = run(cpo, db_url, "children", "show", "BED-0001", "--json")
    assert json.loads(shown.stdout)[0]["upn"] == good
    wrong = run(cpo, db_url, *base, "--upn", ("B" if good[0] != "B" else "C") + good[1:])
    assert wrong.exit_code == 1 and "upn: the check letter is wrong (CIN 1510)" in wrong.output
    assert run(cpo, db_url, *base, "--upn-unknown", "UN1").exit_code == 0


def test_a_malformed_date_is_refused_before_the_store_is_touched(
    cpo: typer.Typer, db_url: str
) -> None:
    args = ["children", "set", "BED-0001", "c1", "--la-child-id", "LA7", "--sex", "M"]
    args += ["--ethnicity", "WBRI", "--date-of-birth", "2021-13-02"]
    result = run(cpo, db_url, *args)
    assert result.exit_code == 1
    assert "child c1: date_of_birth:" in result.output


def test_an_export_with_the_facts_is_written_for_its_owner_only(
    cpo: typer.Typer, db_url: str, tmp_path: Path
) -> None:
    args = ["children", "set", "BED-0001", "c1", "--la-child-id", "LA7", "--sex", "M"]
    args += ["--ethnicity", "WBRI", "--date-of-birth", "2021-01-02", "--disability", "NONE"]
    assert run(cpo, db_url, *args).exit_code == 0
    out = tmp_path / "case.json"
    result = run(cpo, db_url, "export", "BED-0001", "--out", str(out), "--with-child-facts")
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert json.loads(out.read_text())["child_facts"][0]["la_child_id"] == "LA7"
    plain = run(cpo, db_url, "export", "BED-0001")
    assert "child_facts" not in plain.stdout
