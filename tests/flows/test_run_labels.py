"""The clock's relabelling against a fake Prefect client that records what it was asked:
a suspended run gets its tags and a renamed state with the very same details (its pause key
and resume form), an awake run is left to its wake, and a resume that landed mid-relabel is
repeated."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from prefect.client.schemas.objects import FlowRun, FlowRunPolicy, State, StateDetails, StateType

from domain.ladder import LONDON
from domain.store.labels import CaseDrift
from domain.summary import Drift
from services.run_labels import label_of
from tasks.run_labels import relabel

NOW = datetime(2026, 12, 1, 12, tzinfo=LONDON)
KEYSET = {"response": "suspended-wake-3-seq-9-response", "schema": "suspended-wake-3-seq-9-schema"}


def run(kind: StateType = StateType.PAUSED, resuming: bool = False) -> FlowRun:
    details = StateDetails(pause_key="wake-3-seq-9", pause_reschedule=True,
                           run_input_keyset=KEYSET)  # fmt: skip
    return FlowRun(
        id=uuid4(), name="CP-1", flow_id=uuid4(), tags=["case", "team:team-east"],
        state=State(type=kind, name="On track", message="Nothing overdue",
                    state_details=details),
        empirical_policy=FlowRunPolicy(resuming=resuming),
    )  # fmt: skip


@dataclass
class FakeClient:
    runs: dict[UUID, FlowRun]
    asked: list[tuple[str, Any]] = field(default_factory=list)
    resumed_meanwhile: set[UUID] = field(default_factory=set)

    def read_flow_runs(self, flow_run_filter: Any, limit: int) -> list[FlowRun]:
        return [
            self.runs[UUID(str(i))] for i in flow_run_filter.id.any_ if UUID(str(i)) in self.runs
        ]

    def update_flow_run(self, flow_run_id: UUID, tags: list[str]) -> None:
        self.asked.append(("tags", sorted(tags)))

    def set_flow_run_state(self, flow_run_id: UUID, state: State, force: bool) -> None:
        self.asked.append(("state", (state.type, state.name, state.state_details, force)))
        if flow_run_id in self.resumed_meanwhile:  # the forced state hid that resume
            resumed = FlowRunPolicy(resuming=True)
            self.runs[flow_run_id] = self.runs[flow_run_id].model_copy(
                update={"empirical_policy": resumed}
            )

    def resume_flow_run(self, flow_run_id: UUID, run_input: Any) -> None:
        self.asked.append(("resume", (flow_run_id, run_input)))


@dataclass
class FakeStore:
    stale: list[CaseDrift]
    recorded: list[tuple[str, str, str]] = field(default_factory=list)

    def drifts_as_of(self, as_of: datetime) -> list[CaseDrift]:
        return self.stale

    def record_labels(self, labels: list[tuple[str, str, str]], as_of: datetime) -> None:
        self.recorded += labels


def overdue_case(found: FlowRun) -> CaseDrift:
    return CaseDrift("CP-1", "team-east", str(found.id), Drift(as_of=NOW, overdue=1), None)


def relabelled(client: FakeClient, store: FakeStore) -> Any:
    @contextmanager
    def lend() -> Any:
        yield client

    return relabel(store, lend, NOW, concurrency=1)  # type: ignore[arg-type]


def test_a_suspended_run_is_renamed_with_the_same_pause_and_form_and_retagged() -> None:
    found = run()
    client, store = FakeClient({found.id: found}), FakeStore([overdue_case(found)])
    done = relabelled(client, store)
    label = label_of(Drift(as_of=NOW, overdue=1), "team-east")
    assert done.relabelled == 1 and done.resumed_again == 0
    assert ("tags", sorted(["case", "team:team-east", *label.tags])) in client.asked
    [(_, (kind, name, details, force))] = [a for a in client.asked if a[0] == "state"]
    assert (kind, name, force) == (StateType.PAUSED, "Overdue", True)
    assert details.pause_key == "wake-3-seq-9" and details.run_input_keyset == KEYSET
    assert details.pause_reschedule
    assert store.recorded == [("CP-1", str(found.id), label.key())]


def test_an_awake_run_is_left_to_its_own_wake() -> None:
    found = run(StateType.SCHEDULED)
    client, store = FakeClient({found.id: found}), FakeStore([overdue_case(found)])
    done = relabelled(client, store)
    assert (done.relabelled, done.awake) == (0, 1) and client.asked == []
    assert store.recorded == []


def test_a_resume_that_landed_while_the_state_was_replaced_is_repeated_without_input() -> None:
    found = run()
    client = FakeClient({found.id: found}, resumed_meanwhile={found.id})
    done = relabelled(client, FakeStore([overdue_case(found)]))
    assert done.resumed_again == 1 and ("resume", (found.id, None)) in client.asked
