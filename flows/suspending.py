"""Suspending a case run with what people should see on the Runs page.

Prefect's ``suspend_flow_run`` (prefect/flow_runs.py) proposes a bare Suspended state; this
is the same sequence with the state's message set to the case's drift ("3 overdue, worst:
escalated to the team manager since Mon 30 Nov; next deadline Tue 1 Dec") and the form the
run waits for. It relies on the same Prefect helpers, so a Prefect upgrade is checked by the
end-to-end tests that suspend and resume real runs.
"""

from __future__ import annotations

from prefect._flow_run_suspension import mark_flow_run_suspension_requested
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import State
from prefect.context import FlowRunContext
from prefect.exceptions import Pause
from prefect.input import RunInput, keyset_from_paused_state
from prefect.states import Paused, Suspended
from prefect.utilities.engine import propose_state_sync


def suspend_with(key: str, form: type[RunInput], message: str, name: str = "Suspended") -> None:
    """Suspend the current run (no timeout) under ``key``, waiting for ``form``; ``name`` is
    what the Runs page shows (services/run_labels.py): a PAUSED state of any name resumes
    alike, the server's rules reading its type and details, never its name."""
    context = FlowRunContext.get()
    if context is None or context.flow_run is None:
        raise RuntimeError("only a flow run can suspend itself")
    flow_run_id = context.flow_run.id
    # ``Suspended`` is a PAUSED state that reschedules on resume, named "Suspended".
    proposed: State[None] = Paused(reschedule=True, pause_key=key, message=message, name=name)
    # The form's keys are named after a state called "Suspended", whatever this one is
    # called: a resumed run reads its input back under them (prefect/flow_runs.py).
    keyset = keyset_from_paused_state(Suspended(pause_key=key))
    proposed.state_details.run_input_keyset = {str(k): v for k, v in keyset.items()}
    with get_client(sync_client=True) as client:
        state = propose_state_sync(client=client, state=proposed, flow_run_id=flow_run_id)
        if not state.is_paused():
            raise RuntimeError(f"the case run could not suspend: {state.type.value}")
        form.save(keyset)
    mark_flow_run_suspension_requested(flow_run_id, state)
    raise Pause(state=state)
