"""Obligations for a whole country's caseload: cases/s and µs per obligation.

Builds N synthetic cases (3 to 18 months of history, the profile mix of
domain/synthetic.py), folds them, then times, in one run on one core:

1. the wake view (``history=False``: what is open, its rung, the next wake) for every case,
   with the precomputed working-day calendar;
2. the same computation with a naive day-by-day working-day loop (a sample of the cases,
   reported per case, as a ratio);
3. the full view with every met and discharged obligation (a sample).

Usage: python benchmarks/obligations_bench.py [--cases 50000] [--sample 2000]
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from domain.calendar import NATIONS, NaiveCalendar
from domain.obligations import derive
from domain.profiles import calendar_for, load_profile
from domain.state import CaseState, fold
from domain.synthetic import as_of_moment, synthetic_history


def build(n: int) -> list[CaseState]:
    return [fold(synthetic_history(seed, f"CP-{seed:06d}")) for seed in range(n)]


def timed(
    states: Sequence[CaseState], calendar_of: Callable[[Any], Any], history: bool
) -> tuple[float, int]:
    gc.collect()
    gc.disable()
    count = 0
    start = time.perf_counter()
    for state in states:
        profile = load_profile(state.profile)
        as_of = as_of_moment((state.last_event_on or date(2025, 1, 1)) + timedelta(days=1))
        count += len(
            derive(state, profile, calendar_of(profile), as_of, history=history).obligations
        )
    elapsed = time.perf_counter() - start
    gc.enable()
    return elapsed, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--sample", type=int, default=2_000)
    args = parser.parse_args()

    start = time.perf_counter()
    states = build(args.cases)
    setup = time.perf_counter() - start
    events = sum(len(s.events) for s in states)
    print(
        f"built and folded {len(states):,} cases ({events / len(states):.1f} events each) in {setup:.1f} s"
    )

    fast, count = timed(states, calendar_for, history=False)
    print(
        f"wake view, precomputed calendar: {len(states):,} cases in {fast:.2f} s = "
        f"{len(states) / fast:,.0f} cases/s, {count / len(states):.1f} open obligations/case, "
        f"{fast / count * 1e6:.1f} µs/obligation"
    )

    sample = states[: args.sample]
    # The naive way: step one day at a time, asking the ``holidays`` object about each day.
    naive_calendars = {nation: NaiveCalendar(nation, ask_holidays=True) for nation in NATIONS}
    fast_sample, _ = timed(sample, calendar_for, history=False)
    naive, _ = timed(sample, lambda p: naive_calendars[p.nation], history=False)
    print(
        f"same {len(sample):,} cases, day-by-day loop: {naive:.2f} s vs {fast_sample:.2f} s "
        f"-> precomputed is {naive / fast_sample:.1f}x faster"
    )

    full, full_count = timed(sample, calendar_for, history=True)
    print(
        f"full view with history, {len(sample):,} cases: {full:.2f} s = {len(sample) / full:,.0f} cases/s, "
        f"{full_count / len(sample):.1f} obligations/case, {full / full_count * 1e6:.1f} µs/obligation"
    )
    naive_full, _ = timed(sample, lambda p: naive_calendars[p.nation], history=True)
    print(
        f"full view, day-by-day loop: {naive_full:.2f} s -> precomputed is {naive_full / full:.1f}x faster"
    )


if __name__ == "__main__":
    main()
