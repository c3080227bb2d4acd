"""Returns benchmark: the three returns for a national-size store, time and peak memory.

    .venv/bin/python benchmarks/returns_bench.py --cases 50000

Builds a SQLite store with ``store_bench``'s generator (valid synthetic histories, each
validated and derived once, bulk-written) plus invented personal facts for every child
(``domain.synthetic.synthetic_facts``), or reads an existing store (``--database-url``).
Then each return runs through its use case (``services.returns``), each in a fresh process:
its wall time, and its peak resident memory above the same process's once its imports were
done. Synthetic cases start in 2024 and 2025, so the defaults ask for the 2025-26 census,
List 7 as of 31 December 2025, and the timeliness of 2025.

    .venv/bin/python benchmarks/returns_bench.py --cases 50000 --compare 785f0e7

builds the store with another commit's code (from a temporary worktree: its events and
facts, which this checkout reads too), runs that commit's own ``returns_bench.py`` on it,
then this checkout's: two sets of figures measured in one run on one store.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert

# Run as a script from anywhere: the repository root holds domain/ and benchmarks/.
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.store_bench import Case, caseload  # noqa: E402
from domain.store.bulk import insert_cases  # noqa: E402
from domain.store.database import Database  # noqa: E402
from domain.store.migrate import upgrade  # noqa: E402
from domain.store.tables import ChildFactsRow, Source  # noqa: E402
from domain.synthetic import synthetic_facts  # noqa: E402

RETURNS = ("cin-census", "annex-a-list7", "timeliness")


def build(url: str, count: int, workers: int) -> float:
    """The store: cases, journals, read model and outbox as an import writes them, and each
    child's facts (synthetic, valid by construction)."""
    database = Database.from_url(url)
    upgrade(database, simulation=True)
    started = time.perf_counter()
    now = datetime.now(UTC)
    for chunk in caseload(count, workers):
        with database.writing() as session:
            ids = insert_cases(
                session, chunk, recorded_by="benchmark", source=Source.IMPORT, now=now
            )
            session.execute(insert(ChildFactsRow), facts_rows(chunk, ids, now))
        print(f"  {len(chunk):,} cases written, {time.perf_counter() - started:,.0f} s", flush=True)
    database.dispose()
    return time.perf_counter() - started


def facts_rows(chunk: list[Case], ids: dict[str, int], now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "case_id": ids[history.reference], "child": facts.child, "version": 1,
            "la_child_id": facts.la_child_id, "facts": facts.model_dump(mode="json"),
            "recorded_by": "benchmark", "recorded_at": now, "source": Source.IMPORT.value,
        }
        for history, _ in chunk
        for facts in synthetic_facts(history, int(history.reference.split("-")[1]))
    ]  # fmt: skip


