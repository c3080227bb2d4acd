"""A case from ICPC to the end of its plan on a real Prefect server, worker and store.

Virtual time: every wake's ``as_of`` comes from a manual step or a clock tick, so a
six-month case runs in a few minutes. Steps go in as an admin would: some through their
deployments (the UI's forms), the rest through the CLI's code path (cli/record_cmds.py).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from http.server import ThreadingHTTPServer
from uuid import UUID

import pytest
from prefect.deployments import run_deployment
from prefect.flow_runs import resume_flow_run

from cli.record_cmds import open_and_start, record_and_wake
from domain.events import ConferenceDecision, Event
from domain.history import CaseHistory
from domain.store import CaseRepository, OutboxStatus, Source
from flows.clock import clock
from flows.clock_source import as_of_moment
from scripts.driver import (
    CHILD_NAME,
    artifact_keys,
    core_group,
    icpc,
    minutes,
    outbox_keys,
    read_run,
    review,
    run_step,
    state_of,
    wait_for_state,
    wait_until,
)
from scripts.prefect_stack import Stack
from services.cases import open_escalations, record_event
from tasks.store import repository

pytestmark = pytest.mark.slow

REF = "E2E-1"
TEAM = "team-north"


def record(event: Event, on: date, store: CaseRepository) -> None:
    """``cpo record ...``: append, then wake the case's run with that day as ``as_of``."""
    record_and_wake(REF, event, "admin-1", as_of_moment(on))
    wait_for_state(store, REF, {"Suspended", "Completed"})


def append(event: Event, on: date) -> None:
    """Recorded without a wake: the next clock tick acts on it (keeps the test short)."""
    record_event(
        repository(), REF, event, recorded_by="admin-1", source=Source.CLI, as_of=as_of_moment(on)
    )


def tick(as_of: str, store: CaseRepository) -> dict[str, int]:
    counts = clock(as_of=as_of)
    wait_for_state(store, REF, {"Suspended", "Completed"})
    return counts


def test_a_case_runs_from_icpc_to_plan_end_acting_once_on_each_rung(
    stack: Stack, store: CaseRepository, webhook: ThreadingHTTPServer
) -> None:
    opening = icpc(date(2025, 1, 6), date(2025, 1, 17))
    opened = run_step(
        "open-case/open-case",
        {
            "reference": REF,
            "team": TEAM,
            "profile": "england",
            "on": "2025-01-06",
            "children": [{"id": "c1", "category": "NEG"}],
            "outcomes": [{"id": "o1", "text": "The child is safe at home"}],
            "members": [
                {"id": m.id, "role": m.role.value, "agency": m.agency} for m in opening.members
            ],
            "lead_professional": "sw",
            "team_manager": "tm",
            "chair": "chair-1",
            "first_core_group_on": "2025-01-17",
            "strategy_discussion_on": "2024-12-23",
            "recorded_by": "admin-1",
        },
        now="2025-01-06T12:00",
    )
    assert opened.state and opened.state.is_completed(), opened.state
    run = wait_for_state(store, REF, {"Suspended"})
    assert {"team:team-north", "profile:england"} <= set(run.tags)
    assert run.name == REF
    the_run = str(run.id)

    record(core_group("cg-1", date(2025, 1, 17), (date(2025, 2, 14),)), date(2025, 1, 17), store)
    append(minutes("cg-1", date(2025, 1, 22)), date(2025, 1, 22))
    append(core_group("cg-2", date(2025, 2, 14)), date(2025, 2, 14))
    append(minutes("cg-2", date(2025, 2, 19)), date(2025, 2, 19))
    append(core_group("cg-3", date(2025, 3, 14)), date(2025, 3, 14))

    # cg-3's minutes never come: the ladder climbs one rung per tick (R-T5, R-E1).
    tick("2025-03-21T12:00", store)
    tick("2025-03-24T12:00", store)
    tick("2025-03-27T12:00", store)
    before_replay = outbox_keys(store, REF)
    # The same tick again, through the clock's deployment: nothing is due, nothing written.
    replay = run_step("clock/clock", {"as_of": "2025-03-27T12:00"})
    assert replay.state is not None and replay.state.is_completed()
    assert outbox_keys(store, REF) == before_replay
    tags = read_run(the_run).tags
    assert "overdue" in tags and any(tag.startswith("rung:escalation") for tag in tags)
    assert " overdue, worst: escalated " in (read_run(the_run).state.message or "")

    # The team manager acknowledges it through the case run's own resume form (R-E6): the
    # form offers the open escalations; who answers is who acknowledges.
    escalations = open_escalations(store, REF, as_of_moment("2025-03-27T13:00"))
    [escalated] = [o for o in escalations if o.key == "R-T5:cg-3"]
    resume_flow_run(
        UUID(the_run),
        run_input={
            "as_of": "2025-03-27T13:00",
            "acknowledge": f"{escalated.key} · {escalated.title} ({escalated.subject})",
            "acting_person": "tm",  # as the sign-in layer stamps the person who answered
        },
    )
    wait_for_state(store, REF, {"Suspended"})
    assert store.journal(REF)[-1].type == "escalation_acknowledged"
    assert store.journal(REF)[-1].recorded_by == "tm"
    tick("2025-03-31T12:00", store)  # R-T10: missing agency reports chased

    keys = outbox_keys(store, REF)
    assert not [k for k, n in Counter(keys).items() if n > 1]
    for rung in ("reminder", "missed", "escalation_tm"):
        assert f"{REF}|R-T5:cg-3|{rung}" in keys
    assert f"{REF}|R-T5:cg-3|escalation_final" not in keys  # acknowledged: it stops climbing
    assert any("|R-T9:" in k and k.endswith("|chase") for k in keys)
    assert state_of(the_run) == "Suspended"
    record(minutes("cg-3", date(2025, 3, 31)), date(2025, 3, 31), store)

    record(
        review(date(2025, 4, 3), ConferenceDecision.CONTINUE, date(2025, 4, 17)),
        date(2025, 4, 3),
        store,
    )
    append(core_group("cg-p1-1", date(2025, 4, 17), (date(2025, 5, 15),)), date(2025, 4, 17))
    append(minutes("cg-p1-1", date(2025, 4, 22)), date(2025, 4, 22))
    record(review(date(2025, 5, 15), ConferenceDecision.END, None), date(2025, 5, 15), store)

    final = wait_for_state(store, REF, {"Completed"})
    assert str(final.id) == the_run  # one run carried the whole case
    assert keys == outbox_keys(store, REF)[: len(keys)]  # nothing rewritten
    assert {"case-e2e-1", "caseload"} <= artifact_keys()

    # Delivered once each (at-least-once delivery that happened to succeed first time).
    entries = store.outbox_of(REF)
    assert all(e.status == OutboxStatus.DELIVERED and e.attempts == 1 for e in entries)
    bodies = json.dumps(webhook.received)  # type: ignore[attr-defined]
    assert len(webhook.received) >= len(entries)  # type: ignore[attr-defined]
    assert CHILD_NAME not in bodies  # R-G1


