"""Stopping the local stack: a worker that ignores its stop signal is killed, and the
server is stopped whatever happened to the workers."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scripts.prefect_stack import Stack

STUBBORN = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print('ready', flush=True); time.sleep(600)"
)


def stubborn() -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-c", STUBBORN], stdout=subprocess.PIPE, start_new_session=True
    )
    assert process.stdout is not None and process.stdout.readline() == b"ready\n"
    return process


def test_a_worker_that_ignores_sigterm_is_killed_after_its_grace(tmp_path: Path) -> None:
    stack = Stack(tmp_path, 0, {})
    worker = stubborn()
    stack.workers.append(worker)
    started = time.monotonic()
    stack.kill_worker(worker, signal.SIGTERM, grace=1)
    assert worker.returncode == -signal.SIGKILL
    assert time.monotonic() - started < 20
    assert stack.workers == []


def test_workers_that_ignore_sigterm_share_one_grace_not_one_each(tmp_path: Path) -> None:
    stack = Stack(tmp_path, 0, {})
    workers = [stubborn() for _ in range(3)]
    stack.workers.extend(workers)
    started = time.monotonic()
    stack._kill_workers(list(workers), signal.SIGTERM, grace=3)
    # one after the other, three graces would be 9 s at least
    assert time.monotonic() - started < 9
    assert [w.returncode for w in workers] == [-signal.SIGKILL] * 3
    assert stack.workers == []


def test_the_server_is_stopped_even_when_a_worker_cannot_be(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = Stack(tmp_path, 0, {})
    stack.server = server = stubborn()  # ignores SIGTERM too: stop_group escalates to SIGKILL
    stack.workers.append(server)

    def cannot(workers: list[subprocess.Popen[bytes]], sig: int, grace: float) -> None:
        raise subprocess.TimeoutExpired(workers[0].args, 30)

    monkeypatch.setattr(stack, "_kill_workers", cannot)
    with pytest.raises(subprocess.TimeoutExpired):
        stack.stop()
    assert server.poll() is not None
    assert stack.server is None
