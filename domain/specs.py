"""One way to state an obligation: its rule, key, subject and dates; the rulebook says the rest.

The rule families (``domain.reviews``, ``domain.core_groups``, ``domain.visits``,
``domain.tracked``) call ``duty`` for each obligation they find; the title, the owner's role
and the kind of subject come from ``domain.rulebook.OBLIGATIONS`` by rule ID, the owner
from the case (the LP, the TM) unless the family names one, and any acknowledgement of its
escalation (R-E6) from the fold.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.case import CaseState
from domain.ladder import Spec
from domain.rulebook import OBLIGATIONS


def duty(
    state: CaseState,
    rule: str,
    key: str,
    subject: str,
    due: date,
    arose: date,
    *,
    owner: str | None = None,
    owner_role: str | None = None,
    title: str | None = None,
    **dates: Any,
) -> Spec:
    """The obligation ``key`` of ``rule``; ``dates`` are Spec's optional fields (met_on,
    discharged_on, due_at, met_at, chase_on, missed_only). ``owner_role``: where the profile
    names another owner than the rulebook's (R-T5's minutes: the LP in 001 and 003)."""
    entry = OBLIGATIONS[rule]
    role = owner_role or entry.owner_role
    if owner is None and role == "lead_professional":
        owner = state.lead_professional
    elif owner is None and role == "team_manager":
        owner = state.team_manager
    return Spec(
        key=key,
        rule=rule,
        title=title or entry.title,
        subject=subject,
        subject_kind=entry.subject_kind,
        owner_role=role,
        owner=owner,
        due=due,
        arose=arose,
        acknowledged_on=state.acknowledged.get(key) if state.acknowledged else None,
        **dates,
    )
