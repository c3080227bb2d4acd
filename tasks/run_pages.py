"""Reading many flow runs from the Prefect API: it returns at most 200 rows a call.

Every reader of many runs (the clock, the demo, the benchmarks, the tests) goes through
here, so none stops silently at the first 200.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar
from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.objects import FlowRun
from prefect.client.schemas.sorting import FlowRunSort

PAGE = 200  # the API's cap on ``limit`` (PREFECT_SERVER_API_DEFAULT_LIMIT)
T = TypeVar("T")


def pages(items: Sequence[T], size: int = PAGE) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def runs_by_id(client: SyncPrefectClient, ids: Iterable[str | UUID]) -> dict[str, FlowRun]:
    """The runs with these ids (one call per 200), by id as a string; gone ones are absent."""
    wanted = sorted({UUID(str(run_id)) for run_id in ids})
    found: dict[str, FlowRun] = {}
    for page in pages(wanted):
        by_id = FlowRunFilter(id=FlowRunFilterId(any_=list(page)))
        for run in client.read_flow_runs(flow_run_filter=by_id, limit=PAGE):
            found[str(run.id)] = run
    return found


def every_flow_run(client: SyncPrefectClient, **filters: Any) -> list[FlowRun]:
    """Every run matching ``filters`` (``read_flow_runs``' keyword arguments), page by page
    in a stable order (newest id first)."""
    found: list[FlowRun] = []
    while True:
        page = client.read_flow_runs(
            **filters, sort=FlowRunSort.ID_DESC, limit=PAGE, offset=len(found)
        )
        found.extend(page)
        if len(page) < PAGE:
            return found
