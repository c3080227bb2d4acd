"""Who hears of each rung (R-E1) and how an obligation becomes an outbox dispatch.

The LP's notices go to the cover worker while cover is in force (R-E5). A
dispatch carries member ids and their own contact URLs, never names (R-G1).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from domain.calendar import WorkingDayCalendar
from domain.dispatch import Dispatch, Recipient, RecipientRole, Rung
from domain.ladder import Clock, Obligation, Status
from domain.state import CaseState

RUNG_RECIPIENTS: dict[Rung, tuple[RecipientRole, ...]] = {
    Rung.REMINDER: (RecipientRole.OWNER,),
    Rung.CHASE: (RecipientRole.OWNER, RecipientRole.LEAD_PROFESSIONAL),
    Rung.MISSED: (RecipientRole.OWNER, RecipientRole.LEAD_PROFESSIONAL),
    Rung.ESCALATION_TM: (RecipientRole.TEAM_MANAGER, RecipientRole.LEAD_PROFESSIONAL),
    Rung.ESCALATION_FINAL: (RecipientRole.TEAM_MANAGER,),  # plus the profile's final recipient
}

RUNG_TEMPLATES: dict[Rung, str] = {
    Rung.REMINDER: "reminder",
    Rung.CHASE: "chase",
    Rung.MISSED: "missed",
    Rung.ESCALATION_TM: "escalation",
    Rung.ESCALATION_FINAL: "unacknowledged",  # R-E6: the TM has not acknowledged it
}

ACTIONS: dict[str, str] = {
    "R-T0": "Record why the initial conference was late",
    "R-T1": "Hold the first core group and record it",
    "R-T2": "Hold the core groups owed before the first review",
    "R-T3": "Hold the next core group and record it",
    "R-T4": "Hold the next core group and record it",
    "R-T5": "Circulate the minutes and updated plan to all members",
    "R-T6": "Return the signed written agreement",
    "R-T7": "Hold the first review conference",
    "R-T8": "Hold the review conference",
    "R-T9": "Send the agency's written report to the lead professional",
    "R-T11": "Visit and see the child",
    "R-T12": "Visit and see the child alone",
    "R-T13": "See the child's bedroom on a visit",
    "R-T14": "Complete the assessment",
    "R-T15": "Confirm the concern in writing to the lead professional",
    "R-T16": "Set a new core group date through the team manager",
    "R-T17": "Record the core group's recommendation to the review",
    "R-P2": "Complete the plan action or record why not",
    "R-P3": "Make the visit set in the visiting matrix",
}


def recipients(
    state: CaseState, roles: Iterable[RecipientRole], owner: str | None
) -> tuple[Recipient, ...]:
    found: list[Recipient] = []
    seen: set[str] = set()
    for role in roles:
        for recipient in _resolve(state, role, owner):
            ident = recipient.member or f"role:{recipient.role}"
            if ident not in seen:
                seen.add(ident)
                found.append(recipient)
    return tuple(found)


def _member(state: CaseState, role: RecipientRole, member_id: str | None) -> list[Recipient]:
    if member_id is None:
        return []
    if state.cover is not None and member_id == state.lead_professional:
        member_id, contact = state.cover.id, state.cover.contact  # R-E5
    else:
        known = state.members.get(member_id) or state.former_members.get(member_id)
        contact = known.contact if known else ""
    return [Recipient(role=role, member=member_id, contact=contact or None)]


def _resolve(state: CaseState, role: RecipientRole, owner: str | None) -> list[Recipient]:
    if role is RecipientRole.OWNER:
        return _member(state, role, owner)
    if role is RecipientRole.LEAD_PROFESSIONAL:
        return _member(state, role, state.lead_professional)
    if role is RecipientRole.TEAM_MANAGER:
        return _member(state, role, state.team_manager)
    if role is RecipientRole.MEMBER:
        return [r for m in state.members for r in _member(state, role, m)]
    return [Recipient(role=role)]


def obligation_dispatch(state: CaseState, obligation: Obligation, clock: Clock) -> Dispatch:
    rung = obligation.rung
    assert rung is not None
    roles = RUNG_RECIPIENTS[rung]
    if rung is Rung.ESCALATION_FINAL:
        roles = (RecipientRole(clock.ladder.final_recipient), *roles)
    return Dispatch(
        case_reference=state.reference,
        team=state.team,
        profile=state.profile,
        obligation=obligation.key,
        rule=obligation.rule,
        rung=rung,
        template=RUNG_TEMPLATES[rung],
        title=obligation.title,
        subject=obligation.subject,
        owner_role=obligation.owner_role,
        owner=obligation.owner,
        due=obligation.due,
        overdue_since=overdue_since(obligation, clock.calendar),
        fires_at=obligation.rung_at or clock.as_of,
        action=ACTIONS.get(obligation.rule, "See the case in the Prefect UI"),
        recipients=recipients(state, roles, obligation.owner),
    )


def overdue_since(obligation: Obligation, calendar: WorkingDayCalendar) -> date | None:
    """The first day an open obligation counts as missed: the working day after a day-based
    due date, or the day of an hourly deadline. The MISSED rung, the daily digest and the
    reports all say "overdue since" this day (R-E1)."""
    if obligation.status is not Status.OVERDUE:
        return None
    return calendar.add(obligation.due, 1) if obligation.due_at is None else obligation.due
