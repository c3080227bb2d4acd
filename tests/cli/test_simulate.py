"""``cpo simulate`` over the demo caseload: what is sent matches what was due, each once."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from cli.simulate_cmds import simulate
from domain.demo import demo_caseload
from domain.ladder import LONDON
from domain.obligations import view
from domain.profiles import load_profile
from domain.store.database import Database
from domain.store.migrate import upgrade
from domain.store.repository import CaseRepository

START = date(2026, 11, 23)
DAYS = 120


def demo_store(path: Path) -> tuple[Database, CaseRepository, list]:
    database = Database.from_url(f"sqlite:///{path}")
    upgrade(database, simulation=True)
    repository = CaseRepository(database)
    cases = demo_caseload(START - timedelta(days=1))
    as_of = datetime.combine(START - timedelta(days=1), time(9), LONDON)
    repository.open_cases(cases, recorded_by="demo", source="import", as_of=as_of)
    return database, repository, cases


def test_simulating_120_days_sends_what_the_engine_says_was_due_each_once(tmp_path):
    database, repository, cases = demo_store(tmp_path / "cases.sqlite3")
    already = {e.idempotency_key for c in cases for e in repository.outbox_of(c.reference)}

    ticks = simulate(repository, START, DAYS)
    sent = [key for tick in ticks for key in tick.sent]
    assert len(sent) == len(set(sent))  # each rung once

    expected: set[str] = set()
    for offset in range(DAYS):
        as_of = datetime.combine(START + timedelta(days=offset), time(9), LONDON)
        for history in cases:
            expected |= {d.idempotency_key for d in view(history, as_of).dispatches}
    assert set(sent) == expected - already
    assert len(sent) > 100  # the demo caseload drifts: plenty falls due in 120 days

    # One digest per team with something overdue on each working day, never twice (R-E1).
    digests = [key for tick in ticks for key in tick.digests]
    assert len(digests) == len(set(digests)) and digests
    calendar = load_profile().calendar
    for tick in ticks:
        days = {key.rsplit("|", 1)[1] for key in tick.digests}
        assert days <= {tick.day.isoformat()}
        if not calendar.is_working_day(tick.day):
            assert not tick.digests
    database.dispose()


def test_the_simulate_command_leaves_the_real_store_untouched(tmp_path):
    path = tmp_path / "cases.sqlite3"
    database, repository, cases = demo_store(path)
    before = sum(len(repository.outbox_of(c.reference)) for c in cases)
    database.dispose()
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--days",
            "20",
            "--start",
            START.isoformat(),
            "--database-url",
            f"sqlite:///{path}",
        ],
        env={"COLUMNS": "160"},
    )
    assert result.exit_code == 0, result.output
    assert "digests over 20 days" in result.output and "escalation" in result.output
    database = Database.from_url(f"sqlite:///{path}")
    after = sum(len(CaseRepository(database).outbox_of(c.reference)) for c in cases)
    assert after == before
    database.dispose()


def test_a_month_of_a_review_booked_early_chases_each_report_once_before_the_booked_day(
    tmp_path,
):
    """ICPC on 2 September 2026, the review due by 2 December and booked for 18 November:
    each agency's report is chased once, on 11 November (5 working days before the booked
    day), not on 25 November (5 before the deadline)."""
    from domain.events import ReviewBooked
    from domain.history import CaseHistory
    from tests.domain.builders import cg, d, icpc

    database = Database.from_url(f"sqlite:///{tmp_path / 'cases.sqlite3'}")
    upgrade(database, simulation=True)
    repository = CaseRepository(database)
    history = CaseHistory(
        reference="CP-BOOKED",
        team="team-north",
        events=(
            icpc("2026-09-02", "2026-09-09"),
            cg("2026-09-09", "cg-p0-1", "2026-10-07"),
            ReviewBooked(on=d("2026-09-10"), date=d("2026-11-18")),
        ),
    )
    start = datetime.combine(date(2026, 9, 10), time(9), LONDON)
    repository.open_cases([history], recorded_by="test", source="import", as_of=start)
    ticks = simulate(repository, date(2026, 11, 1), 31)
    chases = [(t.day.isoformat(), key) for t in ticks for key in t.sent if key.endswith("|chase")]
    assert chases == [
        ("2026-11-11", "CP-BOOKED|R-T9:p0:hv|chase"),
        ("2026-11-11", "CP-BOOKED|R-T9:p0:school|chase"),
    ]
    missed = [(t.day.isoformat(), key) for t in ticks for key in t.sent if ":booked|" in key]
    assert missed == [("2026-11-19", "CP-BOOKED|R-T7:p0:booked|missed")]
    database.dispose()
