"""prefect.yaml: every deployment points at a real flow, enforces its parameter schema, and
runs on the process pool; the clock is scheduled every 15 minutes in Europe/London."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import yaml
from prefect import Flow

from flows.case_steps import CASE_STEPS
from flows.manual_steps import MANUAL_STEPS

PROJECT = Path(__file__).resolve().parents[2]


def deployments() -> list[dict[str, Any]]:
    config = yaml.safe_load((PROJECT / "prefect.yaml").read_text())
    return list(config["deployments"])


def test_every_deployment_names_its_flow_and_enforces_its_parameter_schema() -> None:
    for deployment in deployments():
        path, name = deployment["entrypoint"].split(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        flow = getattr(module, name)
        assert isinstance(flow, Flow)
        assert flow.name == deployment["name"]
        assert deployment["enforce_parameter_schema"] is True
        assert deployment["work_pool"]["name"] == "cpo-process"


def test_every_manual_step_has_a_deployment() -> None:
    names = {d["name"] for d in deployments()}
    assert {step.name for step in (*MANUAL_STEPS, *CASE_STEPS)} <= names
    assert {"case-lifecycle", "clock"} <= names


def test_the_clock_ticks_every_15_minutes_in_london() -> None:
    (clock,) = [d for d in deployments() if d["name"] == "clock"]
    assert clock["schedules"] == [
        {"cron": "*/15 * * * *", "timezone": "Europe/London", "active": True}
    ]


def test_every_manual_step_form_is_a_json_schema() -> None:
    for step in (*MANUAL_STEPS, *CASE_STEPS):
        schema = step.parameters.model_dump()
        assert "reference" in schema["properties"] and "reference" in schema["required"]
        assert "recorded_by" not in schema["properties"]  # stamped by the sign-in layer


def test_the_reports_run_on_the_first_days_of_each_month_in_london_and_check_the_day() -> None:
    (reports,) = [d for d in deployments() if d["name"] == "reports"]
    assert reports["schedules"] == [
        {
            "cron": "0 7 1-7 * *",
            "timezone": "Europe/London",
            "active": True,
            "parameters": {"scheduled": True},
        }
    ]