def peak_kib() -> int:
    """This process's peak resident memory. ``VmHWM`` is its own address space's: a spawned
    process's ``ru_maxrss`` would start from its parent's peak, inherited across exec."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def one_return(kind: str, url: str, folder: str, args: dict[str, Any], out: Any) -> None:
    """In a fresh process: the use case, its time and the memory it added at its peak."""
    from domain.store import CaseRepository
    from services import returns

    store = CaseRepository(Database.from_url(url))
    before = peak_kib()
    started = time.perf_counter()
    moment = datetime.now(UTC)
    if kind == "cin-census":
        written = returns.write_cin_census(
            store, args["year"], Path(folder) / "census.xml", la_code="201",
            requested_by="benchmark", generated_at=moment,
        )  # fmt: skip
    elif kind == "annex-a-list7":
        written = returns.write_annex_a(
            store, args["as_of"], Path(folder) / "list7.xlsx", requested_by="benchmark"
        )
    else:
        written = returns.write_timeliness_report(
            store, args["start"], args["end"], Path(folder) / "timeliness.html",
            requested_by="benchmark", generated_at=moment,
        )  # fmt: skip
    seconds = time.perf_counter() - started
    size = written.path.stat().st_size
    out.put((kind, seconds, before, peak_kib(), written.counts, size))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=2, help="processes generating cases")
    parser.add_argument("--database-url", help="an existing store: nothing is built")
    parser.add_argument("--year", default="2025-26", help="the CIN census year")
    parser.add_argument("--as-of", default="2025-12-31", help="Annex A List 7's day")
    parser.add_argument("--from", dest="start", default="2025-01-01")
    parser.add_argument("--to", dest="end", default="2025-12-31")
    parser.add_argument(
        "--only", nargs="+", choices=RETURNS, default=list(RETURNS), help="these returns only"
    )
    parser.add_argument(
        "--validate", action="store_true", help="then the DfE's validator on the census (.venv-cin)"
    )
    parser.add_argument("--compare", metavar="REF", help="first run this commit's returns too")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="cpo-returns-bench-")
    url = args.database_url or f"sqlite:///{Path(folder) / 'cases.sqlite3'}"
    given = {
        "year": args.year, "as_of": date.fromisoformat(args.as_of),
        "start": date.fromisoformat(args.start), "end": date.fromisoformat(args.end),
    }  # fmt: skip
    if args.compare:
        baseline(args.compare, url, args)
        print("this checkout:", flush=True)
    elif args.database_url is None:
        print(f"building a store of {args.cases:,} cases in {folder} ...", flush=True)
        print(f"built in {build(url, args.cases, args.workers):,.0f} s", flush=True)
    run_returns(url, folder, given, args.only)
    if args.validate:
        validate(Path(folder) / "census.xml")


def run_returns(url: str, folder: str, given: dict[str, Any], kinds: list[str]) -> None:
    context = multiprocessing.get_context("spawn")
    for kind in kinds:
        queue = context.Queue()
        process = context.Process(target=one_return, args=(kind, url, folder, given, queue))
        process.start()
        name, seconds, before, peak, counts, size = queue.get()
        process.join()
        print(
            f"{name}: {seconds:,.1f} s, peak memory {peak / 1024:,.0f} MiB "
            f"(+{(peak - before) / 1024:,.0f} MiB over the process after its imports), "
            f"file {size / 2**20:,.1f} MiB, {counts}",
            flush=True,
        )


def baseline(ref: str, url: str, args: argparse.Namespace) -> None:
    """The store built by ``ref``'s code (unless given), then ``ref``'s own benchmark on it,
    from a temporary worktree."""
    tree = Path(tempfile.mkdtemp(prefix="cpo-returns-baseline-")) / "tree"
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), ref],
                   check=True, capture_output=True)  # fmt: skip
    try:
        if args.database_url is None:
            print(f"building a store of {args.cases:,} cases with {ref}'s code ...", flush=True)
            code = (
                f"import sys; sys.path.insert(0, {str(tree)!r}); "
                "from benchmarks.returns_bench import build; "
                f"seconds = build({url!r}, {args.cases}, {args.workers}); "
                "print('built in', round(seconds), 's')"
            )
            subprocess.run([sys.executable, "-c", code], cwd=tree, check=True)  # fmt: skip
        print(f"{ref}:", flush=True)
        subprocess.run(
            [sys.executable, str(tree / "benchmarks" / "returns_bench.py"), "--database-url", url,
             "--year", args.year, "--as-of", args.as_of, "--from", args.start, "--to", args.end,
             "--only", *args.only],
            cwd=tree, check=True,
        )  # fmt: skip
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
                       check=False, capture_output=True)  # fmt: skip


def validate(census: Path) -> None:
    started = time.perf_counter()
    done = subprocess.run(
        [str(REPO / ".venv-cin" / "bin" / "python"), str(REPO / "scripts" / "cin_validate.py"),
         str(census)], capture_output=True, text=True,
    )  # fmt: skip
    print(f"the DfE's validator on the census, {time.perf_counter() - started:,.0f} s:")
    print("  " + "\n  ".join(done.stdout.strip().splitlines() or done.stderr.splitlines()[-5:]))


if __name__ == "__main__":
    main()
