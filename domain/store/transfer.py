"""Import and export of case history files (``domain/history.py``'s format).

A file is imported whole or not at all: a bad event is reported with the file's name and
the event's index, and nothing of that case is recorded (R-G3). Export writes the
canonical text, so exporting what was imported gives the same bytes back.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from urllib.parse import quote

from pydantic import ValidationError

from domain.errors import DomainError
from domain.history import CaseHistory, dumps_history, loads_history
from domain.store.errors import CaseExists
from domain.store.repository import CaseRepository
from domain.store.tables import Source

SUFFIX = ".json"


class ImportStatus(StrEnum):
    IMPORTED = "imported"
    UNCHANGED = "unchanged"  # the same history is already recorded: importing twice is harmless
    FAILED = "failed"


@dataclass(frozen=True)
class ImportResult:
    path: Path
    status: ImportStatus
    reference: str | None = None
    events: int = 0
    error: str | None = None


def history_files(path: Path) -> list[Path]:
    """The file itself, or every ``*.json`` file under the folder, in name order."""
    if path.is_dir():
        return sorted(p for p in path.rglob(f"*{SUFFIX}") if p.is_file())
    if path.is_file():
        return [path]
    raise FileNotFoundError(f"no case history file or folder at {path}")


def import_file(
    repository: CaseRepository, path: Path, *, recorded_by: str, as_of: datetime
) -> ImportResult:
    try:
        history = loads_history(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        return ImportResult(path, ImportStatus.FAILED, error=f"{path.name}: cannot read: {error}")
    except ValidationError as error:
        return ImportResult(path, ImportStatus.FAILED, error=_invalid(path, error))
    try:
        repository.open_case(history, recorded_by=recorded_by, source=Source.IMPORT, as_of=as_of)
    except CaseExists:
        return _already_recorded(repository, path, history)
    except DomainError as error:  # a rule, an unknown profile: this file only, then the next
        message = f"{path.name}: {error}"
        return ImportResult(path, ImportStatus.FAILED, history.reference, error=message)
    return ImportResult(path, ImportStatus.IMPORTED, history.reference, len(history.events))


def import_path(
    repository: CaseRepository, path: Path, *, recorded_by: str, as_of: datetime
) -> Iterator[ImportResult]:
    for file in history_files(path):
        yield import_file(repository, file, recorded_by=recorded_by, as_of=as_of)


def _already_recorded(repository: CaseRepository, path: Path, history: CaseHistory) -> ImportResult:
    recorded, _ = repository.load(history.reference)
    if recorded == history:
        return ImportResult(path, ImportStatus.UNCHANGED, history.reference, len(history.events))
    message = f"{path.name}: case {history.reference} is already recorded with other events"
    return ImportResult(path, ImportStatus.FAILED, history.reference, error=message)


def _invalid(path: Path, error: ValidationError) -> str:
    """Name the file and, where the problem is inside an event, that event's index."""
    problems = []
    for detail in error.errors()[:3]:
        location = detail["loc"]
        if len(location) >= 2 and location[0] == "events":
            where = f"event {location[1]}: " + ".".join(str(part) for part in location[3:])
        else:
            where = ".".join(str(part) for part in location) or "file"
        problems.append(f"{where}: {detail['msg']}")
    more = f" (and {error.error_count() - 3} more)" if error.error_count() > 3 else ""
    return f"{path.name}: " + "; ".join(problems) + more


PERSONAL = ("name", "contact", "date_of_birth")


def redacted(history: CaseHistory) -> CaseHistory:
    """The history without names, contacts or dates of birth: what may leave the store
    for testing or analysis (R-G1)."""
    payload = history.model_dump(mode="json")
    for event in payload["events"]:
        for group in ("members", "children"):
            for person in event.get(group) or ():
                person.update(
                    {k: "" if k != "date_of_birth" else None for k in PERSONAL if k in person}
                )
        for single in ("member", "cover"):
            person = event.get(single)
            if isinstance(person, dict):
                person.update({k: "" for k in ("name", "contact") if k in person})
    return CaseHistory.model_validate(payload)


def export_text(repository: CaseRepository, reference: str, redact: bool = False) -> str:
    history, _ = repository.load(reference)
    return dumps_history(redacted(history) if redact else history)


def export_file_name(reference: str) -> str:
    """A reference may contain '/', so it is quoted: distinct references, distinct names."""
    return quote(reference, safe="") + SUFFIX


def write_private(path: Path, text: str) -> None:
    """A file only its owner may read: an export holds children's personal data."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def export_all(repository: CaseRepository, folder: Path, redact: bool = False) -> Iterator[Path]:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for summary in repository.list_cases():
        target = folder / export_file_name(summary.reference)
        write_private(target, export_text(repository, summary.reference, redact))
        yield target
