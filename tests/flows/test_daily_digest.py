"""The clock's digest step and ``cpo digest``: the tasks and the command on one real store,
configured as a worker is (``CPO_DATABASE_URL``, ``CPO_NOTIFY_CONFIG``, ``CPO_DIGEST_HOUR``),
sending to a real SMTP receiver."""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli.main import app
from domain.history import CaseHistory
from domain.store import CaseRepository, Database, upgrade
from flows.clock import clock
from flows.clock_source import LONDON
from scripts.driver import icpc
from tasks.delivery import deliver_digests
from tasks.store import queue_digests, repository
from tests.notifications.conftest import SmtpReceiver

THURSDAY = date(2025, 4, 17)
MANAGER = "tm-north@example.org"


def at(hour: int, minute: int = 0, day: date = THURSDAY) -> datetime:
    return datetime.combine(day, time(hour, minute), LONDON)


@pytest.fixture
def store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp: SmtpReceiver
) -> Iterator[CaseRepository]:
    """One team-north case with obligations overdue by Thursday 17 April 2025; digests at 09:00."""
    url = f"sqlite:///{tmp_path / 'cases.sqlite3'}"
    config = tmp_path / "notify.yaml"
    config.write_text(f"urls:\n  - {smtp.url(MANAGER)}:\n    - tag: team_manager:team-north\n")
    monkeypatch.setenv("CPO_DATABASE_URL", url)
    monkeypatch.setenv("CPO_NOTIFY_CONFIG", str(config))
    monkeypatch.setenv("CPO_DIGEST_HOUR", "9")
    upgrade(Database.from_url(url), simulation=True)
    repository.cache_clear()
    opened = repository()
    history = CaseHistory(
        reference="CP-DIG-1", team="team-north", events=(icpc(date(2025, 1, 6), date(2025, 1, 17)),)
    )
    opened.open_case(history, recorded_by="admin", source="cli", as_of=at(8, day=date(2025, 1, 6)))
    yield opened
    repository.cache_clear()


def test_the_clock_runs_the_digest_step_unless_told_not_to() -> None:
    assert inspect.signature(clock.fn).parameters["digest"].default is True


def enqueue_digests(moment: datetime) -> int:
    """The clock's digest step: how many digests it queued."""
    return queue_digests.fn(moment)


def test_the_tasks_enqueue_once_from_the_configured_hour_and_deliver_once(
    store: CaseRepository, smtp: SmtpReceiver
) -> None:
    assert enqueue_digests(at(8, 45)) == 0  # CPO_DIGEST_HOUR=9
    assert enqueue_digests(at(9)) == 1
    assert enqueue_digests(at(9)) == 0  # a retried or re-run task adds nothing (R-E1)
    assert deliver_digests.fn(at(9)) == 1
    assert enqueue_digests(at(9, 15)) == 0 and deliver_digests.fn(at(9, 15)) == 0
    assert [mail.recipients for mail in smtp.mails] == [[MANAGER]]


def digest_command(*args: str) -> Result:
    return CliRunner().invoke(app, ["digest", "--as-of", "2025-04-17T10:00", *args])


def test_cpo_digest_shows_the_day_s_digest_before_it_is_queued(
    store: CaseRepository, smtp: SmtpReceiver
) -> None:
    result = digest_command("--team", "team-north")
    assert result.exit_code == 0, result.output
    assert "not queued" in result.output and "CP-DIG-1: " in result.output
    assert smtp.mails == [] and store.digests_of(THURSDAY) == []


def test_cpo_digest_send_sends_once_however_often_it_is_asked(
    store: CaseRepository, smtp: SmtpReceiver
) -> None:
    first = digest_command("--team", "team-north", "--send")
    assert first.exit_code == 0, first.output
    again = digest_command("--send", "--json")
    assert again.exit_code == 0, again.output
    enqueue_digests(at(10, 15))  # the clock's tick after it adds nothing either
    [shown] = json.loads(again.stdout)
    assert shown["status"] == "delivered"
    assert shown["digest"]["items"][0]["case_reference"] == "CP-DIG-1"
    assert [mail.recipients for mail in smtp.mails] == [[MANAGER]]
