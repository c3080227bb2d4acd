"""Tasks of the ``reports`` flow: write the timeliness report (``services.returns``), and tell
the Prefect UI where it is. The artifact names the file and the period, never its contents:
a report stays on the machine that wrote it, for its owner only (R-G1, R-G2)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact

from services import returns
from services.returns import Written
from tasks.artifacts import ARTIFACT_TASK
from tasks.store import STORE_TASK, repository

ARTIFACT_KEY = "timeliness-report"


@task(name="write-timeliness-report", **{**STORE_TASK, "timeout_seconds": 3600})
def write_timeliness_report(
    start: date, end: date, out: Path, generated_at: datetime, requested_by: str
) -> Written:
    return returns.write_timeliness_report(
        repository(), start, end, out, requested_by=requested_by, generated_at=generated_at
    )


def report_markdown(written: Written, start: date, end: date) -> str:
    """Where the report is, for whom, and what it covers: a path and counts, no figures."""
    return "\n".join(
        [
            "# Timeliness report",
            "",
            f"Obligations due {start:%d %b %Y} to {end:%d %b %Y}, "
            f"{written.counts.get('cases', 0)} case(s) read.",
            "",
            f"The report is at `{written.path.resolve()}` on the machine that ran this flow "
            f"([open it]({written.path.resolve().as_uri()})). It is readable by its owner only; "
            "its writing is in the store's audit log (`cpo audit`).",
            "",
        ]
    )


@task(name="publish-report-artifact", **ARTIFACT_TASK)
def publish_report_artifact(written: Written, start: date, end: date) -> None:
    create_markdown_artifact(
        key=ARTIFACT_KEY,
        markdown=report_markdown(written, start, end),
        description="Where the latest timeliness report is",
    )
