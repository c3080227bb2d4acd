"""Who hears of each rung and notice (R-E1), and how each becomes an outbox dispatch.

The LP's notices go to the cover worker while cover is in force (R-E5). A dispatch carries
member ids and their own contact URLs, never names (R-G1).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from domain.calendar import WorkingDayCalendar
from domain.case import Booking, CaseState
from domain.dispatch import Dispatch, Recipient, RecipientRole, Rung
from domain.ladder import Clock, Obligation, Status
from domain.rulebook import OBLIGATIONS, RUNG_RECIPIENTS, RUNG_TEMPLATES


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
    return [Recipient.model_construct(role=role, member=member_id, contact=contact or None)]


def _resolve(state: CaseState, role: RecipientRole, owner: str | None) -> list[Recipient]:
    if role is RecipientRole.OWNER:
        return _member(state, role, owner)
    if role is RecipientRole.LEAD_PROFESSIONAL:
        return _member(state, role, state.lead_professional)
    if role is RecipientRole.TEAM_MANAGER:
        return _member(state, role, state.team_manager)
    if role is RecipientRole.MEMBER:
        return [r for m in state.members for r in _member(state, role, m)]
    return [Recipient.model_construct(role=role, member=None, contact=None)]


def obligation_dispatch(state: CaseState, obligation: Obligation, clock: Clock) -> Dispatch:
    rung = obligation.rung
    assert rung is not None
    roles = RUNG_RECIPIENTS[rung]
    if rung is Rung.ESCALATION_FINAL:
        roles = (RecipientRole(clock.ladder.final_recipient), *roles)
    entry = OBLIGATIONS.get(obligation.rule)
    # Built from the domain's own values, already of the right types: constructed without
    # validating them again (a morning's tick builds tens of thousands).
    return Dispatch.model_construct(
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
        # A reminder or a chase comes before the day is out: it never says "overdue".
        overdue_since=overdue_since(obligation, clock.calendar) if rung in LATE else None,
        fires_at=obligation.rung_at or clock.as_of,
        action=entry.action if entry else "See the case in the Prefect UI",
        recipients=recipients(state, roles, obligation.owner),
    )


LATE = frozenset({Rung.MISSED, Rung.ESCALATION_TM, Rung.ESCALATION_FINAL})


def notice_dispatch(
    state: CaseState,
    *,
    key: str,
    rule: str,
    template: str,
    title: str,
    subject: str,
    action: str,
    fires_at: datetime,
    roles: tuple[RecipientRole, ...],
    meeting_date: date | None = None,
    invite: Booking | None = None,
) -> Dispatch:
    """A one-off notice (R-T16, R-M6, R-V2, ...) as the outbox holds it."""
    return Dispatch.model_construct(
        case_reference=state.reference,
        team=state.team,
        profile=state.profile,
        obligation=key,
        rule=rule,
        rung=Rung.NOTICE,
        template=template,
        title=title,
        subject=subject,
        owner_role="lead_professional",
        owner=state.lead_professional,
        due=None,
        overdue_since=None,
        fires_at=fires_at,
        action=action,
        recipients=recipients(state, roles, state.lead_professional),
        meeting_date=meeting_date,
        invite=invite.ref() if invite else None,
    )


def overdue_since(obligation: Obligation, calendar: WorkingDayCalendar) -> date | None:
    """The first day an open obligation counts as missed: the working day after a day-based
    due date, or the day of an hourly deadline. The MISSED rung, the daily digest and the
    reports all say "overdue since" this day (R-E1)."""
    if obligation.status is not Status.OVERDUE:
        return None
    return missed_day(obligation, calendar)


def missed_day(obligation: Obligation, calendar: WorkingDayCalendar) -> date:
    """The day ``overdue_since`` names once the obligation is overdue (whatever its status)."""
    return calendar.add(obligation.due, 1) if obligation.due_at is None else obligation.due
