"""Properties of the obligations engine over synthetic histories (hypothesis)."""

from __future__ import annotations

import copy
from datetime import datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import RejectedEvent
from domain.events import CoreGroupCancelled, CoreGroupHeld, MinutesCirculated
from domain.history import CaseHistory
from domain.ladder import LONDON, Status
from domain.obligations import view
from domain.profiles import calendar_for, load_profile
from domain.state import apply, fold, to_history
from domain.synthetic import as_of_moment, synthetic_history

# Rules whose due date is counted in working days or moved to the previous working day.
# (R-P2 actions carry the date people agreed; R-T15/R-T16 are counted in hours.)
WORKING_DAY_RULES = {
    "R-T0",
    "R-T1",
    "R-T2",
    "R-T3",
    "R-T4",
    "R-T5",
    "R-T6",
    "R-T7",
    "R-T8",
    "R-T9",
    "R-T11",
    "R-T12",
    "R-T13",
    "R-T14",
    "R-T17",
    "R-P3",
}

seeds = st.integers(min_value=0, max_value=10_000)
offsets = st.integers(min_value=0, max_value=400)


def case_and_day(seed: int, offset: int) -> tuple[CaseHistory, object]:
    history = synthetic_history(seed, f"CP-{seed}", months=6)
    return history, as_of_moment(history.events[0].on + timedelta(days=offset))


@settings(max_examples=40, deadline=None)
@given(seed=seeds, offset=offsets)
def test_obligations_are_deterministic(seed, offset):
    history, as_of = case_and_day(seed, offset)
    assert view(history, as_of) == view(copy.deepcopy(history), as_of)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, offset=offsets)
def test_moved_deadlines_never_land_on_non_working_days(seed, offset):
    history, as_of = case_and_day(seed, offset)
    calendar = calendar_for(load_profile(history.profile))
    for obligation in view(history, as_of).obligations:
        if obligation.rule in WORKING_DAY_RULES:
            assert calendar.is_working_day(obligation.due), obligation.key


@settings(max_examples=30, deadline=None)
@given(seed=seeds, cut=st.floats(min_value=0.1, max_value=0.9), later=offsets)
def test_an_obligation_once_met_is_never_unmet(seed, cut, later):
    history = synthetic_history(seed, f"CP-{seed}", months=6)
    keep = max(1, int(len(history.events) * cut))
    early = history.model_copy(update={"events": history.events[:keep]})
    as_of = as_of_moment(history.events[-1].on)
    met_early = {o.key for o in view(early, as_of).obligations if o.status is Status.MET}
    full = {o.key: o for o in view(history, as_of + timedelta(days=later)).obligations}
    for key in met_early:
        assert key in full and full[key].status is Status.MET, key


@settings(max_examples=30, deadline=None)
@given(seed=seeds, which=st.integers(min_value=0, max_value=3))
def test_a_rejected_event_leaves_the_state_identical(seed, which):
    history = synthetic_history(seed, f"CP-{seed}", months=4)
    state = fold(history)
    last = history.events[-1].on
    bad = [
        CoreGroupHeld(on=last, meeting="cg-x", chair="sw", minute_taker="sw"),
        CoreGroupCancelled(
            on=last, meeting="never-booked", at=datetime.combine(last, time(10), LONDON)
        ),
        MinutesCirculated(on=last, meeting="never-held"),
        CoreGroupHeld(on=last, meeting="cg-z", chair="ghost", minute_taker="hv"),
    ][which]
    before = copy.deepcopy(state.__dict__)
    try:
        apply(state, bad)
    except RejectedEvent:
        pass
    else:
        raise AssertionError("the bad event was accepted")
    assert state.__dict__ == before
    assert to_history(state) == history


@settings(max_examples=20, deadline=None)
@given(seed=seeds, offset=offsets)
def test_the_wake_view_is_the_open_part_of_the_full_view(seed, offset):
    from domain.obligations import derive

    history, as_of = case_and_day(seed, offset)
    state = fold(history)
    profile = load_profile(state.profile)
    full = derive(state, profile, calendar_for(profile), as_of)
    lean = derive(state, profile, calendar_for(profile), as_of, history=False)
    assert {o.key: o for o in full.obligations if o.is_open} == {o.key: o for o in lean.obligations}
    assert full.next_wake == lean.next_wake
    assert set(full.dispatches) == set(lean.dispatches)
