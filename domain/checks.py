"""Checks of one event against the case state (R-G3), for the events outside the meetings.

Each check raises ``RejectedEvent(field, rule, message)``: the admin sees which field is
wrong and which rule it breaks. Nothing here changes the state. ``domain.validation``
holds the entry point, the conferences and the core groups.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from domain.case import CaseState, Meeting
from domain.errors import RejectedEvent
from domain.events import (
    CLOSURE_OF_REASON,
    NO_FACTORS,
    PROFESSIONAL_ROLES,
    ActionDone,
    ActionItem,
    ActionSet,
    AgencyReportReceived,
    AgreementSigned,
    AssessmentCompleted,
    AssessmentStarted,
    Child,
    ConcernConfirmed,
    ConcernRaised,
    ConferenceHeld,
    ConferenceKind,
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
    PlanEnded,
    PlanEndReason,
    ReviewBooked,
    ReviewBroughtForward,
    RiskRaised,
    VisitMade,
)
from domain.timescales import review_rule

PROTECTION_BEFORE_MONTHS = 6  # an enquiry's facts before the case opened: Annex A's window


class Check:
    """One event's checks: the state it is checked against and where it is in the history."""

    def __init__(
        self, state: CaseState, index: int | None, recording: bool = True, census: bool = False
    ) -> None:
        self.state = state
        self.index = index
        self.recording = recording  # being recorded now, not read back from the journal
        # The census's data-quality refusals (each names its CIN rule): made when an event is
        # recorded, and made again of the whole journal by a return (``census``).
        self.census = recording or census

    def fail(self, field: str, rule: str, message: str) -> RejectedEvent:
        return RejectedEvent(field, rule, message, self.index)

    def member(self, field: str, member_id: str, rule: str = "R-G3") -> None:
        if member_id not in self.state.members:
            raise self.fail(field, rule, f"unknown member {member_id!r}")

    def members(self, field: str, member_ids: Iterable[str]) -> None:
        for member_id in member_ids:
            self.member(field, member_id)

    def meeting(self, field: str, meeting_id: str) -> Meeting:
        meeting = self.state.meetings.get(meeting_id)
        if meeting is None:
            raise self.fail(field, "R-G3", f"unknown core group {meeting_id!r}")
        return meeting

    def team_manager(self, field: str, member_id: str, rule: str) -> None:
        if member_id != self.state.team_manager:
            raise self.fail(field, rule, f"{member_id!r} is not the case's team manager")

    def child(self, field: str, child_id: str, rule: str) -> None:
        if child_id not in self.state.children:
            raise self.fail(field, rule, f"unknown child {child_id!r}")


def agreement(check: Check, event: AgreementSigned) -> None:
    check.member("member", event.member, "R-T6")
    if check.meeting("meeting", event.meeting).minutes_on is None:
        raise check.fail("meeting", "R-T6", "an agreement is signed after the plan is circulated")


def visit(check: Check, event: VisitMade) -> None:
    # The visitor (a member, or the cover worker in force) is checked in domain.duty_checks.
    for name in ("children_seen", "seen_alone", "bedroom_seen"):
        for child in getattr(event, name):
            check.child(name, child, "R-V1")
    if event.no_access and event.children_seen:
        raise check.fail("children_seen", "R-V1", "a no-access visit sees no child")
    if not set(event.seen_alone) <= set(event.children_seen):
        raise check.fail("seen_alone", "R-V1", "a child seen alone is also a child seen")


def report(check: Check, event: AgencyReportReceived) -> None:
    check.member("member", event.member, "R-T9")
    if check.state.members[event.member].role not in PROFESSIONAL_ROLES:
        raise check.fail("member", "R-T9", "agency reports come from professional members")
    if event.meeting is not None and event.meeting not in check.state.meetings:
        raise check.fail("meeting", "R-M3", f"unknown core group {event.meeting!r}")


