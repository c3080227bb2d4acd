"""Validation of an event against the case state (R-G3): the entry point, the conferences,
the core groups and their minutes. The other events' checks are in ``domain.checks``.

Each check raises ``RejectedEvent(field, rule, message)``; nothing here changes the state.
The profile is the one the state was folded with (``CaseState.policy``), never reloaded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from domain import checks, duty_checks
from domain.case import CaseState
from domain.checks import Check
from domain.events import (
    AccessPlanAgreed,
    ActionDone,
    ActionSet,
    AgencyReportReceived,
    AgreementSigned,
    ApologiesSent,
    AssessmentCompleted,
    AssessmentStarted,
    ChildBorn,
    ConcernConfirmed,
    ConcernRaised,
    ConferenceDecision,
    ConferenceHeld,
    ConferenceKind,
    CoreGroupCancelled,
    CoreGroupHeld,
    CoreGroupRescheduled,
    CoreGroupScheduled,
    CoverEnded,
    CoverStarted,
    EmergencyProtectionTaken,
    EpisodeClosure,
    EscalationAcknowledged,
    Event,
    EventVoided,
    MemberJoined,
    MemberRole,
    MemberWithdrew,
    MinutesCirculated,
    PlanEnded,
    ReviewBooked,
    ReviewBroughtForward,
    RiskDecided,
    RiskRaised,
    SharedWithFamily,
    VisitLine,
    VisitMade,
)
from domain.timescales import add_months, review_deadline, review_rule

OPENING_KINDS = {ConferenceKind.INITIAL, ConferenceKind.TRANSFER_IN, ConferenceKind.PRE_BIRTH}
# The events that may be dated before the case opened: facts of the enquiry that led to it.
ENQUIRY_FACTS = (AssessmentStarted, AssessmentCompleted, EmergencyProtectionTaken)


def validate(
    state: CaseState,
    event: Event,
    index: int | None = None,
    recording: bool = True,
    census: bool = False,
) -> None:
    """``event`` against ``state`` (R-G3). ``recording``: the event is being recorded now,
    so the checks made at recording only apply too (see ``domain.state.fold``); ``census``:
    of those, the census's data-quality refusals apply whether or not it is."""
    check = Check(state, index, recording, census)
    if not state.opened:
        if not isinstance(event, ConferenceHeld) or event.kind not in OPENING_KINDS:
            raise check.fail("type", "R-LC1", "a case opens with an initial conference")
    elif state.closed:
        raise check.fail("type", "R-LC2", f"the case was closed on {state.closed_on}")
    if check.census:  # a data-quality refusal, naming the census rule
        checks.plan_dates(check, event)
    if state.opened and event.on < state.conferences[0].on:
        _before_opening(check, event)
    # No refusal for an event dated before the latest: the fold takes each event in its place
    # (a meeting typed up after a later visit), and every check here is of the case as it
    # stood on the event's day; what it changes for later events, they are checked again.
    _CHECKS[type(event)](check, event)


def _before_opening(check: Check, event: Event) -> None:
    """Facts of the enquiry that led to the plan (an assessment, emergency protection) may be
    dated before the conference that opened the case, by up to six months; nothing else."""
    opened = check.state.conferences[0].on
    if not isinstance(event, ENQUIRY_FACTS):
        raise check.fail("on", "R-G3", f"{event.on} is before the case opened on {opened}")
    if event.on < add_months(opened, -checks.PROTECTION_BEFORE_MONTHS):
        raise check.fail(
            "on", "R-G3",
            f"more than {checks.PROTECTION_BEFORE_MONTHS} months before the case opened on {opened}",
        )  # fmt: skip


