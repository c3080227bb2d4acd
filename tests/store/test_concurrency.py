"""Two processes recording on one case at once never interleave: losers conflict, then retry."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from domain.events import RiskRaised
from domain.store.repository import CaseRepository
from tests.store.cases import AS_OF, history
from tests.store.concurrency_worker import record_rounds

ROUNDS = 12


def test_two_processes_appending_at_once_lose_nothing_and_duplicate_nothing(
    db_url: str, repository: CaseRepository
) -> None:
    repository.open_case(history("BED-0001"), recorded_by="admin", source="import", as_of=AS_OF)
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, ProcessPoolExecutor(2, mp_context=context) as pool:
        barrier = manager.Barrier(2)
        futures = [
            pool.submit(record_rounds, db_url, "BED-0001", member, ROUNDS, barrier)
            for member in ("lp", "hv")
        ]
        results = [future.result(timeout=180) for future in futures]

    recorded, last_seq = repository.load("BED-0001")
    raised = [e.summary for e in recorded.events if isinstance(e, RiskRaised)]
    expected = {f"{member}-{n}" for member in ("lp", "hv") for n in range(ROUNDS)}
    assert sorted(raised) == sorted(expected)  # none lost, none twice
    assert last_seq == 1 + 2 * ROUNDS
    assert [entry.seq for entry in repository.journal("BED-0001")] == list(range(1, last_seq + 1))
    # Both read the same sequence before every round, so every round had a loser who retried.
    assert sum(result["conflicts"] for result in results) >= ROUNDS
