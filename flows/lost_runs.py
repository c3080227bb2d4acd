"""Lost runs let go within minutes: a Prefect automation that marks a flow run Crashed when
it stops giving signs of life, so a worker lost with its machine frees its work-pool slots
at once instead of at the clock's next sweep (``tasks/run_control.py``, 30 minutes).

The work pool's and the ``case-wakes`` queue's limits count the runs that are Pending or
Running (Prefect 3.9 computes the slots free from the runs' states; no lease of ours to
expire). A run whose process died with its worker stays Running for ever, holding its
slot, and the morning's resumed wakes queue behind it. Every deployed run sends a
heartbeat event every ``HEARTBEAT_SECONDS`` (``PREFECT_FLOWS_HEARTBEAT_FREQUENCY``, on every
worker; Prefect's least is 30 s): the automation expects, after a run is taken (Pending,
Submitting), starts (Running) or beats, another sign from it (a beat, or any state: Suspended,
Completed, Rejected...) within ``DEFAULT_WITHIN``; with none, the server sets it Crashed, and the
clock's next tick gives its case a new run (the store is the truth: nothing is lost or
repeated). A run that was only slow is replaced the same way, harmlessly.

The check runs on the Prefect server, so it works with every worker gone. Install it with
``cpo lost-runs install`` after each deploy (``deploy/systemd/cpo-setup.service``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

AUTOMATION_NAME = "cpo-lost-runs"
HEARTBEAT_SECONDS = 30
# Two beats and a half: a beat late on a busy machine is not a loss; a lost worker's slots
# are free within about a minute and a half of its last beat.
DEFAULT_WITHIN = timedelta(seconds=75)
# What says a process is now answerable for a run (each state by its name: a worker takes a
# run as "Pending", then "Submitting" while it starts its process; "Retrying" runs again;
# "Cancelling" waits for its worker to stop it). Each must be followed by another sign.
SIGNS_OF_LIFE = {
    "prefect.flow-run.Pending",
    "prefect.flow-run.Submitting",
    "prefect.flow-run.Running",
    "prefect.flow-run.Retrying",
    "prefect.flow-run.Cancelling",
    "prefect.flow-run.heartbeat",
}
MESSAGE = (
    "Lost: no sign of life for {seconds} s (its worker or machine is gone); the clock's next "
    "tick gives the case a new run"
)


def lost_runs_automation(within: timedelta = DEFAULT_WITHIN) -> Any:
    """The automation (a ``prefect.events.schemas.automations.AutomationCore``): per flow run
    of a deployment, a proactive trigger after each sign of life, expecting another."""
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

    trigger = EventTrigger(
        match={"prefect.resource.id": "prefect.flow-run.*"},
        match_related={"prefect.resource.role": "deployment"},  # run by a worker
        after=SIGNS_OF_LIFE,
        expect={"prefect.flow-run.*"},  # a beat, or any state it moves to
        for_each={"prefect.resource.id"},
        posture=Posture.Proactive,
        threshold=1,
        within=within,
    )
    crash = ChangeFlowRunState(
        state=StateType.CRASHED, message=MESSAGE.format(seconds=int(within.total_seconds()))
    )
    return AutomationCore(
        name=AUTOMATION_NAME,
        description="A flow run that stops giving signs of life is Crashed, freeing its slot.",
        enabled=True,
        trigger=trigger,
        actions=[crash],
    )


async def install_lost_runs(client: Any, within: timedelta = DEFAULT_WITHIN) -> UUID:
    """Install (or replace) the automation through ``client`` (a Prefect client)."""
    for old in await client.read_automations_by_name(AUTOMATION_NAME):
        await client.delete_automation(old.id)
    found: UUID = await client.create_automation(lost_runs_automation(within))
    return found