def assessment_started(check: Check, event: AssessmentStarted) -> None:
    check.child("child", event.child, "R-T14")
    state = check.state
    if event.assessment in state.assessments:
        raise check.fail("assessment", "R-T14", f"assessment {event.assessment!r} already started")
    if state.children[event.child].plan_end is not None:
        raise check.fail("child", "R-T14", f"the plan of {event.child!r} has ended (CIN 8565)")
    open_one = next(
        (a for a, (c, _, done) in state.assessments.items() if c == event.child and not done), None
    )
    if check.census and open_one is not None:
        raise check.fail(
            "assessment", "R-T14",
            f"assessment {open_one!r} of {event.child!r} is still open (CIN 8863Q, 8896)",
        )  # fmt: skip


def assessment_completed(check: Check, event: AssessmentCompleted) -> None:
    found = check.state.assessments.get(event.assessment)
    if found is None:
        raise check.fail("assessment", "R-T14", f"unknown assessment {event.assessment!r}")
    if found[2] is not None:
        raise check.fail("assessment", "R-T14", "that assessment is already complete")
    if event.on < found[1]:
        raise check.fail("on", "R-T14", "an assessment completes after it starts (CIN 8608)")
    if check.census:
        assessment_factors(check, event.factors)


def assessment_factors(check: Check, factors: tuple[str, ...]) -> None:
    """The factors identified at a completed assessment, as the census takes them."""
    if not factors:
        raise check.fail(
            "factors", "R-T14", "give the factors identified at the assessment (CIN 8897Q)"
        )
    if NO_FACTORS in factors:
        raise check.fail(
            "factors", "R-T14",
            "21 (no factors identified) does not go with a child protection plan (CIN 8869, 8873Q)",
        )  # fmt: skip
    if len(set(factors)) != len(factors):
        raise check.fail("factors", "R-T14", "a factor appears twice (CIN 8898)")


def protection(check: Check, event: EmergencyProtectionTaken) -> None:
    """Annex A List 7: an emergency protection order or police protection, for children of
    the case (before the case opened too: ``validation.ENQUIRY_FACTS``)."""
    for child in event.children:
        check.child("children", child, "R-G3")
    if event.ends_on is not None and event.ends_on < event.on:
        raise check.fail("ends_on", "R-G3", "emergency protection ends after it starts")


def concern_raised(check: Check, event: ConcernRaised) -> None:
    check.member("member", event.member, "R-T15")
    if event.concern in check.state.concerns:
        raise check.fail("concern", "R-T15", f"concern {event.concern!r} already raised")
    if event.at.date() != event.on:
        raise check.fail("at", "R-G3", "the time raised must fall on the day recorded")


def concern_confirmed(check: Check, event: ConcernConfirmed) -> None:
    found = check.state.concerns.get(event.concern)
    if found is None:
        raise check.fail("concern", "R-T15", f"unknown concern {event.concern!r}")
    if event.at < found[1]:
        raise check.fail("at", "R-T15", "a concern is confirmed after it was raised")


def action(check: Check, item: ActionItem, on: date) -> None:
    check.member("actions.owner", item.owner, "R-P2")
    if item.id in check.state.actions:
        raise check.fail("actions.id", "R-P2", f"action {item.id!r} already exists")
    if item.due < on:
        raise check.fail(
            "actions.due", "R-P2", "an action's due date cannot precede the day it was set"
        )


def action_set(check: Check, event: ActionSet) -> None:
    action(check, event.action, event.on)


def action_done(check: Check, event: ActionDone) -> None:
    found = check.state.actions.get(event.action)
    if found is None:
        raise check.fail("action", "R-P2", f"unknown action {event.action!r}")
    if found[2] is not None:
        raise check.fail("action", "R-P2", "that action is already done")


