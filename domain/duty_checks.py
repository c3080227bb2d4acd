"""Checks of the events that record the duties the procedures state beyond the timescales
(R-G3): apologies (R-M3), what the family was given (R-P5, R-T19, R-T20), the TM's decision
on risk (R-E2), the plan of action after no access (R-V5, R-V2), a birth (R-LC4); and the
checks made at recording only (``Check.recording``) of who chairs and minutes a core group
(R-M1, R-M2), the dates it sets (R-M7), a conference's core-group frequency (R-T3, R-T4) and
review date (R-T7, R-T8), and the conference chair's agreement to moving it (R-E3).

A check made at recording only never refuses a case already in the store: an older history
folds as it did (``domain.state.fold``'s ``new_from``).
"""

from __future__ import annotations

from domain import checks
from domain.checks import Check
from domain.events import (
    FAMILY_ROLES,
    PROFESSIONAL_ROLES,
    AccessPlanAgreed,
    ApologiesSent,
    ChildBorn,
    ConferenceDecision,
    ConferenceHeld,
    CoreGroupHeld,
    FamilyShare,
    MemberRole,
    ReviewBooked,
    ReviewBroughtForward,
    RiskDecided,
    SharedWithFamily,
    VisitMade,
)
from domain.timescales import cadence_weeks, review_rule
from domain.visitors import from_social_care


def apologies(check: Check, event: ApologiesSent) -> None:
    """R-M3: written apologies come before the meeting, from a member, once."""
    check.member("member", event.member, "R-M3")
    meeting = check.state.meetings.get(event.meeting)
    if meeting is None:
        raise check.fail("meeting", "R-M3", f"unknown core group {event.meeting!r}")
    if meeting.held_on is not None:
        raise check.fail("meeting", "R-M3", "apologies are sent before the core group is held")
    if (event.meeting, event.member) in check.state.apologies:
        raise check.fail("member", "R-M3", "that member's apologies are already recorded")


def meeting_report(check: Check, meeting: str | None) -> None:
    """R-M3: a written report for a core group names one the case knows."""
    if meeting is not None and meeting not in check.state.meetings:
        raise check.fail("meeting", "R-M3", f"unknown core group {meeting!r}")


def shared(check: Check, event: SharedWithFamily) -> None:
    """R-P5 the plan, R-T20 a core group's minutes, R-T19 a member's report for the review."""
    state = check.state
    if event.what is FamilyShare.MINUTES:
        if event.meeting is None:
            raise check.fail("meeting", "R-T20", "name the core group whose minutes were shared")
        if check.meeting("meeting", event.meeting).held_on is None:
            raise check.fail("meeting", "R-T20", "minutes follow a core group that was held")
    elif event.what is FamilyShare.REPORT:
        if event.member is None:
            raise check.fail("member", "R-T19", "name the member whose report was shared")
        check.member("member", event.member, "R-T19")
        if state.members[event.member].role not in PROFESSIONAL_ROLES:
            raise check.fail("member", "R-T19", "agency reports come from professional members")
    elif event.meeting is not None:
        check.meeting("meeting", event.meeting)


def risk_decided(check: Check, event: RiskDecided) -> None:
    """R-E2: the LP's team manager decides, on a risk raised."""
    check.team_manager("by", event.by, "R-E2")
    if not any(raised <= event.on for _, raised, _ in check.state.risks):
        raise check.fail("type", "R-E2", "no risk has been raised to decide on")


def access_plan(check: Check, event: AccessPlanAgreed) -> None:
    """R-V5: a plan of action follows a visit without access, authorised by the TM (003
    §1.4.9); the member agreed to make direct contact is another agency's professional."""
    state = check.state
    check.team_manager("authorised_by", event.authorised_by, "R-V5")
    if not any(visit.on <= event.on for visit in state.no_access):
        raise check.fail("type", "R-V5", "no visit without access to plan for")
    contact = event.direct_contact_by
    if contact is not None:
        check.member("direct_contact_by", contact, "R-V5")
        if state.members[contact].role is not MemberRole.PROFESSIONAL:
            raise check.fail(
                "direct_contact_by", "R-V5", "direct contact is agreed with another agency"
            )


def child_born(check: Check, event: ChildBorn) -> None:
    """R-LC4: an unborn child on the plan is born once."""
    check.child("child", event.child, "R-LC4")
    child = check.state.children[event.child]
    if not child.unborn:
        raise check.fail("child", "R-LC4", f"{event.child!r} was not an unborn child on the plan")
    if child.born_on is not None:
        raise check.fail("child", "R-LC4", f"{event.child!r} was born on {child.born_on}")


