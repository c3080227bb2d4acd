"""What the fold records of the duties beyond the timescales (``domain.state`` calls these):
who was a member when (R-T6, R-T9), who covered when (R-E5), each visit as statutory or a
sighting (R-T11, R-T12), visits without access and the plans after them (R-V5, R-V2),
risks and decisions (R-E2), apologies and written reports (R-M3), what the family was given
(R-P5, R-T19, R-T20), the vice chair (R-M1) and births (R-LC4)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from datetime import date
from typing import Any

from domain.case import CaseState, CoverPeriod, NoAccess
from domain.events import (
    AccessPlanAgreed,
    AgencyReportReceived,
    ApologiesSent,
    ChildBorn,
    ConferenceHeld,
    ConferenceKind,
    CoreGroupHeld,
    FamilyShare,
    Member,
    RiskDecided,
    RiskRaised,
    SharedWithFamily,
    VisitMade,
)
from domain.visitors import statutory


def joined(state: CaseState, members: tuple[Member, ...], on: date) -> None:
    for member in members:
        state.member_since.setdefault(member.id, on)
        state.member_left.pop(member.id, None)


def left(state: CaseState, member: str, on: date) -> None:
    state.member_left[member] = on


def children_unborn(state: CaseState, event: ConferenceHeld) -> None:
    """R-LC4: a pre-birth conference's children are unborn unless it says otherwise."""
    for child in event.children:
        record = state.children[child.id]
        unborn = child.unborn if child.unborn is not None else (
            event.kind is ConferenceKind.PRE_BIRTH and record.plan_start == event.on
        )  # fmt: skip
        if record.plan_start == event.on:
            record.unborn = unborn


def cover_started(state: CaseState, member: str, on: date) -> None:
    cover_ended(state, on)
    state.cover_periods.append(CoverPeriod(member, on))


def cover_ended(state: CaseState, on: date) -> None:
    if state.cover_periods and state.cover_periods[-1].end is None:
        last = state.cover_periods[-1]
        state.cover_periods[-1] = CoverPeriod(last.member, last.start, on)


def visit(state: CaseState, event: VisitMade, index: int) -> None:
    """R-T11, R-T12: a statutory visit's sightings count; another member's are recorded as
    sightings. R-V5, R-V2: a visit without access, and how many in a row."""
    if event.no_access:
        state.no_access_run += 1
        state.no_access.append(NoAccess(index, event.on, event.visitor, state.no_access_run))
        return
    state.no_access_run = 0
    if statutory(state, event):
        for child in event.children_seen:
            state.seen.setdefault(child, []).append(event.on)
        for child in event.seen_alone:
            state.seen_alone.setdefault(child, []).append(event.on)
    else:
        for child in event.children_seen:
            state.sightings.setdefault(child, []).append(event.on)


def held(state: CaseState, event: CoreGroupHeld) -> None:
    """R-M3 (apologies and reports received at the meeting), R-P6, R-M1's vice chair."""
    meeting = state.meetings[event.meeting]
    meeting.contingency_plan = event.contingency_plan is not None
    meeting.reports_received = event.attendance.reports_received
    meeting.apologies = event.attendance.apologies
    for member in event.attendance.apologies:
        state.apologies.setdefault((event.meeting, member), event.on)
    if event.vice_chair is not None:
        state.vice_chairs[meeting.period] = event.vice_chair


def _apologies(state: CaseState, event: ApologiesSent, index: int) -> None:
    state.apologies.setdefault((event.meeting, event.member), event.on)


def _report(state: CaseState, event: AgencyReportReceived, index: int) -> None:
    if event.meeting is not None:
        state.meeting_reports.setdefault((event.meeting, event.member), event.on)


def _shared(state: CaseState, event: SharedWithFamily, index: int) -> None:
    # Filed by what its day makes it, not by what the fold has read of that day yet, so the
    # order a day's events were recorded in never matters (late entries, R-G3): a report
    # shared on a review's day is for that review, as a report received then is (R-T9); a
    # plan is filed by its day, and ``domain.family`` finds its period once all are known.
    if event.what is FamilyShare.MINUTES:
        about = event.meeting or ""
    elif event.what is FamilyShare.REPORT:
        days = [c.on for c in state.conferences]
        about = f"p{max(0, bisect_left(days, event.on) - 1)}:{event.member}"
    else:
        state.plan_shared.append(event.on)
        return
    state.shared.setdefault((event.what.value, about), event.on)


def _risk(state: CaseState, event: RiskRaised, index: int) -> None:
    state.risks.append((index, event.on, event.member))


def _risk_decided(state: CaseState, event: RiskDecided, index: int) -> None:
    state.risk_decisions.append(event.on)


def _access_plan(state: CaseState, event: AccessPlanAgreed, index: int) -> None:
    state.access_plans.append((event.on, event.with_police))
    if event.direct_contact_by is not None:
        state.direct_contact.setdefault(event.direct_contact_by, event.on)


def _born(state: CaseState, event: ChildBorn, index: int) -> None:
    state.children[event.child].born_on = event.on


HANDLERS: dict[type, Callable[[CaseState, Any, int], None]] = {
    ApologiesSent: _apologies,
    AgencyReportReceived: _report,
    SharedWithFamily: _shared,
    RiskRaised: _risk,
    RiskDecided: _risk_decided,
    AccessPlanAgreed: _access_plan,
    ChildBorn: _born,
}
