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


def test_the_server_is_stopped_even_when_a_worker_cannot_be(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = Stack(tmp_path, 0, {})
    stack.server = server = stubborn()  # ignores SIGTERM too: stop_group escalates to SIGKILL
    stack.workers.append(server)

    def cannot(worker: subprocess.Popen[bytes], sig: int) -> None:
        raise subprocess.TimeoutExpired(worker.args, 30)

    monkeypatch.setattr(stack, "kill_worker", cannot)
    with pytest.raises(subprocess.TimeoutExpired):
        stack.stop()
    assert server.poll() is not None
    assert stack.server is None