def test_a_bad_manual_step_is_rejected_with_its_rule_and_changes_nothing(
    stack: Stack, store: CaseRepository
) -> None:
    reference = "E2E-BAD"  # opened in 2026: never due at the other tests' ticks
    opening = icpc(date(2026, 1, 5), date(2026, 1, 16))
    history = CaseHistory(reference=reference, team=TEAM, events=(opening,))
    store.open_case(history, recorded_by="admin-1", source="cli", as_of=as_of_moment("2026-01-05"))
    _history, seq = store.load(reference)
    outbox = outbox_keys(store, reference)

    same_person = {
        "reference": reference,
        "on": "2026-01-16",
        "meeting": "cg-1",
        "chair": "sw",
        "minute_taker": "sw",
        "next_dates": ["2026-02-13"],
        "recorded_by": "admin-1",
    }
    run = run_step("record-core-group-held/record-core-group-held", same_person, "2026-01-16")
    assert run.state is not None and run.state.name == "Rejected"
    assert not run.state.is_failed()  # a refusal is not a fault
    message = run.state.message or ""
    assert "minute_taker" in message and "R-M2" in message and "\n" not in message, message
    unknown = run_step(
        "record-agency-report/record-agency-report",
        {"reference": "NO-SUCH-CASE", "on": "2026-01-16", "sent_by": "hv", "recorded_by": "a"},
        "2026-01-16",
    )
    assert unknown.state is not None and unknown.state.name == "Rejected"
    assert "reference" in (unknown.state.message or "")
    assert store.load(reference)[1] == seq
    assert outbox_keys(store, reference) == outbox

    # A form that does not match the schema never becomes a run (enforce_parameter_schema).
    with pytest.raises(Exception, match="(?i)validation|schema|date"):
        run_deployment(
            "record-core-group-held/record-core-group-held",
            parameters={
                "reference": reference,
                "on": "soon",
                "meeting": "cg-1",
                "chair": "sw",
                "minute_taker": "hv",
                "recorded_by": "x",
            },
            timeout=0,
            as_subflow=False,
        )


def test_a_worker_killed_mid_wake_loses_nothing_and_writes_nothing_twice(
    stack: Stack, store: CaseRepository
) -> None:
    reference = "E2E-KILL"
    opening = icpc(date(2025, 1, 6), date(2025, 1, 17))
    open_and_start(reference, TEAM, "england", opening, "admin-1", as_of_moment("2025-01-06"))
    first = wait_for_state(store, reference, {"Suspended"})
    stack.kill_worker(stack.workers[0])  # nothing in flight: every case is asleep
    # A worker whose wakes stop after writing the outbox, before delivering or sleeping.
    slow = stack.start_worker(CPO_FAULT_HOLD_WAKE_SECONDS="300")
    before = outbox_keys(store, reference)

    clock(as_of="2025-02-20T12:00", overview=False)  # due: cg-1 never held (R-T1)
    # The tick queued (and sent) what was due itself; the case's run, resumed, holds mid-wake.
    assert len(outbox_keys(store, reference)) > len(before)
    wait_until(lambda: state_of(first.id) == "Running", what="the case run mid-wake")
    stack.kill_worker(slow)  # the machine is lost mid-wake
    written = outbox_keys(store, reference)
    assert state_of(first.id) == "Running"  # no process left to say otherwise

    stack.start_worker()
    clock(as_of="2025-02-20T12:00", overview=False, stale_after_minutes=0)  # heals
    healed = wait_for_state(store, reference, {"Suspended"})
    assert healed.id != first.id and healed.name == reference
    assert state_of(first.id) == "Crashed"

    assert outbox_keys(store, reference) == written  # nothing written twice
    due = store.case_view(reference, as_of_moment("2025-02-20T12:00")).dispatches
    assert {d.idempotency_key for d in due} <= set(written)  # nothing lost
    entries = store.outbox_of(reference)
    assert all(e.status == OutboxStatus.DELIVERED and e.attempts == 1 for e in entries)
