"""Which notices queued and not yet sent are no longer owed, and why (R-E1, R-G3).

An entry recorded late, or a correction, changes the case's story: an obligation may now be
met (a core group held on the day, typed up the next), a deadline may have moved later (a
review booked), an escalation may have been acknowledged (R-E6), the event that raised a
notice may have been voided. Such a notice, queued and not yet sent, is withdrawn before it
can go; what was sent stays sent, and nothing is deleted. A pure function of the case's
state, its profile and ``as_of``, like every other rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from domain.case import CaseState
from domain.dispatch import Rung
from domain.ladder import Clock, Obligation, Status, settle
from domain.notices import notices
from domain.obligations import specs
from domain.profiles import PolicyProfile, calendar_for

_EVENT = re.compile(r":e(\d+)$")


@dataclass(frozen=True, slots=True)
class Pending:
    """An outbox row queued and not yet delivered: its key, its obligation (or notice) key
    and its rung."""

    key: str
    obligation: str
    rung: str


def withdrawals(
    state: CaseState, policy: PolicyProfile, as_of: datetime, pending: list[Pending]
) -> dict[str, str]:
    """The keys of ``pending`` no longer owed as of ``as_of``, each with the reason people
    read beside it."""
    if not pending:
        return {}
    clock = Clock(as_of, policy, calendar_for(policy), history=True)
    obligations = {o.key: o for o in (settle(spec, clock) for spec in specs(state, clock))}
    raised = {notice.key for notice in notices(state, clock)}
    found: dict[str, str] = {}
    for row in pending:
        if row.rung == Rung.NOTICE.value:
            reason = None if row.obligation in raised else _not_raised(state, row.obligation)
        else:
            reason = _not_owed(obligations.get(row.obligation), row.rung, clock)
        if reason is not None:
            found[row.key] = reason
    return found


def _not_raised(state: CaseState, key: str) -> str:
    number = _EVENT.search(key)
    if number is not None and int(number.group(1)) + 1 in state.voided:
        return f"withdrawn: the event that raised it (event {int(number.group(1)) + 1}) was voided"
    return "withdrawn: it no longer follows from the case's events"


def _not_owed(obligation: Obligation | None, rung: str, clock: Clock) -> str | None:
    """None while the rung is still owed: its obligation open and the rung fallen."""
    if obligation is None:
        return "withdrawn: the obligation no longer arises from the case's events"
    if obligation.status is Status.MET and obligation.met_on is not None:
        return f"withdrawn: met on {obligation.met_on.isoformat()}"
    if obligation.status is Status.DISCHARGED and obligation.discharged_on is not None:
        return f"withdrawn: discharged on {obligation.discharged_on.isoformat()} (plan ended)"
    fallen = {r.value for r, moment in obligation.schedule if moment <= clock.as_of}
    if rung in fallen:
        return None
    if rung == Rung.ESCALATION_FINAL.value and obligation.acknowledged_on is not None:
        acknowledged = obligation.acknowledged_on.isoformat()
        return f"withdrawn: the escalation was acknowledged on {acknowledged} (R-E6)"
    return f"withdrawn: not due yet (due {obligation.due.isoformat()})"
