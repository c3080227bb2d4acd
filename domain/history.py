"""The case history file: the import/export format (a case header plus its events, in order).

``dumps_history`` is canonical (two-space indented JSON, keys in model order,
a final newline), so ``dumps_history(loads_history(text)) == text`` for any file
it wrote: exports are byte-for-byte stable.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict

from domain import strict_json
from domain.events import Event

REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./-]{0,63}")
NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def _reference(value: str) -> str:
    # The shape every stored reference has; a new case's must also be in the authority's
    # shape (``domain.references``), checked when it is opened.
    if not REFERENCE.fullmatch(value):
        raise ValueError("a case reference is letters, digits and - _ . / (up to 64)")
    return value


def _team(value: str) -> str:
    if not NAME.fullmatch(value):
        raise ValueError("a team is lowercase letters, digits and dashes (up to 64): team-north")
    return value


def _profile(value: str) -> str:
    if not NAME.fullmatch(value):
        raise ValueError("a profile is named in lowercase letters, digits and dashes: england")
    return value


class CaseHeader(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    reference: Annotated[str, AfterValidator(_reference)]
    profile: Annotated[str, AfterValidator(_profile)] = "england"
    team: Annotated[str, AfterValidator(_team)]


class CaseHistory(CaseHeader):
    events: tuple[Event, ...] = ()  # a case opens with its conference: a file has at least one

    @property
    def header(self) -> CaseHeader:
        return CaseHeader(reference=self.reference, profile=self.profile, team=self.team)


class _HistoryFile(CaseHistory):
    """A file may carry a ``child_facts`` section beside its events (``domain.child_facts``);
    it is the store's to read, so the history alone sets it aside rather than refusing it."""

    child_facts: tuple[dict[str, Any], ...] = ()


def loads_history(text: str) -> CaseHistory:
    """The history a file's text holds, read strictly (``domain.strict_json``): a
    ``BadJson`` or a pydantic ``ValidationError`` says what is wrong."""
    found = _HistoryFile.model_validate(strict_json.loads(text))
    return CaseHistory(
        reference=found.reference, profile=found.profile, team=found.team, events=found.events
    )


def load_history(path: str | Path) -> CaseHistory:
    return loads_history(strict_json.decode(Path(path).read_bytes()))


def dumps_history(history: CaseHistory) -> str:
    return json.dumps(history.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