def _conference(check: Check, event: ConferenceHeld) -> None:
    state = check.state
    if not event.chair:
        raise check.fail("chair", "R-LC1", "a conference records its chair")
    if not state.opened:
        _opening_conference(check, event)
        return
    if event.kind is not ConferenceKind.REVIEW:
        raise check.fail("kind", "R-LC2", "an open case continues with review conferences")
    if event.decision is ConferenceDecision.PLAN:
        raise check.fail("decision", "R-LC2", "a review decides 'continue' or 'end'")
    for member in event.members:
        known = state.members.get(member.id)
        if known is not None and known.role is not member.role:
            raise check.fail("members", "R-G3", f"member {member.id!r} changes role")
    for child in event.children:
        check.child("children", child.id, "R-LC3")
        if check.census:
            checks.previous_plans(check, child)
    _closure(check, event)
    if check.recording:
        duty_checks.conference_plans(check, event)
    if event.s47_started_on is not None and check.census:
        raise check.fail(
            "s47_started_on", "R-T0", "the Section 47 enquiry is recorded by the initial conference"
        )
    _plan_ahead(check, event)
    _matrix(check, event.visiting_matrix)


def _closure(check: Check, event: ConferenceHeld) -> None:
    """A conference that ends the plan says what becomes of the child-in-need episode."""
    if event.decision is not ConferenceDecision.END:
        if event.closure is not None:
            raise check.fail("closure", "R-LC2", "only a conference that ends the plan closes it")
        return
    if event.closure is EpisodeClosure.DIED:
        raise check.fail(
            "closure", "R-LC2a", "a death ends the plan the day it happened: record end-plan"
        )
    if check.census:
        checks.episode_closure(check, event.closure)


def _opening_conference(check: Check, event: ConferenceHeld) -> None:
    if event.decision is not ConferenceDecision.PLAN:
        raise check.fail("decision", "R-LC1", "an opening conference decides on a plan")
    if not event.children:
        raise check.fail("children", "R-LC1", "the conference records the children")
    if not event.outcomes:
        raise check.fail("outcomes", "R-LC1", "the conference records the outline plan")
    ids = [m.id for m in event.members]
    if len(set(ids)) != len(ids):
        raise check.fail("members", "R-G3", "a member id appears twice")
    roles = {m.id: m.role for m in event.members}
    if not event.lead_professional:
        raise check.fail("lead_professional", "R-G3", "a case needs a lead professional")
    if roles.get(event.lead_professional) is not MemberRole.LEAD_PROFESSIONAL:
        raise check.fail(
            "lead_professional", "R-G3", "the lead professional must be a member with that role"
        )
    if not event.team_manager or roles.get(event.team_manager) is not MemberRole.TEAM_MANAGER:
        raise check.fail("team_manager", "R-LC1", "the LP's team manager must be a member")
    if event.strategy_discussion_on and event.strategy_discussion_on > event.on:
        raise check.fail("strategy_discussion_on", "R-T0", "the strategy discussion comes first")
    if check.census:
        _census_opening(check, event)
    if check.recording:
        duty_checks.conference_plans(check, event)
    _plan_ahead(check, event)
    _matrix(check, event.visiting_matrix, set(ids), event.team_manager, event.lead_professional)


def _census_opening(check: Check, event: ConferenceHeld) -> None:
    """Checked when the conference is recorded (not of one already in the store): what the
    CIN census would refuse of a plan's start."""
    checks.section47(check, event)
    if event.on.weekday() >= 5:
        raise check.fail(
            "on", "R-LC1", "a conference that starts a plan is not held at a weekend (CIN 8875)"
        )


