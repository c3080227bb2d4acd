"""Who counts for a statutory visit (R-T11, R-T12; Annex A's last statutory visit and "seen
alone"): ``statutory(state, visit)``, read by the fold and the returns (``domain.visits``
re-exports it for the rule families)."""

from __future__ import annotations

from datetime import date

from domain.case import CaseState
from domain.events import VisitMade

SOCIAL_CARE = "children's social care"


def statutory(state: CaseState, visit: VisitMade) -> bool:
    """A visit that counts as the child's statutory visit: one with access, by the lead
    professional (000: "the named Lead Professional must see..."; 003 §1.4.6), by the cover
    worker while cover is in force (R-E5), by a member whose role the profile lists as a
    statutory visitor, or by the member a plan of action agreed would make the direct
    contact (003 §1.4.9). Any other member's visit is a sighting: recorded, and counted for
    "seen" (R-T11) only where the profile says so, never for "seen alone" (R-T12)."""
    if visit.no_access:
        return False
    visitor = visit.visitor
    if visitor == lead_professional_on(state, visit.on):
        return True
    if any(p.member == visitor and p.covers(visit.on) for p in state.cover_periods):
        return True
    if state.member_role(visitor) in state.policy.statutory_visitors:
        return True
    since = state.direct_contact.get(visitor)
    return since is not None and since <= visit.on


def lead_professional_on(state: CaseState, day: date) -> str | None:
    """The lead professional in post on ``day``: the one a conference named last by then
    (the fold takes events by day, so during it this is ``state.lead_professional``; the
    returns read visits after the whole fold)."""
    found = state.lead_professional
    for since, member in state.lead_professionals:
        if since <= day:
            found = member
        else:
            break
    return found


def from_social_care(state: CaseState, member_id: str, on: date) -> bool:
    """The LP, their manager, the cover worker in force on ``on``, or a member whose agency is
    children's social care (000: "As a minimum, the Lead Professional ... and/or their
    Manager will attend from Children's Social Care ... or their qualified delegate")."""
    if member_id in (state.lead_professional, state.team_manager):
        return True
    if any(p.member == member_id and p.covers(on) for p in state.cover_periods):
        return True
    member = state.members.get(member_id) or state.former_members.get(member_id)
    return member is not None and member.agency.strip().casefold() == SOCIAL_CARE
