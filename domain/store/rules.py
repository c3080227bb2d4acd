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
from domain.history import CaseHistory
from domain.obligations import CaseView, derive, known_at, view
from domain.profiles import calendar_for, load_profile
from domain.state import fold
from domain.summary import Drift, OpenObligation, drift, open_obligations
from domain.timescales import business_moment


@dataclass(frozen=True)
class Standing:
    closed: bool
    next_wake: datetime | None
    dispatches: tuple[Dispatch, ...]
    obligations: tuple[OpenObligation, ...] = ()
    drift: Drift | None = None
    queued: tuple[str, ...] = ()  # the outbox keys this wake added (R-E1: each rung once)


class CaseRules(Protocol):
    def standing(self, history: CaseHistory, as_of: datetime) -> Standing:
        """Validate the whole history (RejectedEvent naming the event index) and derive."""
        ...

    def view(self, history: CaseHistory, as_of: datetime) -> CaseView: ...


class DomainRules:
    """The real rules: ``domain.state.fold`` validates, ``domain.obligations`` derives."""

    def standing(self, history: CaseHistory, as_of: datetime) -> Standing:
        policy = load_profile(history.profile)  # by name at the edge, then passed down
        state = fold(history, policy)  # every event validated, whatever its date
        known = known_at(history, as_of)
        current = state if known is history else fold(known, policy)
        calendar = calendar_for(policy)
        case_view = derive(current, policy, calendar, as_of, history=False)
        next_wake = case_view.next_wake
        if known is not history and not state.closed:
            # An event dated after as_of becomes known on its day: wake then.
            first_unknown = business_moment(history.events[len(known.events)].on, policy)
            next_wake = min(next_wake, first_unknown) if next_wake else first_unknown
        found = open_obligations(case_view, calendar)
        review = case_view.review
        return Standing(
            closed=state.closed,
            next_wake=next_wake,
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
