"""The ``reports`` deployment on a real Prefect server and worker: on the month's first working
day it writes the timeliness report for its owner only, records that in the audit log, and
its artifact says where the file is and nothing of what is in it (R-G1, R-G2)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

from domain.store import CaseRepository
from scripts.driver import run_step, state_of
from scripts.prefect_stack import Stack
from tasks.reports import ARTIFACT_KEY

pytestmark = pytest.mark.slow


def test_the_reports_deployment_writes_the_report_and_says_only_where(
    stack: Stack, store: CaseRepository
) -> None:
    run = run_step("reports/reports", {"as_of": "2027-01-04", "scheduled": True})
    assert state_of(run.id) == "Completed"
    assert run.name == "reports-2027-01-04"
    report = Path(stack.env["CPO_REPORTS_DIR"]) / "timeliness-2026-12.html"
    assert stat.S_IMODE(os.stat(report).st_mode) == 0o600
    assert "<h1>Timeliness of child protection work</h1>" in report.read_text(encoding="utf-8")
    with get_client(sync_client=True) as client:
        (artifact,) = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[ARTIFACT_KEY]))
        )
    assert str(report.resolve()) in str(artifact.data)
    assert "%" not in str(artifact.data) and "<img" not in str(artifact.data)
    (entry,) = store.audit_log("timeliness_report")
    assert (entry.actor, entry.path) == ("reports-deployment", str(report.resolve()))
    assert set(run.parameters) == {"as_of", "scheduled"}


def test_a_scheduled_run_on_another_day_writes_nothing(stack: Stack) -> None:
    run = run_step("reports/reports", {"as_of": "2027-01-05", "scheduled": True})
    assert state_of(run.id) == "Completed"
    assert not (Path(stack.env["CPO_REPORTS_DIR"]) / "timeliness-2027-01.html").exists()
