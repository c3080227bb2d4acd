"""``cpo record``: a bad step is rejected with its field, rule and message, and writes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

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
    monkeypatch.setenv("CPO_ACTING_AS", "admin")  # who runs the command (cli/identity.py)
    upgrade(Database.from_url(url), simulation=True)
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
        ["record", "core-group", "CLI-1", "--json", json.dumps(bad)] + ["--as-of", "2025-01-17"],
    )
    assert result.exit_code == 1
    assert "R-M2" in result.output and "minute_taker" in result.output
    assert store.load("CLI-1")[1] == before


def cpo(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def no_prefect() -> Iterator[None]:
    """Prefect unreachable: the step is still recorded, and the clock's next tick wakes it.
    (Prefect read its settings when first imported: they are changed in place.)"""
    from prefect.settings import PREFECT_API_URL, PREFECT_CLIENT_MAX_RETRIES, temporary_settings

    unreachable = {PREFECT_API_URL: "http://127.0.0.1:9/api", PREFECT_CLIENT_MAX_RETRIES: 0}
    with temporary_settings(updates=unreachable):
        yield


VISIT = {"on": "2025-01-08", "visitor": "sw", "children_seen": ["c1"], "seen_alone": ["c1"]}


def test_the_same_step_recorded_twice_is_recorded_once(
    store: CaseRepository, no_prefect: None
) -> None:
    """A retried command (a timeout, a double click) finds its event already there (R-G2)."""
    step = ["record", "visit", "CLI-1", "--json", json.dumps(VISIT)]
    first = cpo(*step, "--as-of", "2025-01-08")
    again = cpo(*step, "--as-of", "2025-01-09")
    assert (first.exit_code, again.exit_code) == (0, 0), first.output + again.output
    assert "recorded visit_made as event 2" in first.stdout
    assert "the case run wakes at the next clock tick" in first.stdout  # Prefect is down
    assert "already recorded visit_made as event 2" in again.stdout
    assert [e.type for e in store.journal("CLI-1")] == ["conference_held", "visit_made"]


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["--json", "{not json"], 2, "error: event: not valid JSON"),
        (["--json", "[1]"], 2, "error: event: give a JSON object"),
        (["--json", "{}", "--as-of", "the 8th"], 2, "error: --as-of"),
        (["--file", "/nowhere/event.json"], 2, "error: --file: cannot read"),
        (["--json", json.dumps(VISIT | {"on": "2031-01-08"})], 1, "refused: "),
        (["--json", json.dumps(VISIT | {"no_access": "perhaps"})], 1, "refused: no_access:"),
    ],
)
def test_every_error_is_one_line_and_its_exit_code_says_which_kind(
    store: CaseRepository, args: list[str], code: int, says: str
) -> None:
    result = cpo("record", "visit", "CLI-1", *args)
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(says), result.stderr
    assert "Traceback" not in result.output
    assert [e.type for e in store.journal("CLI-1")] == ["conference_held"]


def test_a_store_that_cannot_be_reached_exits_3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPO_DATABASE_URL", "postgresql+psycopg://cpo@127.0.0.1:9/cpo")
    result = cpo("cases")
    assert result.exit_code == 3, result.output
    assert result.stderr.strip().splitlines() == [
        "error: the store cannot be reached (OperationalError)"
    ]


def test_a_mistake_is_voided_from_the_command_line_on_the_team_managers_authority(
    store: CaseRepository, no_prefect: None
) -> None:
    """R-G3: the typo stays in the journal, struck through, and counts for nothing."""
    typo = VISIT | {"on": "2025-01-10"}
    assert cpo("record", "visit", "CLI-1", "--json", json.dumps(typo),
               "--as-of", "2025-01-10").exit_code == 0  # fmt: skip
    void = {"voids": 2, "reason": "typed the wrong day", "authorised_by": "tm"}
    by_lp = cpo("record", "void", "CLI-1", "--json", json.dumps(void | {"authorised_by": "sw"}),
                "--as-of", "2025-01-10")  # fmt: skip
    assert by_lp.exit_code == 1 and "authorised_by" in by_lp.stderr and "R-G3" in by_lp.stderr
    voided = cpo("record", "void", "CLI-1", "--json", json.dumps(void),
                 "--as-of", "2025-01-10")  # fmt: skip
    assert voided.exit_code == 0, voided.output
    real = cpo("record", "visit", "CLI-1", "--json", json.dumps(VISIT),
               "--as-of", "2025-01-10")  # fmt: skip
    assert real.exit_code == 0, real.output
    journal = store.journal("CLI-1")
    assert [(e.seq, e.type, e.voided_by) for e in journal] == [
        (1, "conference_held", None),
        (2, "visit_made", 3),
        (3, "event_voided", None),
        (4, "visit_made", None),
    ]


def test_the_enquirys_assessment_and_protection_and_a_plans_end_with_its_episode(
    store: CaseRepository, no_prefect: None
) -> None:
    """An assessment and police protection of the enquiry, dated before the conference that
    opened the case (6 January 2025); an end of plan that does not say what becomes of the
    child-in-need episode is refused, then recorded when it does (README, "Returns")."""

    def record(step: str, event: dict[str, object], day: str) -> Result:
        return cpo("record", step, "CLI-1", "--json", json.dumps(event), "--as-of", day)

    started = {"type": "assessment_started", "on": "2024-12-23", "assessment": "a1", "child": "c1"}
    assert record("assessment", started, "2025-01-07").exit_code == 0
    done = {"type": "assessment_completed", "on": "2025-01-06", "assessment": "a1",
            "factors": ["16A", "3B"]}  # fmt: skip
    assert record("assessment", done, "2025-01-07").exit_code == 0
    protected = {"on": "2024-12-22", "kind": "police_protection", "ends_on": "2024-12-24"}
    assert record("emergency-protection", protected, "2025-01-07").exit_code == 0
    ending = {"on": "2025-02-03", "reason": "turned_18", "recorded_by": "tm"}
    refused = record("end-plan", ending, "2025-02-03")
    assert refused.exit_code == 1 and "closure" in refused.output and "R-LC2a" in refused.output
    ending |= {"closure": "transferred_to_adult_services"}
    assert record("end-plan", ending, "2025-02-03").exit_code == 0
    assert [e.type for e in store.journal("CLI-1")][1:] == [
        "assessment_started", "assessment_completed", "emergency_protection_taken", "plan_ended",
    ]  # fmt: skip
