"""What the store asks of the domain: is this history valid, and what follows from it.

The store keeps a case's standing (open or closed, when to wake it, what should be in the
outbox) and its read model (its open obligations and its drift), written with every event
and every wake; everything else is derived again from the events whenever it is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.dispatch import Dispatch
from domain.errors import RejectedEvent
from domain.history import CaseHistory
from domain.ladder import LONDON
from domain.obligations import CaseView, derive, view
from domain.profiles import calendar_for, load_profile
from domain.recording import LateReason, check_late_entry
from domain.state import fold
from domain.summary import Drift, OpenObligation, drift, open_obligations
from domain.withdrawal import Pending, withdrawals


@dataclass(frozen=True)
class Standing:
    closed: bool
    next_wake: datetime | None
    dispatches: tuple[Dispatch, ...]
    obligations: tuple[OpenObligation, ...] = ()
    drift: Drift | None = None
    queued: tuple[str, ...] = ()  # the outbox keys this wake added (R-E1: each rung once)


class CaseRules(Protocol):
    def standing(
        self, history: CaseHistory, as_of: datetime, new_from: int | None = None
    ) -> Standing:
        """Validate the whole history (RejectedEvent naming the event index) and derive.
        ``new_from``: the first event being recorded now (``domain.state.fold``)."""
        ...

    def view(self, history: CaseHistory, as_of: datetime) -> CaseView: ...

    def recording(
        self,
        history: CaseHistory,
        as_of: datetime,
        new_from: int,
        late_reason: LateReason | None,
    ) -> tuple[int, ...]:
        """The checks of the events being recorded, from ``new_from``, that depend on when
        they are recorded (R-G3): none after today, and a reason for one recorded later than
        the profile allows. Returns each new event's recording lag, in working days."""
        ...

    def withdrawals(
        self, history: CaseHistory, as_of: datetime, pending: list[Pending]
    ) -> dict[str, str]:
        """Of the case's notices queued and not yet sent, those no longer owed, each with
        why (``domain.withdrawal``)."""
        ...


def refuse_the_future(history: CaseHistory, as_of: datetime, new_from: int = 0) -> None:
    """R-G3: nothing is recorded as having happened after today (one event dated in 2062
    would make every real event after it look out of order, and lock the case). Only the
    events being recorded, from ``new_from``: a view of the past is not a recording."""
    if not history.events:
        raise RejectedEvent("events", "R-LC1", "a case opens with its initial conference")
    today = as_of.astimezone(LONDON).date()
    for index, event in enumerate(history.events[new_from:], start=new_from):
        if event.on > today:
            raise RejectedEvent(
                "on", "R-G3", f"{event.on} is after today ({today}): record it on its day", index
            )


class DomainRules:
    """The real rules: ``domain.state.fold`` validates, ``domain.obligations`` derives."""

    def standing(
        self, history: CaseHistory, as_of: datetime, new_from: int | None = None
    ) -> Standing:
        if new_from is not None:
            refuse_the_future(history, as_of, new_from)
        policy = load_profile(history.profile)  # by name at the edge, then passed down
        state = fold(history, policy, new_from)  # every event validated
        calendar = calendar_for(policy)
        case_view = derive(state, policy, calendar, as_of, history=False)
        found = open_obligations(case_view, calendar)
        review = case_view.review
        return Standing(
            closed=state.closed,
            next_wake=case_view.next_wake,
            dispatches=tuple(case_view.dispatches),
            obligations=found,
            drift=drift(
                found,
                case_view.as_of,
                review.deadline if review else None,
                review.booked if review else None,
            ),
        )

    def view(self, history: CaseHistory, as_of: datetime) -> CaseView:
        return view(history, as_of)

    def recording(
        self,
        history: CaseHistory,
        as_of: datetime,
        new_from: int,
        late_reason: LateReason | None,
    ) -> tuple[int, ...]:
        refuse_the_future(history, as_of, new_from)
        policy = load_profile(history.profile)
        today = as_of.astimezone(LONDON).date()
        return tuple(
            check_late_entry(policy, event.on, today, late_reason, index)
            for index, event in enumerate(history.events[new_from:], start=new_from)
        )

    def withdrawals(
        self, history: CaseHistory, as_of: datetime, pending: list[Pending]
    ) -> dict[str, str]:
        policy = load_profile(history.profile)
        return withdrawals(fold(history, policy), policy, as_of, pending)
