"""The rules as a table (docs/rules.md): what each obligation and each notice is called, who
owns it, who hears of it, which template says it and what the reader should do.

The generators in ``domain.reviews``, ``domain.core_groups``, ``domain.visits`` and
``domain.tracked`` say only *when* (due, met, discharged) and *about what*; everything a
person reads comes from here, keyed by rule ID (obligations) or by notice name (notices).
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.dispatch import RecipientRole, Rung

MEMBERS = (RecipientRole.MEMBER,)
CONFERENCE = (RecipientRole.MEMBER, RecipientRole.CONFERENCE_CHAIR)
TM_LP = (RecipientRole.TEAM_MANAGER, RecipientRole.LEAD_PROFESSIONAL)


@dataclass(frozen=True, slots=True)
class ObligationRule:
    title: str
    owner_role: str  # lead_professional, team_manager, minute_taker or member
    subject_kind: str
    action: str  # what the owner should do, one line (the notice's last line)


OBLIGATIONS: dict[str, ObligationRule] = {
    "R-T0": ObligationRule(
        "Initial conference held", "team_manager", "case",
        "Record why the initial conference was late",
    ),
    "R-T1": ObligationRule(
        "Core group held", "lead_professional", "meeting", "Hold the first core group and record it"
    ),
    "R-T2": ObligationRule(
        "{need} core groups held before the first review", "lead_professional", "case",
        "Hold the core groups owed before the first review",
    ),
    "R-T3": ObligationRule(
        "Core group held", "lead_professional", "meeting", "Hold the next core group and record it"
    ),
    "R-T4": ObligationRule(
        "Core group held", "lead_professional", "meeting", "Hold the next core group and record it"
    ),
    "R-T5": ObligationRule(
        "Core group minutes and plan circulated", "minute_taker", "meeting",
        "Circulate the minutes and updated plan to all members",
    ),
    "R-T6": ObligationRule(
        "Written agreement signed", "member", "member", "Return the signed written agreement"
    ),
    "R-T7": ObligationRule(
        "Review conference held", "lead_professional", "meeting",
        "Hold the first review conference",
    ),
    "R-T8": ObligationRule(
        "Review conference held", "lead_professional", "meeting", "Hold the review conference"
    ),
    "R-T9": ObligationRule(
        "Agency report for the review", "member", "report",
        "Send the agency's written report to the lead professional",
    ),
    "R-T11": ObligationRule("Child seen", "lead_professional", "child", "Visit and see the child"),
    "R-T12": ObligationRule(
        "Child seen alone", "lead_professional", "child", "Visit and see the child alone"
    ),
    "R-T13": ObligationRule(
        "Child's bedroom seen", "lead_professional", "child", "See the child's bedroom on a visit"
    ),
    "R-T14": ObligationRule(
        "Assessment completed", "lead_professional", "assessment", "Complete the assessment"
    ),
    "R-T15": ObligationRule(
        "Concern confirmed in writing", "member", "concern",
        "Confirm the concern in writing to the lead professional",
    ),
    "R-T16": ObligationRule(
        "New core group date set after an inquorate meeting", "lead_professional", "meeting",
        "Set a new core group date through the team manager",
    ),
    "R-T17": ObligationRule(
        "Core group recommendation to the review", "lead_professional", "meeting",
        "Record the core group's recommendation to the review",
    ),
    "R-T19": ObligationRule(
        "Agency report shared with the family", "member", "report",
        "Share the agency's report with the family before the review",
    ),
    "R-T20": ObligationRule(
        "Minutes shared with the family", "lead_professional", "meeting",
        "Share the core group's minutes with the parents and the child",
    ),
    "R-M3": ObligationRule(
        "Written report from a member sending apologies", "member", "report",
        "Send the written report to the lead professional before the core group",
    ),
    "R-V5": ObligationRule(
        "Plan of action after a visit without access", "lead_professional", "child",
        "Agree a plan of action with the core group and record it",
    ),
    "R-V2": ObligationRule(
        "Plan of action with the police after no access", "lead_professional", "child",
        "Agree the plan of action with the police and record it",
    ),
    "R-E2": ObligationRule(
        "Team manager's decision on risk not reduced", "team_manager", "case",
        "Decide: immediate protection, court, resources, an earlier review or a new plan",
    ),
    "R-P5": ObligationRule(
        "Plan copied to the child and parents", "lead_professional", "case",
        "Give the child and the parents their copy of the plan",
    ),
    "R-P6": ObligationRule(
        "Contingency plan in the detailed plan", "lead_professional", "case",
        "Agree a contingency plan at the core group and record it",
    ),
    "R-P2": ObligationRule(
        "Plan action done", "member", "action", "Complete the plan action or record why not"
    ),
    "R-P3": ObligationRule(
        "Visit on the visiting matrix", "member", "member",
        "Make the visit set in the visiting matrix",
    ),
}  # fmt: skip

BOOKED_REVIEW_TITLE = "Review conference held on the day booked"
BOOKED_REVIEW_ACTION = "Hold the review, or book it again before its deadline"


# R-E1: who hears of each rung; the final rung also goes to the profile's final recipient.
RUNG_RECIPIENTS: dict[Rung, tuple[RecipientRole, ...]] = {
    Rung.REMINDER: (RecipientRole.OWNER,),
    Rung.CHASE: (RecipientRole.OWNER, RecipientRole.LEAD_PROFESSIONAL),
    Rung.MISSED: (RecipientRole.OWNER, RecipientRole.LEAD_PROFESSIONAL),
    Rung.ESCALATION_TM: (RecipientRole.TEAM_MANAGER, RecipientRole.LEAD_PROFESSIONAL),
    Rung.ESCALATION_FINAL: (RecipientRole.TEAM_MANAGER,),
}

RUNG_TEMPLATES: dict[Rung, str] = {
    Rung.REMINDER: "reminder",
    Rung.CHASE: "chase",
    Rung.MISSED: "missed",
    Rung.ESCALATION_TM: "escalation",
    Rung.ESCALATION_FINAL: "unacknowledged",  # R-E6: the TM has not acknowledged it
}


@dataclass(frozen=True, slots=True)
class NoticeRule:
    rule: str
    template: str
    title: str
    roles: tuple[RecipientRole, ...]
    action: str  # may name {date}: the meeting's day


NOTICES: dict[str, NoticeRule] = {
    "inquorate": NoticeRule(
        "R-T16", "inquorate", "Core group cancelled as inquorate",
        (*MEMBERS, RecipientRole.TEAM_MANAGER),
        "A new date will be set through the team manager within {hours} hours",
    ),
    "rescheduled": NoticeRule(
        "R-M6", "rescheduled", "Core group rescheduled", MEMBERS,
        "Attend on the new date, {date}",
    ),
    "reschedule_breach": NoticeRule(
        "R-M6", "rescheduled", "Rescheduled core group misses its deadline of {deadline}", TM_LP,
        "Agree an earlier date or record why the timescale cannot be met",
    ),
    "no_access": NoticeRule(
        "R-V2", "no_access", "Two visits in a row without access",
        (RecipientRole.TEAM_MANAGER, *MEMBERS),
        "Agree a plan of action with the police today",
    ),
    "access_failed": NoticeRule(
        "R-V5", "access_failed", "Visit without access", (RecipientRole.TEAM_MANAGER, *MEMBERS),
        "Agree a plan of action with {with_whom} today",
    ),
    "absent_without_apologies": NoticeRule(
        "R-M3", "absent_without_apologies", "Member absent without apologies", TM_LP,
        "Ask the member for their written report and apologies",
    ),
    "family_absent": NoticeRule(
        "R-M4", "family_absent", "Family did not attend the core group", TM_LP,
        "Consider whether the family's absence is a risk to the child",
    ),
    "no_social_care": NoticeRule(
        "R-M9", "no_social_care", "Core group held without children's social care",
        (RecipientRole.TEAM_MANAGER,),
        "Make sure the lead professional, their manager or a qualified delegate attends",
    ),
    "member_withdrew": NoticeRule(
        "R-M10", "member_withdrew", "A member withdrew from the core group",
        (RecipientRole.CONFERENCE_CHAIR, RecipientRole.TEAM_MANAGER),
        "Check the next conference will be quorate",
    ),
    "booking_breach": NoticeRule(
        "R-M6", "booking_breach", "Core group booked past its deadline of {deadline}", TM_LP,
        "Agree an earlier date or record why the timescale cannot be met",
    ),
    "seen_alone_refused": NoticeRule(
        "R-V3", "seen_alone_refused", "Parents refused the child being seen alone",
        (RecipientRole.TEAM_MANAGER,), "Decide how the child will be seen alone",
    ),
    "risk_raised": NoticeRule(
        "R-E2", "risk_raised", "Risk not reduced: decision needed", TM_LP,
        "Decide: immediate protection, court, resources or an earlier review",
    ),
    "disagreement": NoticeRule(
        "R-E4", "disagreement", "Professional disagreement at a core group",
        (RecipientRole.TEAM_MANAGER, RecipientRole.CONFERENCE_CHAIR),
        "Resolve the disagreement or start the escalation procedure",
    ),
    "review_brought_forward": NoticeRule(
        "R-E3", "review_brought_forward", "Review conference brought forward", CONFERENCE,
        "Reports are now due before the review on {date}",
    ),
    "cover_started": NoticeRule(
        "R-E5", "cover_started", "Lead professional cover in force", MEMBERS,
        "Contact the cover worker while the lead professional is absent",
    ),
    "meeting_invite": NoticeRule(
        "", "meeting_invite", "{label} booked", MEMBERS,
        "Accept the invitation; if you cannot attend, send apologies and a written report (R-M3)",
    ),
    "meeting_cancelled": NoticeRule(
        "R-LC2", "meeting_cancelled", "{label} cancelled: the plan has ended", MEMBERS,
        "Remove the meeting from your calendar; no reports are needed for it",
    ),
}  # fmt: skip
