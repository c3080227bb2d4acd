"""Import and export of case history files (``domain/history.py``'s format).

A file is imported whole or not at all: a bad event is reported with the file's name and
the event's index, and nothing of that case is recorded (R-G3). Export writes the
canonical text, so exporting what was imported gives the same bytes back. A file may carry
its children's personal facts beside the events (``domain.child_facts``): imported with the
case, in the same transaction; exported only when asked, and that read is audited (R-G2).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from urllib.parse import quote

from domain.case_files import UnreadableFile, judge_case_file
from domain.child_facts import CaseFile, dumps_case_file
from domain.errors import DomainError
from domain.history import CaseHistory
from domain.ladder import LONDON
from domain.store.errors import CaseExists
from domain.store.private_files import private_folder, write_private
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
    unreadable: bool = False  # not a file of JSON text at all (bad input, not a refusal)


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
    """Judge the file as ``cpo validate`` does (``domain.case_files``), then record it whole
    or not at all; a refusal names the file and why (``unreadable``: not UTF-8 JSON)."""
    try:
        found, _ = judge_case_file(path.read_bytes(), as_of.astimezone(LONDON).date())
    except (OSError, UnreadableFile) as error:
        reason = error.strerror if isinstance(error, OSError) else str(error)
        return ImportResult(path, ImportStatus.FAILED, error=f"{path.name}: {reason}",
                            unreadable=True)  # fmt: skip
    except DomainError as error:
        return ImportResult(path, ImportStatus.FAILED, error=f"{path.name}: {error}")
    history = found.history
    try:
        repository.open_case(
            history, recorded_by=recorded_by, source=Source.IMPORT, as_of=as_of,
            facts=found.child_facts,
        )  # fmt: skip
    except CaseExists:
        return _already_recorded(repository, path, found)
    except DomainError as error:  # a rule, an unknown profile: this file only, then the next
        message = f"{path.name}: {error}"
        return ImportResult(path, ImportStatus.FAILED, history.reference, error=message)
    return ImportResult(path, ImportStatus.IMPORTED, history.reference, len(history.events))


def import_path(
    repository: CaseRepository, path: Path, *, recorded_by: str, as_of: datetime
) -> Iterator[ImportResult]:
    for file in history_files(path):
        yield import_file(repository, file, recorded_by=recorded_by, as_of=as_of)


def _already_recorded(repository: CaseRepository, path: Path, found: CaseFile) -> ImportResult:
    """The same events (and, where the file gives them, the same children's facts) are
    already recorded: nothing to do. An import never overwrites: ``cpo children set`` does."""
    history = found.history
    recorded, _ = repository.load(history.reference)
    if recorded != history:
        message = f"{path.name}: case {history.reference} is already recorded with other events"
        return ImportResult(path, ImportStatus.FAILED, history.reference, error=message)
    if found.child_facts:
        kept = set(repository.child_facts_of(history.reference, read_by=None))
        if not set(found.child_facts) <= kept:
            message = (
                f"{path.name}: case {history.reference} is already recorded with other "
                "child facts (cpo children set changes them)"
            )
            return ImportResult(path, ImportStatus.FAILED, history.reference, error=message)
    return ImportResult(path, ImportStatus.UNCHANGED, history.reference, len(history.events))


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


def export_text(
    repository: CaseRepository,
    reference: str,
    redact: bool = False,
    *,
    facts_for: str | None = None,
) -> str:
    """The canonical file; ``redact``: without names, contacts or dates of birth; with
    ``facts_for`` (who asks: the read is audited), the children's personal facts too."""
    history, _ = repository.load(reference)
    if redact:
        return dumps_case_file(redacted(history))
    if facts_for is None:
        return dumps_case_file(history)
    return dumps_case_file(history, repository.child_facts_of(reference, read_by=facts_for))


def export_file_name(reference: str) -> str:
    """A reference may contain '/', so it is quoted: distinct references, distinct names."""
    return quote(reference, safe="") + SUFFIX


def export_all(
    repository: CaseRepository,
    folder: Path,
    redact: bool = False,
    *,
    facts_for: str | None = None,
) -> Iterator[Path]:
    """Every case, one file each, readable by their owner only (names are in the events)."""
    private_folder(folder)
    for summary in repository.list_cases():
        target = folder / export_file_name(summary.reference)
        write_private(
            target, export_text(repository, summary.reference, redact, facts_for=facts_for)
        )
        yield target
