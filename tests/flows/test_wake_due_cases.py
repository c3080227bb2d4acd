"""The clock's wake of many due cases: paged by the API's 200, bounded, one failure never
stops the rest, a failed one retried once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from prefect.client.schemas.objects import FlowRun

from domain.store import DueCase
from flows.clock_source import LONDON
from tasks.run_control import WakeAction, Woken, wake_in_pages

AS_OF = datetime(2025, 3, 10, 9, 0, tzinfo=LONDON)


class Server:
    """Runs by id, read a page at a time; wakes refused (HTTP 503) for some cases first."""

    def __init__(
        self, refuse: frozenset[str] = frozenset(), always: frozenset[str] = frozenset()
    ) -> None:
        self.refuse = set(refuse)
        self.always = always
        self.pages: list[int] = []
        self.calls: list[str] = []
        self.errors: list[str] = []

    def read_page(self, page: Sequence[DueCase]) -> dict[str, Any]:
        self.pages.append(len(page))
        return {case.flow_run_id: f"run of {case.reference}" for case in page if case.flow_run_id}

    def wake_one(self, case: DueCase, run: FlowRun | None) -> Woken:
        self.calls.append(case.reference)
        if case.reference in self.always or case.reference in self.refuse:
            self.refuse.discard(case.reference)
            raise RuntimeError("503")
        assert run == f"run of {case.reference}"
        return Woken(case.reference, WakeAction.RESUME, case.flow_run_id)

    def wake(self, cases: list[str], concurrency: int = 2) -> list[Woken | None]:
        due = [DueCase(ref, AS_OF, f"id-{ref}") for ref in cases]
        return wake_in_pages(
            due, self.read_page, self.wake_one, concurrency,
            lambda case, _error: self.errors.append(case.reference), pause=0.0,
        )  # fmt: skip


def test_every_due_case_is_woken_once_reading_its_run_a_page_at_a_time() -> None:
    server = Server()
    cases = [f"CP-{n}" for n in range(450)]
    woken = server.wake(cases, concurrency=4)
    assert [w.reference for w in woken if w] == cases
    assert sorted(server.calls) == sorted(cases)
    assert server.pages == [200, 200, 50]  # the API's cap on a page, and no more calls


def test_a_refused_wake_is_tried_again_once_the_others_are_done() -> None:
    server = Server(frozenset({"CP-2", "CP-5"}))
    woken = server.wake([f"CP-{n}" for n in range(7)])
    assert all(w is not None and w.action == WakeAction.RESUME for w in woken)
    assert server.calls[-2:] in (["CP-2", "CP-5"], ["CP-5", "CP-2"])
    assert sorted(server.errors) == ["CP-2", "CP-5"]


def test_a_case_that_cannot_be_woken_is_counted_and_left_due() -> None:
    server = Server(always=frozenset({"CP-3"}))
    woken = server.wake([f"CP-{n}" for n in range(5)])
    assert [w is None for w in woken] == [False, False, False, True, False]
    assert server.calls.count("CP-3") == 2


def test_a_page_that_cannot_be_read_is_read_again_case_by_case() -> None:
    server = Server()
    real_read = server.read_page
    refused = iter([True])

    def flaky(page: Sequence[DueCase]) -> dict[str, Any]:
        if len(page) > 1 and next(refused, False):
            raise RuntimeError("503")
        return real_read(page)

    server.read_page = flaky  # type: ignore[method-assign]
    woken = server.wake([f"CP-{n}" for n in range(3)])
    assert all(w is not None for w in woken)
    assert server.pages == [1, 1, 1]
