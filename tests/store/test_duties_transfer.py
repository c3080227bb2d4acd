"""The events of the duties beyond the timescales travel in case history files like every
other: a case run to time of each profile, every new kind of event in it, is imported whole
(its checks made at recording included) and exported back byte for byte."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from domain.history import dumps_history
from domain.profiles import profile_names
from domain.punctual import punctual_history
from domain.store.repository import CaseRepository
from domain.store.transfer import ImportStatus, export_text, import_file
from domain.synthetic import as_of_moment

NEW = {"apologies_sent", "access_plan_agreed", "risk_decided", "shared_with_family"}


@pytest.mark.parametrize("profile", profile_names())
def test_a_case_run_to_time_imports_whole_and_exports_the_same_bytes(
    profile: str, repository: CaseRepository, tmp_path: Path
) -> None:
    history = punctual_history(6, "CP-7", profile, days=400)  # a seed with them all
    assert {e.type for e in history.events} >= NEW
    text = dumps_history(history)
    path = tmp_path / "case.json"
    path.write_text(text, encoding="utf-8")
    imported = as_of_moment(history.events[-1].on + timedelta(days=1))
    result = import_file(repository, path, recorded_by="admin", as_of=imported)
    assert (result.status, result.events) == (ImportStatus.IMPORTED, len(history.events))
    assert export_text(repository, "CP-7") == text