def _plan_ahead(check: Check, event: ConferenceHeld) -> None:
    """What a conference that continues a plan sets: the first core group (R-LC1), visits
    (R-T11), and the next review if it books one (R-T7, R-T8)."""
    if event.decision is ConferenceDecision.END:
        if event.review_on is not None:
            raise check.fail(
                "review_on", "R-LC2", "a conference that ends the plan books no review"
            )
        return
    if event.first_cg_on is None:
        raise check.fail("first_cg_on", "R-LC1", "the conference sets the first core group date")
    if event.first_cg_on < event.on:
        raise check.fail(
            "first_cg_on", "R-G3", "the first core group cannot precede the conference"
        )
    state = check.state
    weeks = state.policy.seen_every_weeks
    for child in event.children:
        if child.seen_every_weeks and child.seen_every_weeks > weeks:
            raise check.fail(
                "children.seen_every_weeks",
                "R-T11",
                f"a conference may only set visits more often than every {weeks} weeks",
            )
    if event.review_on is not None:
        period = state.period + 1  # the period this conference starts
        deadline = review_deadline(state.policy, state.calendar, event.on, period)
        if event.review_on <= event.on:
            raise check.fail("review_on", "R-G3", "the next review comes after this conference")
        if event.review_on > deadline:
            raise check.fail(
                "review_on",
                review_rule(period),
                f"the review conference is due by {deadline}; book it on or before that day",
            )


def _matrix(
    check: Check,
    lines: Iterable[VisitLine],
    members: set[str] | None = None,
    manager: str | None = None,
    lead: str | None = None,
) -> None:
    state = check.state
    known = members if members is not None else set(state.members)
    lead = lead or state.lead_professional
    manager = manager or state.team_manager
    for line in lines:
        if line.member not in known:
            raise check.fail("visiting_matrix.member", "R-P3", f"unknown member {line.member!r}")
        below_minimum = line.every_weeks > state.policy.seen_every_weeks
        if below_minimum and line.member == lead and line.authorised_by != manager:
            raise check.fail(
                "visiting_matrix.authorised_by",
                "R-V4",
                "visiting less often than the minimum needs the team manager's authorisation",
            )


def _scheduled(check: Check, event: CoreGroupScheduled) -> None:
    meeting = check.state.meetings.get(event.meeting)
    if meeting is not None and meeting.held_on is not None:
        raise check.fail("meeting", "R-G3", f"core group {event.meeting!r} was already held")
    if event.date < event.on:
        raise check.fail("date", "R-G3", "a core group cannot be scheduled in the past")


def _held(check: Check, event: CoreGroupHeld) -> None:
    state = check.state
    meeting = state.meetings.get(event.meeting)
    if meeting is not None and meeting.held_on is not None:
        raise check.fail("meeting", "R-G3", f"core group {event.meeting!r} was already held")
    if event.on < state.conferences[0].on:
        raise check.fail("on", "R-G3", "a core group cannot precede the initial conference")
    check.member("chair", event.chair, "R-M1")
    check.member("minute_taker", event.minute_taker)
    if event.chair == event.minute_taker:
        raise check.fail("minute_taker", "R-M2", "the chair never takes the minutes")
    if check.recording:
        duty_checks.core_group_chair(check, event)
        duty_checks.next_dates_before_review(check, event)
    first_of_period = not state.held.get(state.period)
    manager_chairs = state.policy.manager_chairs_first_cg and state.period == 0
    if first_of_period and manager_chairs and event.chair != state.team_manager:
        raise check.fail("chair", "R-M1", "the team manager chairs the first core group")
    attendance = event.attendance
    for name in ("present", "apologies", "reports_received", "absent"):
        check.members(f"attendance.{name}", getattr(attendance, name))
    check.members("attendance.family_absence_reasons", attendance.family_absence_reasons)
    _outcomes(check, event)
    for action in event.actions:
        checks.action(check, action, event.on)
    need = state.policy.cg_dates_set_at_first_cg
    # A core group booked in an earlier period counts in the one it is held in (the fold):
    # its being the first there is checked when recorded, so older histories still fold.
    carried = meeting is not None and meeting.period < state.period and not check.recording
    if first_of_period and not carried and len(event.next_dates) < need:
        raise check.fail("next_dates", "R-M7", f"the first core group sets the next {need} date(s)")
    if any(day <= event.on for day in event.next_dates):
        raise check.fail("next_dates", "R-M7", "next core group dates come after this one")
    _matrix(check, event.visiting_matrix)


