"""What a request is about, read from Prefect's own database in the server's process: which
flow a deployment runs, which case a run or a case page belongs to."""

from __future__ import annotations

from typing import Any
from uuid import UUID


async def deployment_flow(deployment_id: str) -> str | None:
    """The name of the flow a deployment runs (not the deployment's own name, which an
    operator may choose freely)."""
    models = _models()
    from prefect.server.database import provide_database_interface

    found = _uuid(deployment_id)
    if found is None:
        return None
    async with provide_database_interface().session_context() as session:
        deployment = await models.deployments.read_deployment(session=session, deployment_id=found)
        if deployment is None:
            return None
        flow = await models.flows.read_flow(session=session, flow_id=deployment.flow_id)
        return str(flow.name) if flow is not None else None


CASES_OF_RUNS: dict[str, str | None] = {}  # a run's parameters never change: asked once
KEPT = 10_000


async def run_case(flow_run_id: str) -> str | None:
    """The case a flow run is about: its ``reference`` parameter (a case run, a manual step)."""
    if flow_run_id in CASES_OF_RUNS:
        return CASES_OF_RUNS[flow_run_id]
    found = await _run_case(flow_run_id)
    if len(CASES_OF_RUNS) >= KEPT:
        CASES_OF_RUNS.clear()
    CASES_OF_RUNS[flow_run_id] = found
    return found


async def _run_case(flow_run_id: str) -> str | None:
    models = _models()
    from prefect.server.database import provide_database_interface

    found = _uuid(flow_run_id)
    if found is None:
        return None
    async with provide_database_interface().session_context() as session:
        run = await models.flow_runs.read_flow_run(session=session, flow_run_id=found)
        reference = (run.parameters or {}).get("reference") if run is not None else None
        return str(reference) if reference else None


async def artifact_case(artifact: str, by_key: bool = False) -> str | None:
    """The case whose page an artifact is (``case-<reference>``): its run's case."""
    models = _models()
    from prefect.server.database import provide_database_interface

    async with provide_database_interface().session_context() as session:
        if by_key:
            row = await models.artifacts.read_latest_artifact(session=session, key=artifact)
        else:
            found = _uuid(artifact)
            row = found and await models.artifacts.read_artifact(session=session, artifact_id=found)
        if not row or not str(row.key or "").startswith("case-") or row.flow_run_id is None:
            return None
        run_id = str(row.flow_run_id)
    return await run_case(run_id)


def _models() -> Any:
    # Prefect's model functions take their database through a decorator mypy cannot follow.
    from prefect.server import models

    return models


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None
