"""Prefect's home is its owner's only (R-G1): the runs' names and parameters are in its
database, and the logs name cases. Checked on the session's stack once its server and
worker have run: the folder 0700, every file in it 0600, whatever the umask was."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from scripts.prefect_stack import Stack

pytestmark = pytest.mark.slow


def test_prefects_home_and_everything_in_it_is_private(stack: Stack, store_url: str) -> None:
    modes = {
        str(path.relative_to(stack.home)): stat.S_IMODE(os.lstat(path).st_mode)
        for path in (stack.home, *stack.home.rglob("*"))
        if not path.is_symlink() and not path.is_socket()
    }
    assert any(name.endswith(".db") for name in modes)  # Prefect's own database is there
    assert any(name.endswith("worker.log") for name in modes)
    shared = {name: oct(mode) for name, mode in modes.items() if mode & 0o077}
    assert shared == {}
    store = Path(store_url.removeprefix("sqlite:///"))
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
