"""Validation of an event against the case state (R-G3).

Each check raises ``RejectedEvent(field, rule, message)``: the admin sees which
field is wrong and which rule it breaks. Nothing here changes the state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from domain.errors import RejectedEvent
from domain.events import (
    PROFESSIONAL_ROLES,
    ActionDone,
    ActionItem,
    ActionSet,
    AgencyReportReceived,
    AgreementSigned,
    AssessmentCompleted,
    AssessmentStarted,
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
    EscalationAcknowledged,
    Event,
    MemberJoined,
    MemberRole,
    MemberWithdrew,
    MinutesCirculated,
    PlanEnded,
    PlanEndReason,
    ReviewBroughtForward,
    RiskRaised,
    VisitLine,
    VisitMade,
)

if TYPE_CHECKING:
    from domain.state import CaseState

OPENING_KINDS = {ConferenceKind.INITIAL, ConferenceKind.TRANSFER_IN, ConferenceKind.PRE_BIRTH}


class _Check:
    def __init__(self, state: CaseState, index: int | None) -> None:
        self.state = state
        self.index = index

    def fail(self, field: str, rule: str, message: str) -> RejectedEvent:
        return RejectedEvent(field, rule, message, self.index)

    def member(self, field: str, member_id: str, rule: str = "R-G3") -> None:
        if member_id not in self.state.members:
            raise self.fail(field, rule, f"unknown member {member_id!r}")

    def members(self, field: str, member_ids: Iterable[str]) -> None:
        for member_id in member_ids:
            self.member(field, member_id)

    def meeting(self, field: str, meeting_id: str) -> Any:
        meeting = self.state.meetings.get(meeting_id)
        if meeting is None:
            raise self.fail(field, "R-G3", f"unknown core group {meeting_id!r}")
        return meeting

    def team_manager(self, field: str, member_id: str, rule: str) -> None:
        if member_id != self.state.team_manager:
            raise self.fail(field, rule, f"{member_id!r} is not the case's team manager")


def validate(state: CaseState, event: Event, index: int | None = None) -> None:
    check = _Check(state, index)
    if not state.opened:
        if not isinstance(event, ConferenceHeld) or event.kind not in OPENING_KINDS:
            raise check.fail("type", "R-LC1", "a case opens with an initial conference")
    elif state.closed:
        raise check.fail("type", "R-LC2", f"the case was closed on {state.closed_on}")
    last = state.last_event_on
    if last is not None and event.on < last:
        raise check.fail("on", "R-G3", f"{event.on} is before the last event ({last})")
    _CHECKS[type(event)](check, event)


def _conference(check: _Check, event: ConferenceHeld) -> None:
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
    _new_members(check, event)
    for child in event.children:
        if child.id not in state.children:
            raise check.fail("children", "R-LC3", f"unknown child {child.id!r}")
    _first_cg(check, event)
    _matrix(check, event.visiting_matrix)


def _opening_conference(check: _Check, event: ConferenceHeld) -> None:
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
    _first_cg(check, event)
    _matrix(check, event.visiting_matrix, set(ids), event.team_manager, event.lead_professional)


def _first_cg(check: _Check, event: ConferenceHeld) -> None:
    if event.decision is ConferenceDecision.END:
        return
    if event.first_cg_on is None:
        raise check.fail("first_cg_on", "R-LC1", "the conference sets the first core group date")
    if event.first_cg_on < event.on:
        raise check.fail(
            "first_cg_on", "R-G3", "the first core group cannot precede the conference"
        )
    profile = check.state.policy
    weeks = profile.seen_every_weeks
    for child in event.children:
        if child.seen_every_weeks and child.seen_every_weeks > weeks:
            raise check.fail(
                "children.seen_every_weeks",
                "R-T11",
                f"a conference may only set visits more often than every {weeks} weeks",
            )


def _new_members(check: _Check, event: ConferenceHeld) -> None:
    for member in event.members:
        known = check.state.members.get(member.id)
        if known is not None and known.role is not member.role:
            raise check.fail("members", "R-G3", f"member {member.id!r} changes role")


def _matrix(
    check: _Check,
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


def _scheduled(check: _Check, event: CoreGroupScheduled) -> None:
    meeting = check.state.meetings.get(event.meeting)
    if meeting is not None and meeting.held_on is not None:
        raise check.fail("meeting", "R-G3", f"core group {event.meeting!r} was already held")
    if event.date < event.on:
        raise check.fail("date", "R-G3", "a core group cannot be scheduled in the past")


def _held(check: _Check, event: CoreGroupHeld) -> None:
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
    first_of_period = _first_held_in_period(state)
    manager_chairs = state.policy.manager_chairs_first_cg and state.period == 0
    if first_of_period and manager_chairs and event.chair != state.team_manager:
        raise check.fail("chair", "R-M1", "the team manager chairs the first core group")
    attendance = event.attendance
    for name in ("present", "apologies", "reports_received", "absent"):
        check.members(f"attendance.{name}", getattr(attendance, name))
    check.members("attendance.family_absence_reasons", attendance.family_absence_reasons)
    _outcomes(check, event)
    for action in event.actions:
        _action(check, action, event.on)
    if first_of_period and len(event.next_dates) < state.policy.cg_dates_set_at_first_cg:
        need = state.policy.cg_dates_set_at_first_cg
        raise check.fail("next_dates", "R-M7", f"the first core group sets the next {need} date(s)")
    if any(day <= event.on for day in event.next_dates):
        raise check.fail("next_dates", "R-M7", "next core group dates come after this one")
    _matrix(check, event.visiting_matrix)


def _first_held_in_period(state: CaseState) -> bool:
    return not any(
        m.held_on is not None for m in state.meetings.values() if m.period == state.period
    )


def _outcomes(check: _Check, event: CoreGroupHeld) -> None:
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


def _action(check: _Check, action: ActionItem, on: date) -> None:
    check.member("actions.owner", action.owner, "R-P2")
    if action.id in check.state.actions:
        raise check.fail("actions.id", "R-P2", f"action {action.id!r} already exists")
    if action.due < on:
        raise check.fail(
            "actions.due", "R-P2", "an action's due date cannot precede the day it was set"
        )


def _cancelled(check: _Check, event: CoreGroupCancelled) -> None:
    meeting = check.meeting("meeting", event.meeting)
    if meeting.held_on is not None:
        raise check.fail("meeting", "R-M5", "a core group already held cannot be cancelled")
    if meeting.cancelled_at is not None:
        raise check.fail("meeting", "R-M5", "that core group is already cancelled")
    if event.at.date() != event.on:
        raise check.fail("at", "R-G3", "the time of cancellation must fall on the day recorded")
    check.members("present", event.present)


def _rescheduled(check: _Check, event: CoreGroupRescheduled) -> None:
    meeting = check.meeting("meeting", event.meeting)
    if meeting.held_on is not None:
        raise check.fail("meeting", "R-M6", "a core group already held cannot be rescheduled")
    if event.date < event.on:
        raise check.fail("date", "R-M6", "a core group cannot be rescheduled into the past")


def _minutes(check: _Check, event: MinutesCirculated) -> None:
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


def _agreement(check: _Check, event: AgreementSigned) -> None:
    check.member("member", event.member, "R-T6")
    if check.meeting("meeting", event.meeting).minutes_on is None:
        raise check.fail("meeting", "R-T6", "an agreement is signed after the plan is circulated")


def _visit(check: _Check, event: VisitMade) -> None:
    check.member("visitor", event.visitor, "R-V1")
    children = check.state.children
    for name in ("children_seen", "seen_alone", "bedroom_seen"):
        for child in getattr(event, name):
            if child not in children:
                raise check.fail(name, "R-V1", f"unknown child {child!r}")
    if event.no_access and event.children_seen:
        raise check.fail("children_seen", "R-V1", "a no-access visit sees no child")
    if not set(event.seen_alone) <= set(event.children_seen):
        raise check.fail("seen_alone", "R-V1", "a child seen alone is also a child seen")


def _report(check: _Check, event: AgencyReportReceived) -> None:
    check.member("member", event.member, "R-T9")
    if check.state.members[event.member].role not in PROFESSIONAL_ROLES:
        raise check.fail("member", "R-T9", "agency reports come from professional members")


def _assessment_started(check: _Check, event: AssessmentStarted) -> None:
    if event.child not in check.state.children:
        raise check.fail("child", "R-T14", f"unknown child {event.child!r}")
    if event.assessment in check.state.assessments:
        raise check.fail("assessment", "R-T14", f"assessment {event.assessment!r} already started")


def _assessment_completed(check: _Check, event: AssessmentCompleted) -> None:
    found = check.state.assessments.get(event.assessment)
    if found is None:
        raise check.fail("assessment", "R-T14", f"unknown assessment {event.assessment!r}")
    if found[2] is not None:
        raise check.fail("assessment", "R-T14", "that assessment is already complete")


def _concern_raised(check: _Check, event: ConcernRaised) -> None:
    check.member("member", event.member, "R-T15")
    if event.concern in check.state.concerns:
        raise check.fail("concern", "R-T15", f"concern {event.concern!r} already raised")
    if event.at.date() != event.on:
        raise check.fail("at", "R-G3", "the time raised must fall on the day recorded")


def _concern_confirmed(check: _Check, event: ConcernConfirmed) -> None:
    found = check.state.concerns.get(event.concern)
    if found is None:
        raise check.fail("concern", "R-T15", f"unknown concern {event.concern!r}")
    if event.at < found[1]:
        raise check.fail("at", "R-T15", "a concern is confirmed after it was raised")


def _action_set(check: _Check, event: ActionSet) -> None:
    _action(check, event.action, event.on)


def _action_done(check: _Check, event: ActionDone) -> None:
    found = check.state.actions.get(event.action)
    if found is None:
        raise check.fail("action", "R-P2", f"unknown action {event.action!r}")
    if found[2] is not None:
        raise check.fail("action", "R-P2", "that action is already done")


def _brought_forward(check: _Check, event: ReviewBroughtForward) -> None:
    from domain.obligations import review_due

    check.team_manager("authorised_by", event.authorised_by, "R-E3")
    if event.to < event.on:
        raise check.fail("to", "R-E3", "a review cannot be brought forward into the past")
    state = check.state
    due = review_due(state, state.period, state.policy.calendar)
    if event.to >= due:
        raise check.fail("to", "R-E3", f"the review is already due by {due}; bring it forward")


def _acknowledged(check: _Check, event: EscalationAcknowledged) -> None:
    check.member("by", event.by, "R-E6")
    if not event.obligation:
        raise check.fail("obligation", "R-E6", "name the obligation acknowledged")


def _cover_started(check: _Check, event: CoverStarted) -> None:
    if event.cover.id == check.state.lead_professional:
        raise check.fail("cover", "R-E5", "the cover worker is not the lead professional")


def _cover_ended(check: _Check, event: CoverEnded) -> None:
    if check.state.cover is None:
        raise check.fail("type", "R-E5", "no cover is in force")


def _joined(check: _Check, event: MemberJoined) -> None:
    if event.member.id in check.state.members:
        raise check.fail("member.id", "R-G3", f"member {event.member.id!r} is already a member")


def _withdrew(check: _Check, event: MemberWithdrew) -> None:
    check.member("member", event.member)
    if event.member in (check.state.lead_professional, check.state.team_manager):
        raise check.fail("member", "R-G3", "the LP and TM cannot withdraw; record a change instead")


def _risk(check: _Check, event: RiskRaised) -> None:
    check.member("member", event.member, "R-E2")


def _plan_ended(check: _Check, event: PlanEnded) -> None:
    check.team_manager("recorded_by", event.recorded_by, "R-LC2a")
    if event.reason is PlanEndReason.CONFERENCE:
        raise check.fail("reason", "R-LC2", "a conference ends a plan by its decision")
    for child in event.children:
        record = check.state.children.get(child)
        if record is None:
            raise check.fail("children", "R-LC2a", f"unknown child {child!r}")
        if record.plan_end is not None:
            raise check.fail("children", "R-LC2a", f"the plan of {child!r} has already ended")


_CHECKS: dict[type, Callable[[_Check, Any], None]] = {
    ConferenceHeld: _conference,
    CoreGroupScheduled: _scheduled,
    CoreGroupHeld: _held,
    CoreGroupCancelled: _cancelled,
    CoreGroupRescheduled: _rescheduled,
    MinutesCirculated: _minutes,
    AgreementSigned: _agreement,
    VisitMade: _visit,
    AgencyReportReceived: _report,
    AssessmentStarted: _assessment_started,
    AssessmentCompleted: _assessment_completed,
    ConcernRaised: _concern_raised,
    ConcernConfirmed: _concern_confirmed,
    ActionSet: _action_set,
    ActionDone: _action_done,
    ReviewBroughtForward: _brought_forward,
    EscalationAcknowledged: _acknowledged,
    CoverStarted: _cover_started,
    CoverEnded: _cover_ended,
    MemberJoined: _joined,
    MemberWithdrew: _withdrew,
    RiskRaised: _risk,
    PlanEnded: _plan_ended,
}
