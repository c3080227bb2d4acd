"""Who acts is stamped by the server (R-G2): a run a person starts carries their id in its
``recorded_by``, over anything typed, whichever way the UI sends the form; a role starts only
the deployments it may."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.access.conftest import SERVICE, Signed


def service(signed: Signed) -> dict[str, str]:
    return signed.csrf({"Authorization": "Basic " + base64.b64encode(SERVICE.encode()).decode()})


def deployment(signed: Signed, flow_name: str) -> str:
    headers = service(signed)
    flow = signed.client.post("/api/flows/", json={"name": flow_name}, headers=headers).json()
    made = signed.client.post("/api/deployments/", headers=headers, json={
        "name": flow_name, "flow_id": flow["id"], "enforce_parameter_schema": False,
    })  # fmt: skip
    assert made.status_code in (200, 201), made.text
    return str(made.json()["id"])


@pytest.fixture(scope="module")
def visit(signed: Signed) -> str:
    return deployment(signed, "record-visit")


def start(signed: Signed, deployment_id: str, roles: list[str], parameters: Any) -> Any:
    headers = signed.csrf(signed.as_person("adm-01", roles))
    return signed.client.post(f"/api/deployments/{deployment_id}/create_flow_run",
                              json={"parameters": parameters}, headers=headers)  # fmt: skip


@pytest.mark.parametrize(
    "sent",
    [
        {"reference": "CP-1", "recorded_by": "tm"},
        {"__prefect_kind": "json", "value": json.dumps({"reference": "CP-1", "recorded_by": "tm"})},
        {"reference": "CP-1", "recorded_by": {"__prefect_kind": "json", "value": '"tm"'}},
    ],
    ids=["typed", "the form's JSON view", "a wrapped value"],
)
def test_a_run_a_recorder_starts_records_them_whatever_was_typed(
    signed: Signed, visit: str, sent: Any
) -> None:
    run = start(signed, visit, ["recorder"], sent)
    assert run.status_code == 201, run.text
    assert run.json()["parameters"] == {"reference": "CP-1", "recorded_by": "adm-01"}


def test_another_wrapper_of_the_whole_form_is_refused(signed: Signed, visit: str) -> None:
    hidden = {"__prefect_kind": "workspace_variable", "variable_name": "someone"}
    refused = start(signed, visit, ["recorder"], hidden)
    assert refused.status_code == 403 and "parameters" in refused.json()["detail"]


@pytest.mark.parametrize("role", ["viewer", "data", "operator"])
def test_a_role_that_does_not_record_cannot_start_a_manual_step(
    signed: Signed, visit: str, role: str
) -> None:
    refused = start(signed, visit, [role], {"reference": "CP-1"})
    assert refused.status_code == 403
    assert role in refused.json()["detail"]


def test_the_report_records_who_asked_for_it(signed: Signed) -> None:
    reports = deployment(signed, "reports")
    run = start(signed, reports, ["data"], {"months": 12, "requested_by": "someone"})
    assert run.status_code == 201, run.text
    assert run.json()["parameters"] == {"months": 12, "requested_by": "adm-01"}
    assert start(signed, reports, ["recorder"], {}).status_code == 403
