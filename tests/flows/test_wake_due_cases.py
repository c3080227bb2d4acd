"""The clock's wake of many due cases: bounded, one failure never stops the rest, retried once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from prefect.logging import disable_run_logger

from domain.store import DueCase
from flows.clock_source import LONDON
from tasks import run_control
from tasks.run_control import WakeAction, Woken

AS_OF = datetime(2025, 3, 10, 9, 0, tzinfo=LONDON)


class Refusing:
    """A server that refuses the first call for some cases (HTTP 503), then serves them."""

    def __init__(self, refuse: set[str], always: frozenset[str] = frozenset()) -> None:
        self.refuse = set(refuse)
        self.always = always
        self.calls: list[str] = []

    def __call__(self, reference: str, *_args: object, **_kwargs: object) -> Woken:
        self.calls.append(reference)
        if reference in self.always or reference in self.refuse:
            self.refuse.discard(reference)
            raise RuntimeError("503")
        return Woken(reference, WakeAction.RESUME, "run-" + reference)


def wake(cases: list[str], server: Refusing, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    monkeypatch.setattr(run_control, "wake_case_run", server)
    monkeypatch.setattr(run_control, "RETRY_PAUSE_SECONDS", 0.0)
    due = [DueCase(ref, AS_OF, None) for ref in cases]
    with disable_run_logger():
        return run_control.wake_case_runs.fn(due, AS_OF, AS_OF, 2, timedelta(minutes=30))


def test_every_due_case_is_woken_once(monkeypatch: pytest.MonkeyPatch) -> None:
    server = Refusing(set())
    counts = wake([f"CP-{n}" for n in range(7)], server, monkeypatch)
    assert counts["resume"] == 7 and counts["error"] == 0
    assert sorted(server.calls) == sorted(f"CP-{n}" for n in range(7))


def test_a_refused_wake_is_tried_again_once_the_others_are_done(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = Refusing({"CP-2", "CP-5"})
    counts = wake([f"CP-{n}" for n in range(7)], server, monkeypatch)
    assert counts["resume"] == 7 and counts["error"] == 0
    assert server.calls[-2:] in (["CP-2", "CP-5"], ["CP-5", "CP-2"])


def test_a_case_that_cannot_be_woken_is_counted_and_left_due(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = Refusing(set(), always=frozenset({"CP-3"}))
    counts = wake([f"CP-{n}" for n in range(5)], server, monkeypatch)
    assert counts["resume"] == 4 and counts["error"] == 1
    assert server.calls.count("CP-3") == 2
