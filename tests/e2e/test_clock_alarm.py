"""The clock's dead-man switch on a real Prefect server: quiet while the clock's runs
complete, and the head of service and operations alarmed once its schedule is paused
(``flows/alarm.py``). The window is 30 seconds here, 30 minutes in production."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import ThreadingHTTPServer
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment

from flows.alarm import (
    ALARM_BLOCKS,
    AUTOMATION_NAME,
    CLOCK_DEPLOYMENT,
    SUBJECT,
    install_alarm,
    save_webhook_blocks,
)
from scripts.driver import start_webhook
from scripts.prefect_stack import Stack

pytestmark = pytest.mark.slow

WINDOW = timedelta(seconds=30)


@pytest.fixture
def receiver() -> Iterator[ThreadingHTTPServer]:
    server, stop = start_webhook()
    yield server
    stop()


def alarms(receiver: ThreadingHTTPServer) -> list[dict[str, Any]]:
    return [body for body in receiver.received if body.get("title") == SUBJECT]  # type: ignore[attr-defined]


async def set_clock_schedule(active: bool) -> None:
    async with get_client() as client:
        deployment = await client.read_deployment_by_name(CLOCK_DEPLOYMENT)
        for schedule in await client.read_deployment_schedules(deployment.id):
            await client.update_deployment_schedule(deployment.id, schedule.id, active=active)


async def remove_alarm() -> None:
    async with get_client() as client:
        for automation in await client.read_automations_by_name(AUTOMATION_NAME):
            await client.delete_automation(automation.id)


def test_the_alarm_is_quiet_while_the_clock_ticks_and_fires_when_it_stops(
    stack: Stack, receiver: ThreadingHTTPServer
) -> None:
    url = f"http://127.0.0.1:{receiver.server_address[1]}/alarm"
    asyncio.run(save_webhook_blocks(url))

    async def install() -> Any:
        async with get_client() as client:
            return await install_alarm(client, "http://ui.example", WINDOW)

    alarm = asyncio.run(install())
    assert alarm.blocks == ALARM_BLOCKS
    try:
        # Healthy: a clock run completes every few seconds, more than one per window.
        ticks, healthy_until = 0, time.monotonic() + 2 * WINDOW.total_seconds()
        while time.monotonic() < healthy_until:
            run = run_deployment(CLOCK_DEPLOYMENT, timeout=120)
            assert run.state is not None and run.state.is_completed(), run.state
            ticks += 1
        assert ticks >= 4 and alarms(receiver) == []

        # Stopped: the schedule paused, no run completes; the alarm goes to both audiences.
        asyncio.run(set_clock_schedule(active=False))
        stopped = time.monotonic()
        deadline = stopped + WINDOW.total_seconds() * 3 + 30
        while time.monotonic() < deadline and len(alarms(receiver)) < len(ALARM_BLOCKS):
            time.sleep(1)
        waited = time.monotonic() - stopped
        sent = alarms(receiver)
        assert sorted(a["alarm"] for a in sent) == sorted(ALARM_BLOCKS), receiver.received  # type: ignore[attr-defined]
        assert waited >= WINDOW.total_seconds() * 0.5  # not before the window could pass
        body = sent[0]["body"]
        assert "No run of the clock (clock/clock) has completed in the last 30 seconds" in body
        assert "Work pools: cpo-process" in body and "http://ui.example/deployments/" in body
        assert "CP-" not in body and "CASE-" not in body  # names no case (R-G1)
    finally:
        asyncio.run(remove_alarm())
        asyncio.run(set_clock_schedule(active=True))
