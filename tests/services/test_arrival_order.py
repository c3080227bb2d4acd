"""The order things are recorded in never changes what the case says (R-G3, R-E1).

For any generated history, recording its events in any arrival order (each no earlier than
it happened: here, all of them on the day after the last) gives, as of that day, the same
obligations, the same read model and the same notices queued for what is owed as recording
them in the order they happened. An order the rules cannot take one step at a time (the
minutes of a meeting before the meeting itself) is what no admin can do either: such an
entry waits until what it follows is in, and is then recorded.

Notices are keyed by the journal number of the event that raised them, which depends on the
arrival order: they are compared by the event itself. What each arrival order may add is
only a lower rung of an obligation still open, queued when an earlier arrival made it look
further behind than it is; never a notice for anything met, voided, not yet due or no
longer raised (checked of every queued row).
"""

from __future__ import annotations

import random
import re
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.dispatch import Rung
from domain.errors import RejectedEvent
from domain.events import Event, event_to_dict
from domain.history import CaseHistory
from domain.ladder import OPEN
from domain.profiles import calendar_for, load_profile
from domain.recording import LateReason
from domain.store import CaseRepository, Database, OutboxStatus, Source
from domain.synthetic import as_of_moment, synthetic_history
from services.cases import record_event

REF = "CP-ORD-1"
QUEUED = (OutboxStatus.PENDING, OutboxStatus.FAILED)
_EVENT = re.compile(r":e(\d+)")


def recorded(template: Path, folder: Path, events: list[Event], history: CaseHistory,
             as_of: datetime) -> tuple[CaseRepository, list[Event]]:  # fmt: skip
    """A simulation's store with ``events`` recorded one by one as of ``as_of``, the opening
    conference first; an entry the rules refuse for what it follows waits for the next
    pass. Returns the store and the journal as recorded."""
    folder.mkdir()
    shutil.copyfile(template, folder / "cases.sqlite3")
    store = CaseRepository(Database.from_url(f"sqlite:///{folder / 'cases.sqlite3'}"))
    opening, *rest = events
    opened = history.model_copy(update={"reference": REF, "events": (opening,)})
    store.open_case(opened, recorded_by="t", source=Source.IMPORT, as_of=as_of)
    journal, waiting = [opening], rest
    while waiting:
        later: list[Event] = []
        for event in waiting:
            try:
                done = record_event(store, REF, event, recorded_by="t", source=Source.CLI,
                                    as_of=as_of, late_reason=LateReason.WRITTEN_UP_LATER)  # fmt: skip
                if not done.already:  # the same event twice is recorded once (R-G2)
                    journal.append(event)
            except RejectedEvent:
                later.append(event)
        assert len(later) < len(waiting), f"no arrival order records {later}"
        waiting = later
    return store, journal


def identity(key: str, journal: list[Event]) -> str:
    """A notice's key with the journal number of its event replaced by the event itself."""
    return _EVENT.sub(lambda m: ":" + repr(sorted(event_to_dict(journal[int(m[1])]).items())), key)


def queued(store: CaseRepository, journal: list[Event]) -> dict[tuple[str, str], Any]:
    return {
        (identity(e.dispatch.obligation, journal), e.dispatch.rung.value): e
        for e in store.outbox_of(REF)
        if e.status in QUEUED
    }


def what_it_says(store: CaseRepository, as_of: datetime) -> tuple[Any, ...]:
    found = store.case_view(REF, as_of)
    obligations = sorted((o.key, o.status, o.rung, o.due, o.met_on) for o in found.obligations)
    read_model = store.obligations_at(REF, as_of)
    drift = store.drift_of(REF)
    return obligations, read_model, drift


@settings(
    max_examples=20, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip
@given(seed=st.integers(min_value=0, max_value=100_000), order=st.integers(0, 2**32 - 1))
def test_any_arrival_order_gives_the_same_case_read_model_and_notices(
    seed: int, order: int, sqlite_template: Path, tmp_path_factory: Any
) -> None:
    history = synthetic_history(seed, REF, months=4)
    calendar = calendar_for(load_profile(history.profile))
    as_of = as_of_moment(calendar.add(max(e.on for e in history.events), 1), 10)
    opening, *rest = history.events
    shuffled = list(rest)
    random.Random(order).shuffle(shuffled)
    folder = tmp_path_factory.mktemp("order")
    in_time, journal_a = recorded(sqlite_template, folder / "a", list(history.events),
                                  history, as_of)  # fmt: skip
    arrived, journal_b = recorded(sqlite_template, folder / "b", [opening, *shuffled],
                                  history, as_of)  # fmt: skip
    assert what_it_says(in_time, as_of) == what_it_says(arrived, as_of)

    view = arrived.case_view(REF, as_of)
    current = {(o.key, o.rung.value) for o in view.obligations if o.is_open and o.rung}
    notices_a, notices_b = queued(in_time, journal_a), queued(arrived, journal_b)
    for found in (notices_a, notices_b):
        owed = {key for key in found if key[1] != Rung.NOTICE.value}
        for key, rung in owed:  # every rung queued is owed: open, and fallen by now
            [obligation] = [o for o in view.obligations if o.key == key]
            assert obligation.status in OPEN, (key, rung, obligation.status)
            assert rung in {r.value for r, at in obligation.schedule if at <= as_of}
    now_a = {k for k in notices_a if k[1] == Rung.NOTICE.value or k in current}
    now_b = {k for k in notices_b if k[1] == Rung.NOTICE.value or k in current}
    assert now_a == now_b
    assert {(k, r) for k, r in current} <= now_a | {
        (identity(e.dispatch.obligation, journal_a), e.dispatch.rung.value)
        for e in in_time.outbox_of(REF)
        if e.status is OutboxStatus.DELIVERED
    }
