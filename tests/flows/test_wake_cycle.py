"""The case run's wake, every path of its decision, with a fake that records what it was asked."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from domain.store import Standing
from flows.case_form import NOTHING, CaseWake
from flows.case_lifecycle import wake_cycle
from flows.clock_source import LONDON
from flows.suspend_keys import SuspendKey
from services.run_labels import RunLabel, label_of


@dataclass(frozen=True)
class Page:
    """What the fake publishes: the case page's sequence number is all a wake reads of it."""

    seq: int


@dataclass
class FakeSteps:
    closed: bool = False
    seq: int = 7
    inputs: dict[str, CaseWake] = field(default_factory=dict)
    done: list[tuple[str, object]] = field(default_factory=list)

    def resumed_with(self, key: SuspendKey) -> CaseWake:
        self.done.append(("resumed_with", str(key)))
        return self.inputs[str(key)]

    def adopt(self, reference: str) -> None:
        self.done.append(("adopt", reference))

    def acknowledge(self, reference: str, chosen: tuple[str, str], as_of: datetime) -> None:
        self.done.append(("acknowledge", chosen))

    def void(
        self, reference: str, chosen: tuple[int, str, str], person: str, as_of: datetime
    ) -> None:
        self.done.append(("void", chosen))

    def refresh(self, reference: str, as_of: datetime) -> Standing:
        self.done.append(("refresh", as_of))
        return Standing(closed=self.closed, next_wake=None, dispatches=())

    def deliver(self, as_of: datetime) -> int:
        self.done.append(("deliver", as_of))
        return 0

    def publish(self, reference: str, as_of: datetime) -> Page:
        self.done.append(("publish", as_of))
        return Page(self.seq)

    def label(self, page: Page, is_open: bool) -> RunLabel:
        self.done.append(("label", is_open))
        return label_of(None, "team-north", is_open)

    def suspend(self, key: SuspendKey, page: Page, label: RunLabel) -> None:
        self.done.append(("suspend", str(key)))

    def names(self) -> list[str]:
        return [name for name, _ in self.done]


def test_a_first_run_adopts_the_case_wakes_as_of_its_parameter_and_suspends_as_wake_1() -> None:
    steps = FakeSteps(seq=3)
    outcome = wake_cycle("CP-1", "2025-03-10T09:30", set(), steps)
    assert steps.names() == ["adopt", "refresh", "deliver", "publish", "label", "suspend"]
    assert ("refresh", datetime(2025, 3, 10, 9, 30, tzinfo=LONDON)) in steps.done
    assert outcome.suspended_as == SuspendKey(1, 3)
    assert steps.done[-1] == ("suspend", "wake-1-seq-3")


def test_a_resumed_run_reads_only_its_latest_wake_and_never_replays_the_earlier_ones() -> None:
    steps = FakeSteps(seq=9, inputs={"wake-3-seq-8": CaseWake(as_of="2025-04-01")})
    fired = {"wake-1-seq-1", "wake-2-seq-5", "wake-3-seq-8"}
    outcome = wake_cycle("CP-1", "2025-01-06", fired, steps)
    assert steps.done[0] == ("resumed_with", "wake-3-seq-8")
    assert steps.names().count("refresh") == 1
    assert "adopt" not in steps.names()  # the store already points at this run
    assert outcome.as_of == datetime(2025, 4, 1, 12, 0, tzinfo=LONDON)
    assert steps.done[-1] == ("suspend", "wake-4-seq-9")


def test_a_wake_with_nothing_new_still_takes_a_fresh_key() -> None:
    steps = FakeSteps(seq=8, inputs={"wake-3-seq-8": CaseWake(as_of="2025-04-02")})
    wake_cycle("CP-1", None, {"wake-3-seq-8"}, steps)
    assert steps.done[-1] == ("suspend", "wake-4-seq-8")


def test_an_acknowledgement_in_the_resume_form_is_recorded_before_the_wake_derives() -> None:
    chosen = CaseWake(
        as_of="2025-04-02",
        acknowledge="R-T5:cg-3 · Core group minutes and plan circulated (core group cg-3)",
        acting_person="tm",
    )
    steps = FakeSteps(inputs={"wake-1-seq-1": chosen})
    wake_cycle("CP-1", None, {"wake-1-seq-1"}, steps)
    assert steps.names()[:3] == ["resumed_with", "acknowledge", "refresh"]
    assert ("acknowledge", ("R-T5:cg-3", "tm")) in steps.done


def test_a_resume_with_nothing_chosen_records_nothing() -> None:
    steps = FakeSteps(inputs={"wake-1-seq-1": CaseWake(acknowledge=NOTHING)})
    wake_cycle("CP-1", None, {"wake-1-seq-1"}, steps)
    assert "acknowledge" not in steps.names()


def test_a_closed_case_completes_instead_of_suspending() -> None:
    steps = FakeSteps(closed=True, inputs={"wake-2-seq-4": CaseWake(as_of="2025-06-26")})
    outcome = wake_cycle("CP-1", None, {"wake-1-seq-1", "wake-2-seq-4"}, steps)
    assert outcome.closed and outcome.suspended_as is None
    assert "suspend" not in steps.names()
    assert "publish" in steps.names()  # the final timeline is still published
    assert "label" in steps.names()  # and its drift tags cleared


def test_keys_that_are_not_ours_are_ignored() -> None:
    steps = FakeSteps(seq=2)
    wake_cycle("CP-1", "2025-01-06", {"1", "some-uuid"}, steps)
    assert steps.names()[0] == "adopt"
    assert steps.done[-1] == ("suspend", "wake-1-seq-2")


def test_a_void_chosen_in_the_resume_form_is_recorded_before_the_wake_derives() -> None:
    chosen = CaseWake(
        as_of="2025-04-02",
        void="#7 · visit by sw: seen c1 · Tue 1 Apr 2025",
        void_reason="typed twice",
        void_authorised_by="tm · team manager",
    )
    steps = FakeSteps(inputs={"wake-1-seq-1": chosen})
    wake_cycle("CP-1", None, {"wake-1-seq-1"}, steps)
    assert steps.names()[:3] == ["resumed_with", "void", "refresh"]
    assert ("void", (7, "typed twice", "tm")) in steps.done
