"""The clock: every 15 minutes (prefect.yaml, Europe/London) wake the cases that are due.

It resumes each due case's suspended run with the tick's ``as_of``; a case whose run is
missing, failed, crashed, cancelled (a runner shut down just after a suspend cancels it) or
lost mid-wake gets a new run that carries on from the store. Then it publishes the caseload
overview: overdue obligations by team and escalation rung (R-E1), and, once per working day
after ``CPO_DIGEST_HOUR``, each team manager's digest of what is overdue in their team
(insert-if-absent per team and day, so every later tick that day adds nothing).

Bounded on purpose: at most ``limit`` cases per tick (the rest are still due at the next
tick) and ``concurrency`` API calls in flight. The runs themselves are bounded by the work
pool's concurrency limit; on a SQLite Prefect server an unbounded burst fails with HTTP 503
"database is locked" (measured: 200 concurrent runs, ~40% failed).
"""

from __future__ import annotations

from datetime import timedelta

from prefect import flow, get_run_logger

from flows.clock_source import as_of_moment, now_london
from tasks import store
from tasks.artifacts import publish_caseload_artifact
from tasks.digest import deliver_digests, enqueue_digests
from tasks.run_control import lost_case_runs, wake_due_cases


@flow(name="clock", persist_result=False)
def clock(
    as_of: str | None = None,
    limit: int = 500,
    concurrency: int = 2,
    stale_after_minutes: float = 30.0,
    overview: bool = True,
    digest: bool = True,
) -> dict[str, int]:
    """One tick. ``as_of`` (ISO date or date-time, Europe/London) lets tests drive virtual
    time; empty means now. ``stale_after_minutes``: a run RUNNING or PENDING that long is
    taken as lost with its worker and replaced. ``digest``: enqueue and deliver the team
    managers' daily digests (after the wakes, which are the time-critical part)."""
    moment = as_of_moment(as_of)
    now = now_london()  # staleness is real time, whatever virtual time the tick runs at
    stale_after = timedelta(minutes=stale_after_minutes)
    due = store.due_cases(moment, limit)
    lost = [
        case
        for case in lost_case_runs(now, stale_after)
        if case.reference not in {d.reference for d in due}
    ]
    counts = wake_due_cases(due + lost, moment, now, concurrency, stale_after)
    if overview:
        by_team = store.overdue_by_team(moment)
        publish_caseload_artifact(moment, by_team, store.undelivered_notices())
    if digest:
        counts["digests_queued"] = enqueue_digests(moment)
        counts["digests_sent"] = deliver_digests(moment)
    get_run_logger().info(
        "Tick as of %s: %d due, %d lost, %s", moment.isoformat(), len(due), len(lost), counts
    )
    return counts
