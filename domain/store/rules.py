"""What the store asks of the domain: is this history valid, and what follows from it.

The store keeps only a case's standing (open or closed, when to wake it, what should be in
the outbox); everything else is derived again from the events whenever it is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.dispatch import Dispatch
from domain.history import CaseHistory
from domain.obligations import CaseView, view
from domain.state import fold


@dataclass(frozen=True)
class Standing:
    closed: bool
    next_wake: datetime | None
    dispatches: tuple[Dispatch, ...]


class CaseRules(Protocol):
    def standing(self, history: CaseHistory, as_of: datetime) -> Standing:
        """Validate the whole history (RejectedEvent naming the event index) and derive."""
        ...

    def view(self, history: CaseHistory, as_of: datetime) -> CaseView: ...


class DomainRules:
    """The real rules: ``domain.state.fold`` validates, ``domain.obligations.view`` derives."""

    def standing(self, history: CaseHistory, as_of: datetime) -> Standing:
        state = fold(history)  # every event validated, whatever its date
        case_view = self.view(history, as_of)  # the domain's view: events after as_of unknown
        return Standing(
            closed=state.closed,
            next_wake=case_view.next_wake,
            dispatches=tuple(case_view.dispatches),
        )

    def view(self, history: CaseHistory, as_of: datetime) -> CaseView:
        return view(history, as_of)
