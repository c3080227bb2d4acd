"""Obligations of the things a case tracks one by one: assessments (R-T14), concerns raised
orally (R-T15), the plan's actions (R-P2) and the team manager's decision on each risk
raised (R-E2)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from domain.case import CaseState
from domain.ladder import LONDON, Clock, Spec
from domain.specs import duty


def assessments(state: CaseState, clock: Clock) -> Iterator[Spec]:
    """R-T14: completed within N WD of its start."""
    within = clock.profile.assessment_within_wd
    for assessment, (child, started, completed) in state.assessments.items():
        yield duty(
            state, "R-T14", f"R-T14:{assessment}", f"assessment {assessment}",
            clock.calendar.add(started, within), started, met_on=completed,
            discharged_on=state.children[child].plan_end or state.closed_on,
        )  # fmt: skip


def concerns(state: CaseState, clock: Clock) -> Iterator[Spec]:
    """R-T15: a concern raised orally is confirmed in writing within N hours."""
    hours = clock.profile.concern_confirm_hours
    for concern, (member, raised, confirmed) in state.concerns.items():
        due_at = raised + timedelta(hours=hours)
        yield duty(
            state, "R-T15", f"R-T15:{concern}", f"concern {concern}",
            due_at.astimezone(LONDON).date(), raised.date(), owner=member, due_at=due_at,
            met_on=confirmed.date() if confirmed else None, met_at=confirmed,
            discharged_on=state.closed_on,
        )  # fmt: skip


def actions(state: CaseState, clock: Clock) -> Iterator[Spec]:
    """R-P2: every action has an owner and a due date, and is an obligation like any other."""
    for action, set_on, done in state.actions.values():
        yield duty(
            state, "R-P2", f"R-P2:{action.id}", f"action {action.id}", action.due, set_on,
            owner=action.owner, met_on=done, discharged_on=state.closed_on,
        )  # fmt: skip


def risks(state: CaseState, clock: Clock) -> Iterator[Spec]:
    """R-E2: risk not reduced, or the plan not working, goes to the LP's team manager for a
    decision (000), "without delay" (001), "immediately" (003 §1.5.1): the decision is owed
    within the profile's working days and met by the first the TM records on or after it."""
    within = clock.profile.risk_decision_within_wd
    for position, raised, member in state.risks:
        decided = next((day for day in state.risk_decisions if day >= raised), None)
        due = clock.calendar.add(raised, within) if within else raised
        yield duty(
            state, "R-E2", f"R-E2:decision:e{position}", f"risk raised by member {member}", due, raised,
            met_on=decided, discharged_on=state.closed_on,
        )  # fmt: skip
