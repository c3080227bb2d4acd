"""One-off notices raised by events: R-T16, R-M6, R-V2, R-V3, R-E2, R-E3, R-E4, R-E5.

A notice fires once, from the business hour of the day its event happened. A
history imported long after the fact raises no stale notices: only those within
``NOTICE_WINDOW_DAYS`` of ``as_of`` are dispatched.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.dispatch import Dispatch, RecipientRole, Rung
from domain.events import (
    ConferenceHeld,
    CoreGroupCancelled,
    CoreGroupHeld,
    CoreGroupRescheduled,
    CoverStarted,
    Event,
    ReviewBroughtForward,
    RiskRaised,
    VisitMade,
)
from domain.ladder import Clock
from domain.state import CaseState

NOTICE_WINDOW_DAYS = 14
MEMBERS = (RecipientRole.MEMBER,)
TM_LP = (RecipientRole.TEAM_MANAGER, RecipientRole.LEAD_PROFESSIONAL)


@dataclass(frozen=True, slots=True)
class Notice:
    key: str
    rule: str
    template: str
    title: str
    subject: str
    action: str
    on: date
    fires_at: datetime
    roles: tuple[RecipientRole, ...]
    meeting_date: date | None = None


def notices(state: CaseState, clock: Clock) -> Iterator[Notice]:
    previous: VisitMade | None = None
    events = state.events
    start = 0
    if not clock.history:  # older notices can no longer be dispatched
        cutoff = clock.today - timedelta(days=NOTICE_WINDOW_DAYS + 1)
        start = max(bisect_left([e.on for e in events], cutoff) - 1, 0)
    for index in range(start, len(events)):
        event = events[index]
        yield from _raised(state, clock, index, event, previous)
        if isinstance(event, VisitMade):
            previous = event


def _notice(
    clock: Clock, index: int, event: Event, rule: str, template: str, **fields: object
) -> Notice:
    return Notice(
        key=f"{rule}:e{index}",
        rule=rule,
        template=template,
        on=event.on,
        fires_at=clock.moment(event.on),
        **fields,  # type: ignore[arg-type]
    )


def _raised(
    state: CaseState, clock: Clock, index: int, event: Event, previous: VisitMade | None
) -> Iterable[Notice]:
    if isinstance(event, CoreGroupCancelled):
        return [
            _notice(
                clock,
                index,
                event,
                "R-T16",
                "inquorate",
                title="Core group cancelled as inquorate",
                subject=f"core group {event.meeting}",
                roles=(*MEMBERS, RecipientRole.TEAM_MANAGER),
                action="A new date will be set through the team manager within 24 hours",
            )
        ]
    if isinstance(event, CoreGroupRescheduled):
        return list(_rescheduled(state, clock, index, event))
    if isinstance(event, VisitMade):
        return list(_visit(clock, index, event, previous))
    if isinstance(event, RiskRaised):
        return [
            _notice(
                clock,
                index,
                event,
                "R-E2",
                "risk_raised",
                title="Risk not reduced: decision needed",
                subject=f"raised by member {event.member}",
                roles=TM_LP,
                action="Decide: immediate protection, court, resources or an earlier review",
            )
        ]
    if isinstance(event, CoreGroupHeld) and event.disagreements:
        return [
            _notice(
                clock,
                index,
                event,
                "R-E4",
                "disagreement",
                title="Professional disagreement at a core group",
                subject=f"core group {event.meeting}",
                roles=(RecipientRole.TEAM_MANAGER, RecipientRole.CONFERENCE_CHAIR),
                action="Resolve the disagreement or start the escalation procedure",
            )
        ]
    if isinstance(event, ReviewBroughtForward):
        return [
            _notice(
                clock,
                index,
                event,
                "R-E3",
                "review_brought_forward",
                title="Review conference brought forward",
                subject="review conference",
                roles=MEMBERS,
                meeting_date=event.to,
                action=f"Reports are now due before the review on {event.to.isoformat()}",
            )
        ]
    if isinstance(event, CoverStarted):
        return [
            _notice(
                clock,
                index,
                event,
                "R-E5",
                "cover_started",
                title="Lead professional cover in force",
                subject=f"cover worker {event.cover.id}",
                roles=MEMBERS,
                action="Contact the cover worker while the lead professional is absent",
            )
        ]
    return []


def _rescheduled(
    state: CaseState, clock: Clock, index: int, event: CoreGroupRescheduled
) -> Iterator[Notice]:
    yield _notice(
        clock,
        index,
        event,
        "R-M6",
        "rescheduled",
        title="Core group rescheduled",
        subject=f"core group {event.meeting}",
        roles=MEMBERS,
        meeting_date=event.date,
        action=f"Attend on the new date, {event.date.isoformat()}",
    )
    deadline = _cadence_deadline(state, clock, event)
    if deadline is not None and event.date > deadline:
        yield Notice(
            key=f"R-M6:breach:e{index}",
            rule="R-M6",
            template="rescheduled",
            title=f"Rescheduled core group misses its deadline of {deadline.isoformat()}",
            subject=f"core group {event.meeting}",
            on=event.on,
            fires_at=clock.moment(event.on),
            roles=TM_LP,
            meeting_date=event.date,
            action="Agree an earlier date or record why the timescale cannot be met",
        )


def _cadence_deadline(state: CaseState, clock: Clock, event: CoreGroupRescheduled) -> date | None:
    """The R-T1/R-T3/R-T4 deadline in force when the meeting was moved (R-M6)."""
    from domain.obligations import cadence_due

    period = state.meetings[event.meeting].period
    conferences = [e for e in state.events if isinstance(e, ConferenceHeld)]
    anchor, count = conferences[period].on, 0
    for earlier in state.events:
        if earlier is event:
            break
        if isinstance(earlier, CoreGroupHeld) and state.meetings[earlier.meeting].period == period:
            anchor, count = earlier.on, count + 1
    return cadence_due(state, clock, period, anchor, count)[1]


def _visit(
    clock: Clock, index: int, event: VisitMade, previous: VisitMade | None
) -> Iterator[Notice]:
    if event.no_access and previous is not None and previous.no_access:
        yield _notice(
            clock,
            index,
            event,
            "R-V2",
            "no_access",
            title="Two visits in a row without access",
            subject=f"visits by member {event.visitor}",
            roles=TM_LP,
            action="Plan the next step with the police today",
        )
    if event.refused_seen_alone:
        yield _notice(
            clock,
            index,
            event,
            "R-V3",
            "seen_alone_refused",
            title="Parents refused the child being seen alone",
            subject=f"visit by member {event.visitor}",
            roles=(RecipientRole.TEAM_MANAGER,),
            action="Decide how the child will be seen alone",
        )


def notice_dispatches(
    state: CaseState, raised: Iterable[Notice], clock: Clock
) -> Iterator[Dispatch]:
    from domain.recipients import recipients

    for notice in raised:
        fresh = (clock.today - notice.on).days <= NOTICE_WINDOW_DAYS
        if notice.fires_at > clock.as_of or not fresh:
            continue
        yield Dispatch(
            case_reference=state.reference,
            team=state.team,
            profile=state.profile,
            obligation=notice.key,
            rule=notice.rule,
            rung=Rung.NOTICE,
            template=notice.template,
            title=notice.title,
            subject=notice.subject,
            owner_role="lead_professional",
            owner=state.lead_professional,
            due=None,
            overdue_since=None,
            fires_at=notice.fires_at,
            action=notice.action,
            recipients=recipients(state, notice.roles, state.lead_professional),
            meeting_date=notice.meeting_date,
        )
