"""A case history file judged as an import would record it: one function for ``cpo validate``
and ``cpo import`` (and a folder import, file by file), so the two never disagree (R-G3).

A file is judged in order: readable (UTF-8 JSON, strictly: ``domain.strict_json``), in the
format (``domain.child_facts.CaseFile``), then as recorded today: no event after today, every
event valid when recorded (``fold(..., new_from=0)``: opaque ids, plain text, plausible days,
the reference in the authority's shape), its children's facts one per child and each
consistent with the case. What a file cannot say alone (a case already recorded, a child on
another case's plan at the same time) is the store's to refuse on import.
"""

from __future__ import annotations

from datetime import date

from pydantic import ValidationError

from domain import strict_json
from domain.case import CaseState
from domain.child_facts import CaseFile, check_facts
from domain.errors import DomainError, RejectedFacts
from domain.plausible import check_entries, refuse_the_future
from domain.state import fold


class UnreadableFile(ValueError):
    """A file that is not UTF-8 JSON (bad input: exit 2); the message says why."""


class InvalidFile(DomainError):
    """A file that is JSON but not a case history file: the message names where and why."""


def read_case_file(raw: bytes) -> CaseFile:
    """The file's content in the format, or ``UnreadableFile`` / ``InvalidFile``."""
    try:
        found = strict_json.loads(strict_json.decode(raw))
    except strict_json.BadJson as error:
        raise UnreadableFile(str(error)) from None
    try:
        return CaseFile.model_validate(found)
    except ValidationError as error:
        raise InvalidFile(f"{invalid(error)} (R-G3)") from None


def judge_case_file(raw: bytes, today: date) -> tuple[CaseFile, CaseState]:
    """The file and its case's state, if an import would record it today; otherwise the
    first refusal (``UnreadableFile``, ``InvalidFile``, ``RejectedEvent``, ``RejectedFacts``,
    a ``ProfileError``...)."""
    found = read_case_file(raw)
    refuse_the_future(found.events, today)
    check_entries(found.history)
    state = fold(found.history, new_from=0)  # as an import records it: every event new
    children = [facts.child for facts in found.child_facts]
    for facts in found.child_facts:
        if children.count(facts.child) > 1:
            raise RejectedFacts(facts.child, "child", "R-G3", "one set of facts per child")
        check_facts(facts, state)
    return found, state


def invalid(error: ValidationError) -> str:
    """Where the file breaks the format, and how: inside an event, that event's index."""
    problems = []
    for detail in error.errors()[:3]:
        location = detail["loc"]
        if len(location) >= 2 and location[0] == "events":
            where = f"event {location[1]}: " + ".".join(str(part) for part in location[3:])
        else:
            where = ".".join(str(part) for part in location) or "file"
        problems.append(f"{where}: {_message(detail)}")
    more = f" (and {error.error_count() - 3} more)" if error.error_count() > 3 else ""
    return "; ".join(problems) + more


def _message(detail: object) -> str:
    """Pydantic's words, with our own reason where a validator gave one (R-G3)."""
    message = str(detail["msg"])  # type: ignore[index]
    return message.removeprefix("Value error, ")
