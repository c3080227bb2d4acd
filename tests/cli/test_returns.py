"""``cpo returns``: an analyst writes each return from the demo caseload in a real store; each
file is its owner's only, its writing is in the audit log (who, when, what, which file), the
census passes the DfE's validator, and a child without personal facts is named, not guessed."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import stat
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from cli import returns_cmds, store_cmds
from cli.errors import guard
from domain.demo import demo_caseload, demo_facts
from domain.store import CaseRepository, Database
from domain.synthetic import synthetic_history
from flows import clock_source
from flows.clock_source import as_of_moment
from returns.annex_a import HEADERS
from tests.returns.cin_validator import validate

TODAY = date(2027, 2, 15)
runner = CliRunner()


@pytest.fixture
def cpo(db_url: str, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    # The commands take today from the clock: here, the demo's day.
    monkeypatch.setattr(clock_source, "now_london", lambda: as_of_moment(TODAY))
    database = Database.from_url(db_url)
    cases = demo_caseload(TODAY)
    without = synthetic_history(7, "NO-FACT-1", start=TODAY - timedelta(days=60), end=TODAY,
                                profile_name="england")  # fmt: skip
    CaseRepository(database).open_cases(
        [*cases, without], recorded_by="demo", source="import", as_of=as_of_moment(TODAY),
        facts=demo_facts(cases),
    )  # fmt: skip
    database.dispose()
    app = typer.Typer()
    store_cmds.register(app)
    returns_cmds.register(app)
    guard(app)  # one-line errors, as cli/main.py gives every command
    return app


def run(cpo: typer.Typer, db_url: str, *args: str) -> Result:
    return runner.invoke(cpo, [*args, "--database-url", db_url])


RETURNS = {"cin_census", "annex_a_list7", "timeliness_report", "census_reconciliation"}


def audit(db_url: str) -> list[dict[str, object]]:
    """What the returns recorded (the demo's facts were set, and audited, before)."""
    database = Database.from_url(db_url)
    try:
        entries = CaseRepository(database).audit_log()
        return [e.__dict__ for e in entries if e.action in RETURNS]
    finally:
        database.dispose()


def private(path: Path) -> bool:
    return stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_the_cin_census_is_written_private_audited_and_valid(
    cpo: typer.Typer, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "census.xml"
    args = ("returns", "cin-census", "--year", "2026-27", "--out", str(out))
    monkeypatch.setenv("CPO_ACTING_AS", "analyst")  # who asks: never typed (R-G2)
    refused = run(cpo, db_url, *args, "--la-code", "201")  # the year has not ended today
    assert refused.exit_code == 2 and "--provisional" in refused.output
    args = (*args, "--provisional", "--referral-placeholders")
    result = run(cpo, db_url, *args, "--la-code", "201")
    assert result.exit_code == 0, result.output
    assert private(out)
    assert "NO-FACT-1 child c1: no personal facts, left out" in result.output
    assert "PROVISIONAL" in result.output and "PLACEHOLDERS" in result.output
    assert "PROVISIONAL" in out.read_text(encoding="utf-8").split("<Message>")[0]
    (entry,) = audit(db_url)
    assert (entry["actor"], entry["action"], entry["subject"]) == (
        "analyst", "cin_census", "CIN census 2026-27 (provisional)",
    )  # fmt: skip
    assert entry["path"] == str(out.resolve())
    assert entry["detail"]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()  # type: ignore[index]
    findings = validate(out)
    assert findings.errors == {} and findings.about_child_protection == {}, findings.output
    again = run(cpo, db_url, *args, "--la-code", "201")
    assert again.exit_code == 0
    assert "<SerialNo>002</SerialNo>" in out.read_text(encoding="utf-8")


def test_the_census_needs_the_authoritys_code_and_a_real_year(
    cpo: typer.Typer, db_url: str, tmp_path: Path
) -> None:
    out = str(tmp_path / "c.xml")
    assert (
        run(cpo, db_url, "returns", "cin-census", "--year", "2026-27", "--out", out).exit_code == 2
    )
    bad = run(
        cpo, db_url, "returns", "cin-census", "--year", "2026", "--out", out, "--la-code", "201",
        "--provisional",
    )  # fmt: skip
    assert bad.exit_code == 2 and "2026-27" in bad.output
    assert audit(db_url) == []


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_annex_a_list_7_is_written_private_and_audited(
    cpo: typer.Typer, db_url: str, tmp_path: Path, suffix: str
) -> None:
    out = tmp_path / f"list7{suffix}"
    result = run(
        cpo, db_url, "returns", "annex-a-list7", "--as-of", "2027-02-15", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert private(out)
    assert audit(db_url)[0]["subject"] == "Annex A List 7 as of 2027-02-15"
    if suffix == ".csv":
        rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
        assert rows[0] == list(HEADERS) and len(rows) > 20


def test_timeliness_prints_figures_and_writes_the_report(
    cpo: typer.Typer, db_url: str, tmp_path: Path
) -> None:
    span = ("--from", "2026-09-01", "--to", "2027-01-31")
    shown = run(cpo, db_url, "returns", "timeliness", *span, "--json")
    assert shown.exit_code == 0, shown.output
    figures = json.loads(shown.stdout)
    assert figures["cases"] > 30 and figures["skipped"] == []  # those opened by 31 Jan
    assert {f["measure"] for f in figures["figures"]} >= {
        "icpc",
        "core_groups",
        "visits",
        "minutes",
    }
    out = tmp_path / "report.html"
    written = run(cpo, db_url, "returns", "timeliness", *span, "--out", str(out))
    assert written.exit_code == 0, written.output
    assert private(out) and "data:image/png;base64," in out.read_text(encoding="utf-8")
    assert audit(db_url)[0]["action"] == "timeliness_report"


def test_reconcile_finds_nothing_in_the_same_census_and_names_a_changed_field(
    cpo: typer.Typer, db_url: str, tmp_path: Path
) -> None:
    census = tmp_path / "extract.xml"
    made = run(cpo, db_url, "returns", "cin-census", "--year", "2026-27", "--out", str(census),
               "--la-code", "201", "--provisional", "--referral-placeholders")  # fmt: skip
    assert made.exit_code == 0, made.output
    out = tmp_path / "differences.csv"
    same = run(cpo, db_url, "returns", "reconcile", "--census", str(census), "--out", str(out))
    assert same.exit_code == 0, same.output
    assert "0 differences" in same.output
    assert private(out) and private(out.with_suffix(".html"))
    text = census.read_text(encoding="utf-8")
    changed = text.replace("<LatestCategoryOfAbuse>", "<LatestCategoryOfAbuse>X", 1)
    census.write_text(changed.replace(">XNEG<", ">PHY<").replace(">X", ">NEG", 1))
    other = run(cpo, db_url, "returns", "reconcile", "--census", str(census), "--out", str(out))
    assert other.exit_code == 0 and "1 differences" in other.output, other.output
    rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    assert rows[1][3] == "LatestCategoryOfAbuse" and rows[1][4] != rows[1][5]
    assert "census_reconciliation" in {e["action"] for e in audit(db_url)}
    missing = run(cpo, db_url, "returns", "reconcile", "--census", str(tmp_path / "no.xml"))
    assert missing.exit_code == 2 and "no.xml" in missing.output


def test_the_command_line_starts_without_loading_the_returns() -> None:
    code = (
        "import sys, cli.main; "
        "print([m for m in ('returns', 'matplotlib', 'openpyxl') if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
