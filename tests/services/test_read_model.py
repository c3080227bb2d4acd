"""The read model never disagrees with the obligations engine.

For random synthetic histories: open the case with part of its history, record the rest one
event at a time and wake it at random moments (the use cases of ``services.cases``), and
after every use case, at random later moments, the read model's answer (a SQL query) is what
``derive()`` says of the same events. A rebuild from the journal writes the same rows.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from domain.history import CaseHistory
from domain.ladder import LONDON
from domain.obligations import derive
from domain.profiles import calendar_for, load_profile
from domain.state import fold
from domain.store import CaseRepository, Database, Source
from domain.store.tables import OpenObligationRow
from domain.synthetic import as_of_moment, synthetic_history
from services.cases import record_event, wake_case

Snapshot = dict[str, tuple[str, str | None, str]]


def derived(history: CaseHistory, as_of: datetime) -> Snapshot:
    """What the engine says is open as of ``as_of``: key -> (status, rung, overdue since)."""
    policy = load_profile(history.profile)
    calendar = calendar_for(policy)
    view = derive(
        fold(history, policy, known_by=as_of.astimezone(LONDON).date()),
        policy,
        calendar,
        as_of,
        history=False,
    )
    snapshot: Snapshot = {}
    for obligation in view.obligations:
        if obligation.is_open:
            since = calendar.add(obligation.due, 1) if obligation.due_at is None else obligation.due
            rung = obligation.rung.value if obligation.rung else None
            snapshot[obligation.key] = (obligation.status.value, rung, since.isoformat())
    return snapshot


def read(store: CaseRepository, reference: str, as_of: datetime) -> Snapshot:
    """What the read model says, by SQL."""
    return {
        o.key: (o.status, o.rung, o.overdue_since.isoformat())
        for o in store.obligations_at(reference, as_of)
    }


def rows(store: CaseRepository) -> list[tuple[object, ...]]:
    with store.database.reading() as session:
        found = session.scalars(select(OpenObligationRow).order_by(OpenObligationRow.key))
        columns = [c.key for c in OpenObligationRow.__table__.columns if c.key != "id"]
        return [tuple(getattr(row, name) for name in columns) for row in found]


@contextmanager
def fresh_store(template: Path, folder: Path) -> Iterator[CaseRepository]:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "cases.sqlite3"
    shutil.copyfile(template, path)
    database = Database.from_url(f"sqlite:///{path}")
    try:
        yield CaseRepository(database)
    finally:
        database.dispose()
        shutil.rmtree(folder, ignore_errors=True)


def check(store: CaseRepository, history: CaseHistory, known: CaseHistory, since: datetime,
          rng: random.Random) -> None:  # fmt: skip
    """At the moment of the use case and at three random later ones, before the next event."""
    after = [e.on for e in history.events[len(known.events) :]]
    until = datetime.combine(after[0], datetime.min.time(), LONDON) if after else None
    moments = [since] + [since + timedelta(hours=rng.randint(1, 24 * 120)) for _ in range(3)]
    for moment in moments:
        if until is not None and moment >= until:
            continue
        assert read(store, history.reference, moment) == derived(known, moment), moment


seeds = st.integers(min_value=0, max_value=50_000)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=seeds)
def test_after_every_use_case_the_read_model_equals_derive(
    seed: int, sqlite_template: Path, tmp_path: Path
) -> None:
    rng = random.Random(seed)
    history = synthetic_history(seed, f"CP-{seed}", months=rng.randint(3, 9))
    cut = rng.randint(1, len(history.events))
    with fresh_store(sqlite_template, tmp_path / str(seed)) as store:
        opened = history.model_copy(update={"events": history.events[:cut]})
        moment = as_of_moment(opened.events[-1].on, hour=rng.choice((7, 9, 17)))
        store.open_case(opened, recorded_by="test", source=Source.IMPORT, as_of=moment)
        check(store, history, opened, moment, rng)
        for index in range(cut, len(history.events)):
            event = history.events[index]
            moment = as_of_moment(event.on, hour=rng.choice((7, 9, 17)))
            record_event(
                store, history.reference, event, recorded_by="test", source=Source.CLI,
                as_of=moment,
            )  # fmt: skip
            known = history.model_copy(update={"events": history.events[: index + 1]})
            check(store, history, known, moment, rng)
            if rng.random() < 0.3:
                moment += timedelta(hours=rng.randint(1, 72))
                following = (
                    history.events[index + 1].on if index + 1 < len(history.events) else None
                )
                if following is None or moment.date() < following:
                    wake_case(store, history.reference, moment)
                    check(store, history, known, moment, rng)
        later = moment + timedelta(days=rng.randint(1, 200))
        wake_case(store, history.reference, later)
        check(store, history, history, later, rng)
        written = rows(store)
        store.rebuild_summaries(later, restart=True)
        assert rows(store) == written


@pytest.mark.parametrize("day", [0, 20, 45, 90])
def test_the_caseload_views_agree_with_derive_on_both_databases(
    database: Database, day: int
) -> None:
    """The demo caseload, its views from SQL, on SQLite and on PostgreSQL."""
    from domain.demo import demo_caseload
    from domain.obligations import view
    from domain.recipients import overdue_since

    today = as_of_moment(datetime(2026, 11, 23).date()).date()
    cases = demo_caseload(today)
    store = CaseRepository(database)
    store.open_cases(cases, recorded_by="demo", source=Source.IMPORT, as_of=as_of_moment(today))
    moment = as_of_moment(today + timedelta(days=day), hour=10)
    expected: dict[tuple[str, str], tuple[str | None, str]] = {}
    for history in cases:
        calendar = calendar_for(load_profile(history.profile))
        for obligation in view(history, moment).obligations:
            since = overdue_since(obligation, calendar)
            if since is not None:
                rung = obligation.rung.value if obligation.rung else None
                expected[(history.reference, obligation.key)] = (rung, since.isoformat())
    found = {
        (o.reference, o.key): (o.rung, o.overdue_since.isoformat())
        for o in store.overdue_obligations(moment)
    }
    assert found == expected and expected
    late = {reference for reference, _ in expected}
    assert {c.reference for c in store.overdue_cases(moment)} == late
    listed = store.list_cases(overdue_as_of=moment)  # what `cpo cases --overdue` prints
    assert [c.reference for c in listed] == sorted(late)
    team = cases[0].team
    assert {c.reference for c in store.list_cases(team=team, overdue_as_of=moment)} == {
        h.reference for h in cases if h.team == team and h.reference in late
    }
    by_team: dict[str, int] = {}
    for history in cases:
        by_team[history.team] = by_team.get(history.team, 0) + sum(
            1 for reference, _ in expected if reference == history.reference
        )
    totals = {team: sum(counts.values()) for team, counts in store.overdue_by_team(moment).items()}
    assert totals == {team: n for team, n in by_team.items() if n}