def visitor(check: Check, event: VisitMade) -> None:
    """R-V1: the visitor is a member, or the cover worker in force (R-E5); an unborn child
    is not seen (R-LC4, checked when recorded)."""
    state = check.state
    cover = state.cover
    if not (cover is not None and event.visitor == cover.id):
        check.member("visitor", event.visitor, "R-V1")
    if check.recording:
        for child in event.children_seen:
            record = state.children.get(child)
            if record is not None and record.seen_from is None:
                raise check.fail("children_seen", "R-LC4", f"{child!r} is not born yet")


def core_group_chair(check: Check, event: CoreGroupHeld) -> None:
    """Checked when recorded. R-M1: a professional chairs, never a parent (000, 002); from
    children's social care where the profile says (002); in the chair's absence, the vice
    chair the period's first core group appointed (004). R-M2: a professional takes the
    minutes (000)."""
    state = check.state
    role = state.member_role(event.chair)
    if role is not None and MemberRole(role) in FAMILY_ROLES:
        raise check.fail("chair", "R-M1", "a professional chairs the core group, never the family")
    minutes = state.member_role(event.minute_taker)
    if minutes is not None and MemberRole(minutes) in FAMILY_ROLES:
        raise check.fail("minute_taker", "R-M2", "a professional takes the minutes")
    profile = state.policy
    if profile.chair_from_social_care and not from_social_care(state, event.chair, event.on):
        raise check.fail("chair", "R-M1", "the key worker or children's social care chairs")
    if profile.vice_chair:
        _vice_chair(check, event)


def _vice_chair(check: Check, event: CoreGroupHeld) -> None:
    state = check.state
    period = state.period_on(event.on)
    first = not any(m.held_on and m.held_on <= event.on for m in state.held_in_period(period))
    if first and event.vice_chair is None:
        raise check.fail("vice_chair", "R-M1", "the first core group appoints a vice chair (004)")
    if event.vice_chair is not None:
        check.member("vice_chair", event.vice_chair, "R-M1")
    usual = {state.lead_professional, state.team_manager}
    usual |= {p.member for p in state.cover_periods if p.covers(event.on)}
    appointed = state.vice_chairs.get(period)
    if not first and event.chair not in usual and event.chair != appointed:
        raise check.fail(
            "chair", "R-M1", f"the LP, their manager or the vice chair ({appointed}) chairs"
        )


def next_dates_before_review(check: Check, event: CoreGroupHeld) -> None:
    """R-M7 (001, checked when recorded): the dates the ICPC's first core group sets are of
    core groups held before the first review."""
    state = check.state
    if not state.policy.cg_dates_before_first_review or state.period_on(event.on) != 0:
        return
    if any(m.held_on and m.held_on <= event.on for m in state.held_in_period(0)):
        return  # not the first core group
    review = state.review_date(0)
    if any(day >= review for day in event.next_dates):
        raise check.fail(
            "next_dates", "R-M7", f"the next core groups are held before the review on {review}"
        )


def conference_plans(check: Check, event: ConferenceHeld) -> None:
    """Checked when recorded: a conference's core-group frequency can tighten the profile's,
    never loosen it (R-T3, R-T4); under 003 §1.4.11 it sets the next review's date."""
    if event.decision is ConferenceDecision.END:
        return
    state = check.state
    period = state.period + 1
    weeks = event.cg_every_weeks
    if weeks is not None and weeks > cadence_weeks(state.policy, period, None):
        rule = "R-T3" if period == 0 else "R-T4"
        limit = cadence_weeks(state.policy, period, None)
        raise check.fail(
            "cg_every_weeks", rule, f"core groups meet at least every {limit} weeks, not {weeks}"
        )
    if state.policy.review_set_at_conference and event.review_on is None:
        raise check.fail(
            "review_on", review_rule(period), "the conference sets the next review's date"
        )


def review_moved(check: Check, event: ReviewBooked | ReviewBroughtForward) -> None:
    """Checked when recorded: under 003 §1.4.12 and §1.4.14 a review date moves only with the
    conference chair's agreement (a first booking needs none)."""
    state = check.state
    if not state.policy.review_move_needs_chair or event.chair_agreed:
        return
    if isinstance(event, ReviewBooked):
        booked = state.review_booked.get(state.period)
        if booked is None or booked == event.date:
            return
        raise check.fail("chair_agreed", review_rule(state.period), "the conference chair agrees")
    raise check.fail("chair_agreed", "R-E3", "the conference chair agrees to bring it forward")


def review_booked(check: Check, event: ReviewBooked) -> None:
    checks.review_booked(check, event)
    if check.recording:
        review_moved(check, event)


def brought_forward(check: Check, event: ReviewBroughtForward) -> None:
    checks.brought_forward(check, event)
    if check.recording:
        review_moved(check, event)


def visit(check: Check, event: VisitMade) -> None:
    visitor(check, event)
    checks.visit(check, event)
