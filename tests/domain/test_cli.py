"""``cpo obligations`` and ``cpo validate`` on history files."""

from __future__ import annotations

import json
from datetime import date

from typer.testing import CliRunner

from cli.main import app
from domain.child_facts import ChildFacts, dumps_case_file
from domain.history import dumps_history
from tests.domain.builders import case, cg, icpc

runner = CliRunner()


def write(tmp_path, *events):
    path = tmp_path / "case.json"
    path.write_text(dumps_history(case(*events)), encoding="utf-8")
    return path


def test_obligations_as_json_lists_rule_subject_owner_due_status_and_rung(tmp_path):
    path = write(
        tmp_path, icpc("2026-12-14", "2026-12-22"), cg("2026-12-22", "cg-p0-1", "2027-01-19")
    )
    result = runner.invoke(app, ["obligations", str(path), "--as-of", "2027-01-06", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["key"]: row for row in json.loads(result.output)["obligations"]}
    minutes = rows["R-T5:cg-p0-1"]
    assert (minutes["due"], minutes["status"], minutes["rung"]) == (
        "2026-12-31",
        "overdue",
        "escalation_tm",
    )
    assert minutes["owner"] == "hv" and minutes["subject"] == "core group cg-p0-1"


def test_obligations_prints_a_table(tmp_path):
    path = write(tmp_path, icpc("2026-12-14", "2026-12-22"))
    result = runner.invoke(
        app, ["obligations", str(path), "--as-of", "2026-12-14"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0
    assert (
        "R-T1" in result.output and "2026-12-30" in result.output and "next wake" in result.output
    )


def test_validate_reports_the_first_rejected_event_and_exits_1(tmp_path):
    path = write(
        tmp_path,
        icpc("2026-12-14", "2026-12-22"),
        cg("2026-12-22", "cg-p0-1", "2027-01-19", minute_taker="sw"),
    )
    result = runner.invoke(app, ["validate", str(path), "--as-of", "2027-01-06"])
    assert result.exit_code == 1
    assert (
        "event 1" in result.output and "minute_taker" in result.output and "R-M2" in result.output
    )


def test_validate_accepts_a_good_history(tmp_path):
    path = write(tmp_path, icpc("2026-12-14", "2026-12-22"))
    result = runner.invoke(app, ["validate", str(path), "--as-of", "2027-01-06"])
    assert result.exit_code == 0 and "valid" in result.output


def test_a_bad_date_is_a_clear_error(tmp_path):
    path = write(tmp_path, icpc("2026-12-14", "2026-12-22"))
    result = runner.invoke(app, ["obligations", str(path), "--as-of", "14/12/2026"])
    assert result.exit_code != 0 and "--as-of" in result.output


def test_validate_checks_a_files_child_facts_too(tmp_path):
    facts = ChildFacts(
        child="c1", la_child_id="LA 1", sex="F", ethnicity="WBRI",
        date_of_birth=date(2020, 1, 2), disabilities=("NONE",),
    )  # fmt: skip
    path = tmp_path / "case.json"
    path.write_text(dumps_case_file(case(icpc("2026-12-14", "2026-12-22")), (facts,)))
    result = runner.invoke(app, ["validate", str(path), "--as-of", "2027-01-06"])
    assert result.exit_code == 1
    assert "child c1: la_child_id" in result.output and "(R-G3)" in result.output
    fixed = facts.model_copy(update={"la_child_id": "LA1"})
    path.write_text(dumps_case_file(case(icpc("2026-12-14", "2026-12-22")), (fixed,)))
    result = runner.invoke(app, ["validate", str(path), "--as-of", "2027-01-06"])
    assert result.exit_code == 0 and "1 events, 1 children's facts, valid" in result.output
