"""Publishing what operations staff see in the Prefect UI: one page per case, the caseload.

The pages are ``tasks/pages.py``'s pure markdown. A case has ONE artifact, keyed by its
reference: each wake writes a new version and removes the versions before it from the run,
so the run's Artifacts tab holds the case as it is now, never a pile of stale copies.
"""

from __future__ import annotations

import re
from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.sorting import ArtifactSort

from services.case_page import CasePage, drift_words
from services.clock import Caseload
from tasks.pages import case_markdown, caseload_markdown

ARTIFACT_TASK: dict[str, Any] = dict(
    cache_policy=NO_CACHE,
    persist_result=False,
    retries=2,
    retry_delay_seconds=2,
    timeout_seconds=60,
)
CASELOAD_KEY = "caseload"


def artifact_key(*parts: str) -> str:
    """Prefect artifact keys allow lowercase letters, digits and dashes only."""
    return re.sub(r"[^a-z0-9]+", "-", "-".join(parts).lower()).strip("-")


def keep_latest(key: str) -> int:
    """Remove every version of ``key`` but the latest; returns how many went."""
    with get_client(sync_client=True) as client:
        versions = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
            sort=ArtifactSort.CREATED_DESC,
            limit=200,  # the API's maximum; a case gains one version a wake
        )
        for stale in versions[1:]:
            client.delete_artifact(stale.id)
    return max(len(versions) - 1, 0)


@task(name="publish-case-page", **ARTIFACT_TASK)
def publish_case_artifacts(page: CasePage) -> None:
    """The case's page: its drift and next deadline first, what is escalated and how to
    acknowledge it, its obligations, notices and timeline."""
    key = artifact_key("case", page.reference)
    create_markdown_artifact(
        key=key, markdown=case_markdown(page), description=drift_words(page.drift)
    )
    keep_latest(key)


@task(name="publish-caseload", **ARTIFACT_TASK)
def publish_caseload_artifact(caseload: Caseload) -> None:
    create_markdown_artifact(
        key=CASELOAD_KEY,
        markdown=caseload_markdown(caseload),
        description="Overdue obligations by team and stage, and every case behind them (R-E1)",
    )
    keep_latest(CASELOAD_KEY)