def brought_forward(check: Check, event: ReviewBroughtForward) -> None:
    check.team_manager("authorised_by", event.authorised_by, "R-E3")
    if event.to < event.on:
        raise check.fail("to", "R-E3", "a review cannot be brought forward into the past")
    state = check.state
    day = state.review_date(state.period)
    if event.to >= day:
        raise check.fail("to", "R-E3", f"the review is already due by {day}; bring it forward")


def review_booked(check: Check, event: ReviewBooked) -> None:
    """R-T7 / R-T8: a booking inside the timescale needs no authorisation; past it, none."""
    state = check.state
    if event.date < event.on:
        raise check.fail("date", "R-G3", "a review conference cannot be booked in the past")
    deadline = state.review_deadline(state.period)
    if event.date > deadline:
        raise check.fail(
            "date",
            review_rule(state.period),
            f"the review conference is due by {deadline}; book it on or before that day",
        )


def voided(check: Check, event: EventVoided) -> None:
    """R-G3: a correction voids one earlier event of the case, on the TM's authority (R-G2:
    who, why, authorised by). Voiding the event must leave every later one valid: the fold
    checks them again without it."""
    check.team_manager("authorised_by", event.authorised_by, "R-G3")
    if event.voids == 1:
        raise check.fail("voids", "R-LC1", "the initial conference opened the case: not voidable")
    if event.voids in check.state.corrections:
        raise check.fail("voids", "R-G3", f"event {event.voids} is already voided")
    if check.index is not None and event.voids > check.index:
        raise check.fail("voids", "R-G3", f"event {event.voids} is not an earlier event")
    if event.voids not in check.state.voided:  # the fold set aside all it could void
        raise check.fail("voids", "R-G3", "a correction is not voided: record the event again")


def acknowledged(check: Check, event: EscalationAcknowledged) -> None:
    """R-E6: the person the escalation went to acknowledges it (the profile says who); the
    cover worker stands in for the lead professional while cover is in force (R-E5)."""
    roles = check.state.policy.acknowledgers
    cover = check.state.cover
    if cover is not None and event.by == cover.id and MemberRole.LEAD_PROFESSIONAL in roles:
        role = MemberRole.LEAD_PROFESSIONAL
    else:
        check.member("by", event.by, "R-E6")
        role = check.state.members[event.by].role
    if role not in roles:
        allowed = " or ".join(r.replace("_", " ") for r in roles)
        raise check.fail("by", "R-E6", f"{event.by!r} is a {role.value.replace('_', ' ')}: "
                         f"only the {allowed} acknowledges an escalation")  # fmt: skip
    if not event.obligation:
        raise check.fail("obligation", "R-E6", "name the obligation acknowledged")


def cover_started(check: Check, event: CoverStarted) -> None:
    if event.cover.id == check.state.lead_professional:
        raise check.fail("cover", "R-E5", "the cover worker is not the lead professional")


def cover_ended(check: Check, event: CoverEnded) -> None:
    if check.state.cover is None:
        raise check.fail("type", "R-E5", "no cover is in force")


def joined(check: Check, event: MemberJoined) -> None:
    if event.member.id in check.state.members:
        raise check.fail("member.id", "R-G3", f"member {event.member.id!r} is already a member")


def withdrew(check: Check, event: MemberWithdrew) -> None:
    check.member("member", event.member)
    if event.member in (check.state.lead_professional, check.state.team_manager):
        raise check.fail("member", "R-G3", "the LP and TM cannot withdraw; record a change instead")


def risk(check: Check, event: RiskRaised) -> None:
    check.member("member", event.member, "R-E2")


