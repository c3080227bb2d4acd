"""The clock: every 15 minutes (prefect.yaml, Europe/London) one tick of virtual or real time.

1. In this one process, wake every case that is due, a batch at a time: queue each due rung
   exactly once by its key (R-E1), move its next wake, write its read model
   (``services.clock.tick``).
2. Deliver at once, in a task of its own: notices wait neither for what follows nor for
   the case runs. Meanwhile, once per working day after ``CPO_DIGEST_HOUR``, queue each
   team manager's digest (sent once the notices are).
3. Meanwhile resume those cases' runs (and replace any run that failed, crashed, was
   cancelled or was lost mid-wake), a page of the API's 200 at a time with ``concurrency``
   calls in flight, so they refresh what people see at the pace the work pool allows: the
   resumed runs queue in the pool's ``case-wakes`` queue, behind the next tick and any
   manual step (prefect.yaml).
4. Relabel, without waking them, the suspended runs whose drift changed since they were
   last labelled (state name and message, tags: ``tasks/run_labels.py``), from the read
   model, a page of runs at a time; no case process starts.
5. Publish the caseload overview from the read model.

Bounded on purpose: at most ``limit`` cases per tick (the rest are still due at the next
tick) and ``concurrency`` API calls in flight; on a SQLite Prefect server an unbounded burst
fails with HTTP 503 "database is locked" (measured: 200 concurrent runs, ~40% failed).
"""

from __future__ import annotations

from datetime import timedelta

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows.clock_source import as_of_moment, now_london
from tasks import store
from tasks.artifacts import publish_caseload_artifact
from tasks.delivery import deliver_digests, deliver_queued
from tasks.run_control import find_lost_case_runs, retire_replaced_runs, wake_case_runs
from tasks.run_labels import relabel_case_runs
from tasks.store import TICK_LIMIT


def tick_name() -> str:
    """Clock runs are named by the moment they tick at: ``tick-2026-12-01-0815``."""
    moment = as_of_moment(flow_run.parameters.get("as_of"))
    return f"tick-{moment:%Y-%m-%d-%H%M}"


@flow(name="clock", flow_run_name=tick_name, persist_result=False)
def clock(
    as_of: str | None = None,
    limit: int = TICK_LIMIT,
    concurrency: int = 2,
    stale_after_minutes: float = 30.0,
    overview: bool = True,
    digest: bool = True,
    relabel: bool = True,
) -> dict[str, int]:
    """One tick. ``as_of`` (ISO date or date-time, Europe/London) lets tests drive virtual
    time; empty means now. ``stale_after_minutes``: a run RUNNING or PENDING that long is
    taken as lost with its worker and replaced."""
    moment = as_of_moment(as_of)
    now = now_london()  # staleness is real time, whatever virtual time the tick runs at
    logger = get_run_logger()
    ticked = store.tick(moment, limit)
    sending = deliver_queued.submit(moment)  # at once, beside what follows
    digests_queued = store.queue_digests(moment) if digest else 0
    stale_after = timedelta(minutes=stale_after_minutes)
    lost = find_lost_case_runs(now, stale_after)
    if lost.retire:
        retire_replaced_runs(lost.retire)
    woken = {case.reference for case in ticked.woken}
    runs = ticked.woken + [case for case in lost.cases if case.reference not in woken]
    # The notices are out before the case runs wake, so each case page reads its notices'
    # delivery as the outbox records it, not "pending" while the clock was still sending.
    sending.wait()
    counts = wake_case_runs(runs, moment, now, concurrency, stale_after)
    # Every other run whose drift changed since its last wake: relabelled, not woken.
    relabelled = relabel_case_runs(moment) if relabel else {}
    if overview:
        publish_caseload_artifact(store.read_caseload(moment))
    sent = sending.result()  # a delivery that failed fails the tick, once the rest is done
    digests_sent = deliver_digests(moment) if digest else 0
    logger.info(
        "Tick as of %s: %d case(s) woken, %d notice(s) queued and %d sent, %d digest(s) queued "
        "and %d sent, %d run(s) replaced.",
        f"{moment:%Y-%m-%d %H:%M}", len(ticked.woken), len(ticked.queued), sent,
        digests_queued, digests_sent, len(lost.cases),
    )  # fmt: skip
    return {
        **counts,
        **relabelled,
        "woken": len(ticked.woken),
        "queued": len(ticked.queued),
        "sent": sent,
        "digests_queued": digests_queued,
        "digests_sent": digests_sent,
        "failed": len(ticked.failed),
    }
