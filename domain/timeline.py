"""One line per event, as operations staff read a case's timeline: what happened, who, the
outcome. Member and child ids and roles only, never a name, a date of birth or a category
of abuse (R-G1): the lines go to the Prefect UI.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

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
    ConferenceHeld,
    CoreGroupCancelled,
    CoreGroupHeld,
    CoreGroupRescheduled,
    CoreGroupScheduled,
    CoverEnded,
    CoverStarted,
    EscalationAcknowledged,
    Event,
    EventVoided,
    MemberJoined,
    MemberWithdrew,
    MinutesCirculated,
    PlanEnded,
    ReviewBooked,
    ReviewBroughtForward,
    RiskDecided,
    RiskRaised,
    SharedWithFamily,
    VisitMade,
)


def describe(event: Event) -> str:
    """What the event says, in one line."""
    line = _LINES.get(type(event))
    return line(event) if line else event.type.replace("_", " ")


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _ids(ids: tuple[str, ...]) -> str:
    return ", ".join(ids) if ids else "none"


def _conference(event: ConferenceHeld) -> str:
    kind = event.kind.value.replace("_", " ")
    decided = {"plan": "a plan", "continue": "the plan continues", "end": "the plan ends"}
    line = f"{kind} conference: {decided[event.decision.value]}"
    if event.children:
        line += f"; children {_ids(tuple(c.id for c in event.children))}"
    if event.first_cg_on:
        line += f"; first core group {_day(event.first_cg_on)}"
    if event.review_on:
        line += f"; review booked {_day(event.review_on)}"
    return line


def _held(event: CoreGroupHeld) -> str:
    line = f"core group {event.meeting} held: chair {event.chair}, minutes {event.minute_taker}"
    if event.attendance.present:
        line += f"; present {_ids(event.attendance.present)}"
    if event.attendance.apologies:
        line += f"; apologies {_ids(event.attendance.apologies)}"
    if event.next_dates:
        line += "; next " + ", ".join(_day(d) for d in event.next_dates)
    if event.recommendation:
        line += "; recommendation to the review recorded"
    if event.disagreements:
        line += f"; {len(event.disagreements)} disagreement(s)"
    return line


def _visit(event: VisitMade) -> str:
    if event.no_access:
        return f"visit by {event.visitor}: no access"
    line = f"visit by {event.visitor}: saw {_ids(event.children_seen)}"
    line += f", alone {_ids(event.seen_alone)}" if event.seen_alone else ", none alone"
    if event.bedroom_seen:
        line += f", bedroom of {_ids(event.bedroom_seen)}"
    if event.refused_seen_alone:
        line += "; seeing the child alone refused"
    return line


_LINES: dict[type, Callable[[Any], str]] = {
    ConferenceHeld: _conference,
    CoreGroupHeld: _held,
    VisitMade: _visit,
    CoreGroupScheduled: lambda e: f"core group {e.meeting} booked for {_day(e.date)}",
    CoreGroupCancelled: lambda e: f"core group {e.meeting} cancelled as inquorate",
    CoreGroupRescheduled: lambda e: f"core group {e.meeting} moved to {_day(e.date)}",
    MinutesCirculated: lambda e: f"minutes of core group {e.meeting} circulated",
    AgreementSigned: lambda e: f"written agreement of {e.meeting} signed by {e.member}",
    AgencyReportReceived: lambda e: f"agency report received from {e.member}",
    AssessmentStarted: lambda e: f"assessment {e.assessment} started for {e.child}",
    AssessmentCompleted: lambda e: f"assessment {e.assessment} completed",
    ConcernRaised: lambda e: f"concern {e.concern} raised orally by {e.member}",
    ConcernConfirmed: lambda e: f"concern {e.concern} confirmed in writing",
    ActionSet: lambda e: f"action {e.action.id} set for {e.action.owner}, due {_day(e.action.due)}",
    ActionDone: lambda e: f"action {e.action} done",
    ReviewBooked: lambda e: f"review conference booked for {_day(e.date)}",
    ReviewBroughtForward: lambda e: f"review brought forward to {_day(e.to)} by {e.authorised_by}",
    EscalationAcknowledged: lambda e: f"escalation {e.obligation} acknowledged by {e.by}",
    # The reason stays in the store: free text may name someone (R-G1).
    EventVoided: lambda e: f"event {e.voids} voided, authorised by {e.authorised_by}",
    CoverStarted: lambda e: f"cover for the lead professional by {e.cover.id}",
    CoverEnded: lambda _e: "cover for the lead professional ended",
    MemberJoined: lambda e: f"{e.member.id} ({e.member.role.value.replace('_', ' ')}) joined",
    MemberWithdrew: lambda e: f"{e.member} withdrew",
    RiskRaised: lambda e: f"risk not reduced: raised by {e.member}",
    RiskDecided: lambda e: f"risk decided by {e.by}: {e.decision.value.replace('_', ' ')}",
    ApologiesSent: lambda e: f"apologies from {e.member} for core group {e.meeting}",
    AccessPlanAgreed: lambda e: (
        "plan of action after no access agreed"
        + (" with the police" if e.with_police else "")
        + (f"; direct contact by {e.direct_contact_by}" if e.direct_contact_by else "")
    ),
    SharedWithFamily: lambda e: (
        f"{e.what.value} shared with the family"
        + (f" ({e.meeting or e.member})" if e.meeting or e.member else "")
    ),
    ChildBorn: lambda e: f"{e.child} born",
    PlanEnded: lambda e: (
        f"plan ended: {e.reason.value.replace('_', ' ')}"
        + (f" for {_ids(e.children)}" if e.children else "")
    ),
}
