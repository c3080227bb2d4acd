"""Short runs of the scale benchmarks, as commands (the suite never imports benchmarks/): each
prints its figures and meets its own checks on a small caseload, so the long runs behind the
README's figures keep working."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def bench(*command: str, timeout: float = 900) -> str:
    done = subprocess.run(
        [sys.executable, *command], cwd=REPO, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def test_the_morning_queues_every_due_notice_once_and_delivers_them_to_smtp() -> None:
    output = bench("benchmarks/morning_bench.py", "--cases", "1200", "--due", "120",
                   "--backend", "sqlite")  # fmt: skip
    assert "120 cases woken" in output and "(met: <= 60 s)" in output
    assert "same outbox: True" in output
    queued = int(re.search(r"([\d,]+) notices queued in", output).group(1).replace(",", ""))
    sent, arrived = re.search(r"SMTP: ([\d,]+) notices in .*\(([\d,]+) arrived\)", output).groups()
    assert queued > 0 and int(sent.replace(",", "")) == queued == int(arrived.replace(",", ""))


def test_suspended_runs_are_listed_filtered_and_ticked_among() -> None:
    output = bench("-m", "benchmarks.suspended_bench", "--runs", "300", "--idle-seconds", "5")
    assert "300 suspended case runs created" in output
    assert re.search(r"Runs page: settled in [\d.]+ s", output)
    assert re.search(r"Runs page\?tag=overdue: settled", output)
    assert "30 cases woken" in output and "30 resumed" in output and "0 errors" in output


def test_postgres_with_three_workers_and_sqlite_with_one_both_wake_a_burst() -> None:
    output = bench("-m", "benchmarks.wake_bench", "--compare", "postgres", "--rounds", "1",
                   "--burst", "8", "--pool-limits", "6", timeout=1500)  # fmt: skip
    assert output.count("8 woken and asleep again, 0 failed runs") == 4
    assert "PostgreSQL + 3 workers (pool 6) / SQLite + 1 worker" in output


def test_a_tick_relabels_suspended_runs_whose_drift_changed_and_starts_no_process() -> None:
    output = bench("-m", "benchmarks.relabel_bench", "--runs", "120")
    assert "relabelled 120 of 120 changed runs" in output
    assert "processes started: 0 runs created, 0 taken out of their suspended state" in output
    assert "again: relabelled 0 of 0 changed runs" in output
