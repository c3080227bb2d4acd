"""Suspend keys: how a resumed case run finds the one wake it was resumed for.

Prefect re-executes a resumed run from the top, and ``suspend_flow_run`` with a key that
has already fired returns that suspend's input instead of suspending again. Each suspend's
key therefore names its wake number (one more than the run's last, from the server's record
of the keys fired) and the case's sequence number in the store when it slept. On resume the
run reads the input of the LATEST fired key only: one wake, never a replay of the past.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

KEY = re.compile(r"^wake-(?P<wake>\d+)-seq-(?P<seq>\d+)$")


@dataclass(frozen=True, order=True)
class SuspendKey:
    wake: int
    seq: int

    def __str__(self) -> str:
        return f"wake-{self.wake}-seq-{self.seq}"

    def next(self, seq: int) -> SuspendKey:
        return SuspendKey(self.wake + 1, seq)


FIRST = SuspendKey(0, 0)  # before any suspend: the next key is wake 1


def parse(key: str) -> SuspendKey | None:
    match = KEY.match(key)
    return SuspendKey(int(match["wake"]), int(match["seq"])) if match else None


def latest(fired: Iterable[str]) -> SuspendKey | None:
    """The key of the suspend this execution is resuming from, or None on a run's first start."""
    keys = [key for key in (parse(k) for k in fired) if key is not None]
    return max(keys) if keys else None
