"""The dead-man switch's automation, as the Prefect server will read it (flows/alarm.py);
it fires on a real server in tests/e2e/test_clock_alarm.py."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import pytest

from flows.alarm import (
    AUTOMATION_NAME,
    DEFAULT_WITHIN,
    SUBJECT,
    AlarmNotInstalled,
    alarm_automation,
    install_alarm,
    window_words,
)


def test_it_expects_a_completed_clock_run_within_30_minutes_and_notifies_each_block() -> None:
    deployment, blocks = uuid4(), [uuid4(), uuid4()]
    automation = alarm_automation(deployment, blocks, DEFAULT_WITHIN, "https://cp.example")
    trigger = automation.trigger
    assert (trigger.posture.value, trigger.threshold, trigger.within) == (
        "Proactive", 1, timedelta(minutes=30)
    )  # fmt: skip
    assert trigger.expect == {"prefect.flow-run.Completed"}
    assert trigger.match_related.root == {
        "prefect.resource.role": "deployment",
        "prefect.resource.id": f"prefect.deployment.{deployment}",
    }
    assert [a.block_document_id for a in automation.actions] == blocks
    assert {a.subject for a in automation.actions} == {SUBJECT}
    body = automation.actions[0].body
    assert "in the last 30 minutes" in body
    assert f"https://cp.example/deployments/deployment/{deployment}" in body
    assert "{{" not in body  # the server renders it as a template: nothing for it to fill


@pytest.mark.parametrize(
    ("seconds", "words"), [(10, "10 seconds"), (60, "1 minute"), (1800, "30 minutes")]
)
def test_the_window_is_said_in_words(seconds: int, words: str) -> None:
    assert window_words(timedelta(seconds=seconds)) == words


class Client:
    """Only what install_alarm reads and writes."""

    def __init__(self, blocks: dict[str, bool]) -> None:
        self.blocks = blocks  # name -> can notify
        self.automations: dict[Any, Any] = {uuid4(): SimpleNamespace(name=AUTOMATION_NAME)}

    async def read_deployment_by_name(self, name: str) -> Any:
        return SimpleNamespace(id=uuid4())

    async def read_block_documents(self, include_secrets: bool) -> list[Any]:
        schema = {True: ["notify"], False: []}
        return [
            SimpleNamespace(id=uuid4(), name=name, block_schema=SimpleNamespace(capabilities=schema[can]))
            for name, can in self.blocks.items()
        ]  # fmt: skip

    async def read_automations_by_name(self, name: str) -> list[Any]:
        return [SimpleNamespace(id=k) for k, a in self.automations.items() if a.name == name]

    async def delete_automation(self, automation_id: Any) -> None:
        del self.automations[automation_id]

    async def create_automation(self, automation: Any) -> Any:
        new = uuid4()
        self.automations[new] = automation
        return new


def test_installing_again_replaces_the_automation_and_uses_the_blocks_that_exist() -> None:
    client = Client({"cpo-alarm-operations": True, "cpo-alarm-head-of-service": False})
    installed = asyncio.run(install_alarm(client, "http://ui"))
    assert installed.blocks == ("cpo-alarm-operations",)  # the other is not a notifier
    assert list(client.automations) == [installed.automation_id]


def test_with_no_notification_block_it_says_what_to_create() -> None:
    with pytest.raises(
        AlarmNotInstalled, match="cpo-alarm-head-of-service or cpo-alarm-operations"
    ):
        asyncio.run(install_alarm(Client({"something-else": True}), "http://ui"))
