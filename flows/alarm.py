"""The clock's dead-man switch: a Prefect automation that tells the head of service and
operations when no run of the clock has completed for 30 minutes.

Every reminder, escalation (R-E1, R-E6), chase (R-T10) and digest goes out from the clock's
tick. If the worker dies, the schedule is paused or the clock keeps failing, nothing is
sent and nothing says so: drift no one can see. The automation is a *proactive* trigger on
the Prefect server: it expects a ``prefect.flow-run.Completed`` event from the clock's
deployment within the window, and fires when none came. The server itself sends the alarm,
through Prefect notification blocks, so it goes out even when every worker is down (our own
notifications need a worker, so they cannot be the alarm).

The alarm goes to each notification block named in ``ALARM_BLOCKS`` that exists, of any kind
the authority uses (Microsoft Teams, Slack, SendGrid e-mail, a custom webhook...): create
them in the UI (Blocks), then run ``cpo alarm install``. The message names the clock and what
to check; it carries no case and no person (R-G1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

AUTOMATION_NAME = "cpo-clock-dead-man-switch"
CLOCK_DEPLOYMENT = "clock/clock"
# One block per audience: the head of service, and the operations team who run the system.
ALARM_BLOCKS = ("cpo-alarm-head-of-service", "cpo-alarm-operations")
DEFAULT_WITHIN = timedelta(minutes=30)

SUBJECT = "Child protection clock stopped: no reminders or escalations are going out"
BODY = """\
No run of the clock ({deployment}) has completed in the last {window}.

Reminders, escalations to team managers and heads of service, agency report chases and \
the daily digests all go out from the clock, so none is being sent. The cases' deadlines \
still pass.

Check, in this order:
1. the Prefect worker is running (Work pools: cpo-process);
2. the clock's schedule is active (Deployments: clock);
3. the clock's last runs (Runs, flow "clock"): a failed run names its error.

{link}
Sent by the Prefect server's automation "{automation}"; it fires again after the next \
window with no completed run."""


class AlarmNotInstalled(Exception):
    """The automation could not be installed: its message says what is missing."""


@dataclass(frozen=True)
class InstalledAlarm:
    automation_id: UUID
    blocks: tuple[str, ...]  # the notification blocks it sends to
    within: timedelta


def window_words(within: timedelta) -> str:
    seconds = int(within.total_seconds())
    if seconds % 60:
        return f"{seconds} seconds"
    return "1 minute" if seconds == 60 else f"{seconds // 60} minutes"


def alarm_automation(
    deployment_id: UUID, block_ids: list[UUID], within: timedelta, ui_url: str
) -> Any:
    """The automation (a ``prefect.events.schemas.automations.AutomationCore``): a proactive
    trigger on the clock deployment's completed runs, one notification per block."""
    from prefect.events.actions import SendNotification
    from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

    body = BODY.format(
        deployment=CLOCK_DEPLOYMENT,
        window=window_words(within),
        link=f"{ui_url}/deployments/deployment/{deployment_id}",
        automation=AUTOMATION_NAME,
    )
    trigger = EventTrigger(
        match={"prefect.resource.id": "prefect.flow-run.*"},
        match_related={
            "prefect.resource.role": "deployment",
            "prefect.resource.id": f"prefect.deployment.{deployment_id}",
        },
        expect={"prefect.flow-run.Completed"},
        posture=Posture.Proactive,
        threshold=1,
        within=within,
    )
    return AutomationCore(
        name=AUTOMATION_NAME,
        description="The clock's dead-man switch: no completed clock run within the window.",
        enabled=True,
        trigger=trigger,
        actions=[
            SendNotification(block_document_id=block, subject=SUBJECT, body=body)
            for block in block_ids
        ],
    )


async def install_alarm(
    client: Any,
    ui_url: str,
    within: timedelta = DEFAULT_WITHIN,
    blocks: tuple[str, ...] = ALARM_BLOCKS,
) -> InstalledAlarm:
    """Install (or replace) the dead-man switch through ``client`` (a Prefect client).
    Re-running it replaces the automation, so it is safe to run on every deploy."""
    from prefect.exceptions import ObjectNotFound

    try:
        deployment = await client.read_deployment_by_name(CLOCK_DEPLOYMENT)
    except ObjectNotFound as error:
        raise AlarmNotInstalled(
            f"no deployment {CLOCK_DEPLOYMENT}: deploy first (prefect deploy --all)"
        ) from error
    notifying = {
        doc.name: doc.id
        for doc in await client.read_block_documents(include_secrets=False)
        if doc.name in blocks
        and doc.block_schema is not None
        and "notify" in doc.block_schema.capabilities
    }
    if not notifying:
        raise AlarmNotInstalled(
            "no notification block named " + " or ".join(blocks) + ": create one in the "
            "Prefect UI (Blocks: Microsoft Teams, Slack, SendGrid e-mail, custom webhook...)"
        )
    for old in await client.read_automations_by_name(AUTOMATION_NAME):
        await client.delete_automation(old.id)
    named = tuple(name for name in blocks if name in notifying)
    automation = alarm_automation(deployment.id, [notifying[n] for n in named], within, ui_url)
    automation_id = await client.create_automation(automation)
    return InstalledAlarm(automation_id, named, within)


async def save_webhook_blocks(url: str, blocks: tuple[str, ...] = ALARM_BLOCKS) -> None:
    """A custom-webhook notification block per audience, each posting the alarm as JSON to
    ``url``: what the demo and the tests use (an authority picks its own kind of block)."""
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    for name in blocks:
        block = CustomWebhookNotificationBlock(
            name=name,
            url=url,
            json_data={"title": "{{subject}}", "body": "{{body}}", "alarm": name},
        )
        await block.asave(name, overwrite=True)
