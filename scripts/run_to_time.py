"""The invariant at length: cases run to time, every profile, each woken as the clock would
wake it for two years; prints any that got a missed notice or an escalation (exit 1).

The suite runs a few (``tests/domain/test_run_to_time.py``); this runs as many as wanted:

    .venv/bin/python -m scripts.run_to_time --cases 200 [--days 730] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import time

from domain.profiles import profile_names
from domain.punctual import punctual_history
from domain.run_to_time import late_dispatches


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100, help="cases per profile")
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--seed", type=int, default=0, help="the first seed")
    args = parser.parse_args()
    started, failures, events = time.perf_counter(), 0, 0
    for profile in profile_names():
        for seed in range(args.seed, args.seed + args.cases):
            history = punctual_history(seed, f"CP-{seed}", profile, days=args.days)
            events += len(history.events)
            late = late_dispatches(history)
            for key, dispatch in late.items():
                failures += 1
                print(f"{profile} seed {seed}: {key} {dispatch.rung.value} {dispatch.fires_at}")
    count = args.cases * len(profile_names())
    print(
        f"{count} cases ({events / count:.0f} events each), {args.days} days each: "
        f"{failures} late in {time.perf_counter() - started:.0f} s"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
