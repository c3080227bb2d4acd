"""The case history file: the import/export format (a case header plus its events, in order).

``dumps_history`` is canonical (two-space indented JSON, keys in model order,
a final newline), so ``dumps_history(loads_history(text)) == text`` for any file
it wrote: exports are byte-for-byte stable.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain.events import Event


class CaseHeader(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    reference: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_./-]*$")
    profile: str = Field("england", max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
    team: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")


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
    found = _HistoryFile.model_validate_json(text)
    return CaseHistory(
        reference=found.reference, profile=found.profile, team=found.team, events=found.events
    )


def load_history(path: str | Path) -> CaseHistory:
    return loads_history(Path(path).read_text(encoding="utf-8"))


def dumps_history(history: CaseHistory) -> str:
    return json.dumps(history.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
