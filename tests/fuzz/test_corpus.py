"""Bad input and a curious insider at the command line (README, "Exit codes"): every input of
the corpus (``tests/fuzz/corpus``) is refused in one line on stderr, with the exit code its
file name starts with, and nothing is written (every table's rows counted before and after),
on SQLite and on PostgreSQL.

- ``case_files/``: given to ``cpo validate`` and to ``cpo import``, which must judge each alike
  (the same exit code, the same reason);
- ``events/<step>/``: given to ``cpo record <step>`` on a case in the store;
- ``facts/``: given to ``cpo children set`` for that case's child;
- ``options/``: whole command lines, one argument a line, after the settings the command runs
  with (``CPO_ACTING_AS=...``).

Each command runs in this process, as ``cpo`` runs it (``cli.errors.run_one_line``): one store
per database, no process per input.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from cli.errors import run_one_line
from cli.main import app
from domain.history import dumps_history
from domain.store.database import Database
from domain.store.repository import CaseRepository
from domain.store.tables import Base
from tests.domain.builders import case, icpc

CORPUS = Path(__file__).with_name("corpus")
CASE = "CP-2026-0001"
AS_OF = "2025-03-10T12:00"
# Opened 2025-03-03 (members sw, tm, hv, sch1, mum; child c1; the first core group cg-p0-1).
SEEDED = icpc("2025-03-03", "2025-03-13")
SPECIAL = {
    "{case}": CASE,
    "{as_of}": AS_OF,
    "{long}": "a" * 200,
    "{event}": json.dumps({"on": "2025-03-05", "visitor": "sw", "children_seen": ["c1"]}),
    "{conference}": SEEDED.model_dump_json(),
}


def inputs(folder: str, pattern: str = "*.json") -> list[Path]:
    return sorted((CORPUS / folder).rglob(pattern))


def code_of(path: Path) -> int:
    return int(path.name.split("-", 1)[0])


@dataclass
class Store:
    url: str
    folder: Path
    database: Database

    def counts(self) -> dict[str, int]:
        """Every table's rows: what an input refused must leave as it was."""
        with self.database.reading() as session:
            found = {
                name: int(session.scalar(select(func.count()).select_from(table)) or 0)
                for name, table in Base.metadata.tables.items()
            }
            found["alembic_version"] = int(
                session.scalar(text("SELECT count(*) FROM alembic_version")) or 0
            )
        return found


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """One store per database, with one case in it to record on (as the application's role
    on PostgreSQL), and a folder for the inputs' files."""
    folder = tmp_path_factory.mktemp(f"corpus-{request.param}")
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, folder / "cases.sqlite3")
        url = f"sqlite:///{folder / 'cases.sqlite3'}"
    else:
        server = request.getfixturevalue("postgres_server")
        template_name = request.getfixturevalue("postgres_template")
        url = server.create_store("corpus", template=template_name).app
    database = Database.from_url(url)
    repository = CaseRepository(database)
    repository.open_case(case(SEEDED, reference=CASE), recorded_by="admin", source="import",
                         as_of=_moment())  # fmt: skip
    valid = case(SEEDED, reference="CP-2026-0002")
    (folder / "valid.json").write_text(dumps_history(valid), encoding="utf-8")
    (folder / "shared.json").write_text("")
    (folder / "link.json").symlink_to(folder / "shared.json")  # an insider's trap for exports
    yield Store(url, folder, database)
    database.dispose()
    if request.param == "postgres":
        request.getfixturevalue("postgres_server").drop_database("corpus")


def _moment():  # type: ignore[no-untyped-def]
    from cli.as_of import parse_as_of

    return parse_as_of(AS_OF)


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


def cpo(store: Store, monkeypatch: pytest.MonkeyPatch, *args: str) -> Ran:
    monkeypatch.setenv("CPO_DATABASE_URL", store.url)
    monkeypatch.setenv("CPO_ACTING_AS", os.environ.get("CPO_ACTING_AS", "admin"))
    # Were an input ever accepted, waking its run must fail at once, not look for a server.
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run_one_line(app, list(args))
    return Ran(code, out.getvalue(), err.getvalue())


