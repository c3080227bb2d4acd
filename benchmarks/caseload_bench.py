"""Views of the whole caseload from the read model, against the code they replace.

    .venv/bin/python benchmarks/caseload_bench.py --cases 50000 --baseline-cases 5000

Prints figures; not a timed test. In one run, on this machine:

1. The baseline: the code at ``--baseline-ref`` (a git worktree of this repository, run with
   its own modules), a SQLite store of ``--baseline-cases`` synthetic cases written by that
   code, and three commands on it, each timed as a whole process (median of ``--runs``):
   ``cpo overdue --json``, ``cpo cases --overdue --json``, ``cpo digest --team T --json``.
2. Today's code: ``--cases`` synthetic cases in SQLite and in PostgreSQL (a temporary
   server), the same three commands; the clock's overview step in process
   (``services.clock.caseload``); and a rebuild of the read model from the journal.

Every view is "as of" one moment after the last event of every case, so both codes answer
the same question: what is overdue, by team and rung, case by case.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.store_bench import Backend, caseload  # noqa: E402
from domain.store import CaseRepository, Database, upgrade  # noqa: E402
from services.clock import caseload as caseload_overview  # noqa: E402

LONDON = ZoneInfo("Europe/London")
WRITTEN_AS_OF = datetime(2026, 10, 1, 9, 0, tzinfo=LONDON)  # after every synthetic event
VIEW_AS_OF = "2026-10-01T10:00"
TEAM = "team-north"
COMMANDS = {
    "cpo overdue --json": ["overdue", "--json"],
    "cpo cases --overdue --json": ["cases", "--overdue", "--json"],
    "cpo digest --team T --json": ["digest", "--team", TEAM, "--json"],
}

BASELINE_BUILD = textwrap.dedent(
    """
    import sys
    from concurrent.futures import ProcessPoolExecutor
    from datetime import date, datetime, timedelta
    from zoneinfo import ZoneInfo

    from benchmarks.store_bench import Backend, DomainRules, caseload, synthetic_history
    from domain.store.database import Database
    from domain.store.migrate import upgrade

    AS_OF = datetime.fromisoformat(sys.argv[5]).replace(tzinfo=ZoneInfo("Europe/London"))


    def live_cases(seeds):  # store_bench.live_span, which this code predates
        rules, cases = DomainRules(), []
        for seed in seeds:
            end = AS_OF.date() - timedelta(days=1 + seed % 5)
            start = end - timedelta(days=30 * (3 + seed % 7))
            history = synthetic_history(seed, f"SYN-{seed:06d}", start=start, end=end)
            cases.append((history, rules.standing(history, AS_OF)))
        return cases


    def live_caseload(count, workers):
        chunks = [range(s, min(s + 1000, count)) for s in range(0, count, 1000)]
        with ProcessPoolExecutor(workers) as pool:
            yield from pool.map(live_cases, chunks)


    if __name__ == "__main__":
        database = Database.from_url(sys.argv[1])
        upgrade(database, simulation=True)
        backend = Backend("baseline", database)
        live = sys.argv[4] == "live"
        chunks = live_caseload if live else caseload
        for chunk in chunks(int(sys.argv[2]), int(sys.argv[3])):
            backend.insert(chunk)
        database.dispose()
        print(f"{backend.seconds:.1f}")
    """
)


def median_seconds(action: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def command(cwd: Path, url: str, args: list[str]) -> Callable[[], object]:
    env = {**os.environ, "PYTHONPATH": str(cwd), "CPO_DIGEST_HOUR": "8", "COLUMNS": "200"}
    full = [sys.executable, "-m", "cli.main", *args, "--as-of", VIEW_AS_OF, "--database-url", url]

    def run() -> object:
        done = subprocess.run(full, cwd=cwd, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed in {cwd}:\n{done.stderr[-2000:]}")
        return done

    return run


def baseline(
    folder: Path, ref: str, cases: int, workers: int, runs: int, shape: str
) -> dict[str, float]:
    tree = folder / "baseline"
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), ref], cwd=REPO,
                   check=True, capture_output=True)  # fmt: skip
    try:
        url = f"sqlite:///{folder / 'baseline.sqlite3'}"
        env = {**os.environ, "PYTHONPATH": str(tree)}
        script = folder / "baseline_build.py"
        script.write_text(BASELINE_BUILD, encoding="utf-8")
        built = subprocess.run(
            [sys.executable, str(script), url, str(cases), str(workers), shape,
             WRITTEN_AS_OF.replace(tzinfo=None).isoformat()],
            cwd=tree, env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        print(f"baseline ({ref}): {cases:,} cases written in {built.stdout.strip()} s")
        return {
            name: median_seconds(command(tree, url, args), runs) for name, args in COMMANDS.items()
        }
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=REPO,
                       capture_output=True)  # fmt: skip


def today(backend: Backend, url: str, runs: int) -> dict[str, float]:
    found = {
        name: median_seconds(command(REPO, url, args), runs) for name, args in COMMANDS.items()
    }
    store = CaseRepository(backend.database)
    as_of = datetime.fromisoformat(VIEW_AS_OF).replace(tzinfo=LONDON)
    overview = caseload_overview(store, as_of)
    found["clock overview step (in process)"] = median_seconds(
        lambda: caseload_overview(store, as_of), runs
    )
    started = time.perf_counter()
    rebuilt = store.rebuild_summaries(WRITTEN_AS_OF, restart=True)
    found[f"rebuild-summaries ({rebuilt:,} cases)"] = time.perf_counter() - started
    late = sum(sum(counts.values()) for counts in overview.by_team.values())
    print(f"{backend.name}: {len(overview.cases):,} cases with {late:,} overdue obligations "
          f"as of {VIEW_AS_OF}")  # fmt: skip
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--baseline-cases", type=int, default=5_000)
    parser.add_argument("--baseline-ref", default="5a4aad0", help="the code before the read model")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--workers", type=int, default=2, help="processes generating cases")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--shape",
        choices=["live", "stale"],
        default="live",
        help="live: every case's last event in the week before the view (a caseload as it "
        "is on the day); stale: stories that ended up to two years before it, so most of "
        "their obligations are long overdue (a stress of the overdue views)",
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cpo-caseload-bench-"))
    base = baseline(
        folder, args.baseline_ref, args.baseline_cases, args.workers, args.runs, args.shape
    )
    backends: list[tuple[Backend, str]] = []
    server = None
    if args.backend in ("sqlite", "both"):
        url = f"sqlite:///{folder / 'cases.sqlite3'}"
        backends.append((Backend("SQLite", Database.from_url(url)), url))
    if args.backend in ("postgres", "both"):
        from scripts.pg_server import start_server

        server = start_server(durable=True)
        url = server.create_database("cpo_caseload")
        backends.append((Backend("PostgreSQL", Database.from_url(url)), url))
    try:
        for backend, _ in backends:
            upgrade(backend.database, simulation=True)
        started = time.perf_counter()
        for chunk in caseload(args.cases, args.workers, WRITTEN_AS_OF, args.shape == "live"):
            for backend, _ in backends:
                backend.insert(chunk)
        print(f"{args.cases:,} cases generated and written in {time.perf_counter() - started:.0f} s"
              + "".join(f"; {b.name} writes {b.seconds:.0f} s" for b, _ in backends))  # fmt: skip
        results = {backend.name: today(backend, url, args.runs) for backend, url in backends}
    finally:
        for backend, _ in backends:
            backend.database.dispose()
        if server is not None:
            server.stop()
    report(args, base, results)


def report(
    args: argparse.Namespace, base: dict[str, float], results: dict[str, dict[str, float]]
) -> None:
    names = list(results)
    print(f"\n{args.shape} caseload\n| view | baseline, {args.baseline_cases:,} cases (SQLite) | "
          + " | ".join(f"today, {args.cases:,} cases ({n}) | ratio" for n in names) + " |")  # fmt: skip
    print("|---|---|" + "---|---|" * len(names))
    rows = {key for found in results.values() for key in found}
    for key in [*COMMANDS, *sorted(rows - set(COMMANDS))]:
        cells = [f"{base[key]:.2f} s" if key in base else "-"]
        for name in names:
            value = results[name].get(key)
            ratio = f"{value / base[key]:.3f}" if value is not None and key in base else "-"
            cells += [f"{value:.2f} s" if value is not None else "-", ratio]
        print(f"| {key} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