def _outcomes(check: Check, event: CoreGroupHeld) -> None:
    if not event.outcomes:
        return  # the plan's outcomes are unchanged
    given = {o.id: o for o in event.outcomes}
    for outcome in check.state.outcomes.values():
        if outcome.id not in given:
            raise check.fail(
                "outcomes", "R-P1", f"outcome {outcome.id!r} cannot be removed by a core group"
            )
        if given[outcome.id].text != outcome.text:
            raise check.fail(
                "outcomes", "R-P1", f"outcome {outcome.id!r} cannot be changed by a core group"
            )


def _cancelled(check: Check, event: CoreGroupCancelled) -> None:
    meeting = check.meeting("meeting", event.meeting)
    if meeting.held_on is not None:
        raise check.fail("meeting", "R-M5", "a core group already held cannot be cancelled")
    if meeting.cancelled_at is not None:
        raise check.fail("meeting", "R-M5", "that core group is already cancelled")
    if event.at.date() != event.on:
        raise check.fail("at", "R-G3", "the time of cancellation must fall on the day recorded")
    check.members("present", event.present)


def _rescheduled(check: Check, event: CoreGroupRescheduled) -> None:
    meeting = check.meeting("meeting", event.meeting)
    if meeting.held_on is not None:
        raise check.fail("meeting", "R-M6", "a core group already held cannot be rescheduled")
    if event.date < event.on:
        raise check.fail("date", "R-M6", "a core group cannot be rescheduled into the past")


def _minutes(check: Check, event: MinutesCirculated) -> None:
    meeting = check.meeting("meeting", event.meeting)
    if meeting.held_on is None:
        raise check.fail("meeting", "R-T5", "minutes follow a core group that was held")
    if meeting.minutes_on is not None:
        raise check.fail(
            "meeting", "R-T5", "the minutes of that core group were already circulated"
        )
    profile = check.state.policy
    if profile.minutes_to_qa_manager and "qa_manager" not in event.copied_to:
        raise check.fail("copied_to", "R-T18", "this profile sends minutes to the QA manager")
    if profile.minutes_to_conference_chair and "conference_chair" not in event.copied_to:
        raise check.fail("copied_to", "R-T5", "this profile sends minutes to the conference chair")


_CHECKS: dict[type, Callable[[Check, Any], None]] = {
    ConferenceHeld: _conference,
    CoreGroupScheduled: _scheduled,
    CoreGroupHeld: _held,
    CoreGroupCancelled: _cancelled,
    CoreGroupRescheduled: _rescheduled,
    MinutesCirculated: _minutes,
    AgreementSigned: checks.agreement,
    VisitMade: duty_checks.visit,
    AgencyReportReceived: checks.report,
    AssessmentStarted: checks.assessment_started,
    AssessmentCompleted: checks.assessment_completed,
    ConcernRaised: checks.concern_raised,
    ConcernConfirmed: checks.concern_confirmed,
    ActionSet: checks.action_set,
    ActionDone: checks.action_done,
    ReviewBroughtForward: duty_checks.brought_forward,
    ReviewBooked: duty_checks.review_booked,
    EscalationAcknowledged: checks.acknowledged,
    EventVoided: checks.voided,
    CoverStarted: checks.cover_started,
    CoverEnded: checks.cover_ended,
    MemberJoined: checks.joined,
    MemberWithdrew: checks.withdrew,
    RiskRaised: checks.risk,
    PlanEnded: checks.plan_ended,
    EmergencyProtectionTaken: checks.protection,
    ApologiesSent: duty_checks.apologies,
    SharedWithFamily: duty_checks.shared,
    RiskDecided: duty_checks.risk_decided,
    AccessPlanAgreed: duty_checks.access_plan,
    ChildBorn: duty_checks.child_born,
}