def refused_in_one_line(ran: Ran, expected: int) -> str:
    """The one line, having checked it is one line, no traceback, and the exit code."""
    lines = [line for line in ran.err.splitlines() if line.strip()]
    assert len(lines) == 1, ran.err
    assert "Traceback" not in ran.err + ran.out and "SELECT" not in ran.err, ran.err
    assert ran.code == expected, (ran.code, lines[0])
    assert lines[0].startswith(("refused: ", "error: ")), lines[0]
    return lines[0]


def written_nothing(store: Store, before: dict[str, int]) -> None:
    assert store.counts() == before
    left = {p.name for p in store.folder.rglob("*") if not p.name.startswith("cases.sqlite3")}
    assert left == {"valid.json", "shared.json", "link.json"}  # no file of personal data
    assert (store.folder / "shared.json").read_text() == ""


@pytest.mark.parametrize("path", inputs("case_files"), ids=lambda p: p.stem)
def test_validate_and_import_refuse_a_bad_case_file_alike(
    store: Store, monkeypatch: pytest.MonkeyPatch, path: Path
) -> None:
    before = store.counts()
    judged = cpo(store, monkeypatch, "validate", str(path), "--as-of", AS_OF)
    imported = cpo(store, monkeypatch, "import", str(path), "--as-of", AS_OF)
    by_validate = refused_in_one_line(judged, code_of(path))
    by_import = refused_in_one_line(imported, code_of(path))
    # Validate names the path it was given, import the file: the reason is the same.
    assert by_validate.split(f"{path}: ", 1)[1] == by_import.split(f"{path.name}: ", 1)[1]
    written_nothing(store, before)


@pytest.mark.parametrize("path", inputs("events"), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_bad_event_is_refused_in_one_line(
    store: Store, monkeypatch: pytest.MonkeyPatch, path: Path
) -> None:
    before = store.counts()
    step = path.parent.name
    ran = cpo(store, monkeypatch, "record", step, CASE, "--file", str(path), "--as-of", AS_OF)
    refused_in_one_line(ran, code_of(path))
    written_nothing(store, before)


@pytest.mark.parametrize("path", inputs("facts"), ids=lambda p: p.stem)
def test_bad_facts_are_refused_in_one_line(
    store: Store, monkeypatch: pytest.MonkeyPatch, path: Path
) -> None:
    before = store.counts()
    ran = cpo(store, monkeypatch, "children", "set", CASE, "c1", "--file", str(path))
    refused_in_one_line(ran, code_of(path))
    written_nothing(store, before)


@pytest.mark.parametrize("path", inputs("options", "*.args"), ids=lambda p: p.stem)
def test_a_bad_command_line_is_refused_in_one_line(
    store: Store, monkeypatch: pytest.MonkeyPatch, path: Path
) -> None:
    special = SPECIAL | {"{folder}": str(store.folder),
                         "{valid_file}": str(store.folder / "valid.json")}  # fmt: skip
    args = []
    for line in path.read_text(encoding="utf-8").split("\n")[:-1]:
        for name, value in special.items():
            line = line.replace(name, value)
        setting = re.fullmatch(r"([A-Z][A-Z_]*)=(.*)", line) if not args else None
        if setting:  # the environment the command runs in (CPO_ACTING_AS, say)
            monkeypatch.setenv(setting.group(1), setting.group(2))
        else:
            args.append(line)
    before = store.counts()
    refused_in_one_line(cpo(store, monkeypatch, *args), code_of(path))
    written_nothing(store, before)


def test_the_corpus_covers_every_category_with_at_least_sixty_inputs() -> None:
    files = [p for p in CORPUS.rglob("*") if p.is_file()]
    assert len(files) >= 60
    assert {p.relative_to(CORPUS).parts[0] for p in files} == {
        "case_files", "events", "facts", "options",
    }  # fmt: skip