def plan_ended(check: Check, event: PlanEnded) -> None:
    check.team_manager("recorded_by", event.recorded_by, "R-LC2a")
    if event.reason is PlanEndReason.CONFERENCE:
        raise check.fail("reason", "R-LC2", "a conference ends a plan by its decision")
    for child in event.children:
        check.child("children", child, "R-LC2a")
        if check.state.children[child].plan_end is not None:
            raise check.fail("children", "R-LC2a", f"the plan of {child!r} has already ended")
    certain = CLOSURE_OF_REASON.get(event.reason)
    if event.closure is not None and certain is not None and event.closure is not certain:
        raise check.fail(
            "closure", "R-LC2a",
            f"a plan ended as {event.reason.value} closes the episode as {certain.value}",
        )  # fmt: skip
    if event.closure is EpisodeClosure.DIED and event.reason is not PlanEndReason.DIED:
        raise check.fail("closure", "R-LC2a", "the episode closes as died only when the child died")
    if check.census:
        episode_closure(check, event.closure or certain, event.children)


def episode_closure(
    check: Check, closure: EpisodeClosure | None, children: tuple[str, ...] = ()
) -> None:
    """Checked when a plan's end is recorded: what becomes of the child-in-need episode is
    said (CIN ReasonForClosure), and an episode that closes has no assessment left open
    (CIN 8867)."""
    if closure is None:
        raise check.fail(
            "closure", "R-LC2a",
            "say whether child-in-need services continue or why the episode closes "
            "(CIN ReasonForClosure)",
        )  # fmt: skip
    if closure is EpisodeClosure.CIN_CONTINUES:
        return
    for assessment, (child, _, done) in check.state.assessments.items():
        if done is None and (not children or child in children):
            raise check.fail(
                "closure", "R-LC2a",
                f"assessment {assessment!r} of {child!r} is still open: complete it first "
                "(CIN 8867)",
            )  # fmt: skip


def plan_dates(check: Check, event: Event) -> None:
    """A plan ends, and is reviewed, after the day it starts: the census refuses a plan that
    ends before it starts (CIN 8925) or on that day (CIN 8840), and a review on or before
    it (CIN 8841). Every child's plan starts at the opening conference (R-LC1)."""
    state = check.state
    if not state.opened or not isinstance(event, PlanEnded | ConferenceHeld):
        return
    started = state.conferences[0].on
    if isinstance(event, PlanEnded):
        if event.on < started:
            raise check.fail(
                "on", "R-LC2a", f"a plan cannot end before it starts on {started} (CIN 8925)"
            )
        if event.on == started:
            raise check.fail("on", "R-LC2a", "a plan cannot end on the day it starts (CIN 8840)")
    elif event.on <= started:
        raise check.fail(
            "on",
            "R-LC2",
            f"a review conference comes after the plan starts on {started} (CIN 8841)",
        )


def section47(check: Check, event: ConferenceHeld) -> None:
    """R-T0: the Section 47 enquiry starts at the strategy discussion, or after it, and before
    the initial conference (CIN 8615); a transfer-in was accepted, not enquired into here."""
    started = event.s47_started_on
    if started is None:
        return
    if event.kind is ConferenceKind.TRANSFER_IN:
        raise check.fail(
            "s47_started_on", "R-T0", "a transfer-in conference records no Section 47 enquiry"
        )
    discussion = event.strategy_discussion_on
    if discussion is None:
        raise check.fail(
            "strategy_discussion_on",
            "R-T0",
            "record the strategy discussion that started the enquiry",
        )
    if started < discussion:
        raise check.fail(
            "s47_started_on",
            "R-T0",
            "the Section 47 enquiry starts at or after the strategy discussion",
        )
    if started > event.on:
        raise check.fail(
            "s47_started_on",
            "R-T0",
            "the Section 47 enquiry starts before the initial conference (CIN 8615)",
        )


def previous_plans(check: Check, child: Child) -> None:
    """R-LC1: the number of previous plans is the opening conference's to record."""
    known = check.state.children[child.id].previous_plans
    if child.previous_plans is not None and child.previous_plans != known:
        raise check.fail(
            "children.previous_plans", "R-LC1",
            "the number of previous plans is recorded by the conference that starts the plan",
        )  # fmt: skip
