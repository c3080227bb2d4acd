"""A process that records on one case in lock-step with another (test_concurrency.py)."""

from __future__ import annotations

from datetime import timedelta
from threading import Barrier  # a Manager().Barrier proxy behaves as one
from typing import Any

from domain.events import RiskRaised
from domain.store.database import Database
from domain.store.errors import ConcurrencyConflict
from domain.store.repository import CaseRepository
from tests.store.cases import AS_OF, ICPC_ON

RAISED_ON = ICPC_ON + timedelta(days=1)


def record_rounds(url: str, reference: str, member: str, rounds: int, barrier: Barrier) -> Any:
    """Each round both processes read the same sequence, then both try to append."""
    repository = CaseRepository(Database.from_url(url))
    conflicts = 0
    for round_number in range(rounds):
        event = RiskRaised(on=RAISED_ON, member=member, summary=f"{member}-{round_number}")
        _, seq = repository.load(reference)
        barrier.wait(timeout=60)
        while True:
            try:
                repository.append(
                    reference, event, expected_seq=seq, recorded_by=member, source="ui", as_of=AS_OF
                )
                break
            except ConcurrencyConflict:
                conflicts += 1
                _, seq = repository.load(reference)  # reload and retry, as an admin would
    repository.database.dispose()
    return {"member": member, "conflicts": conflicts}
