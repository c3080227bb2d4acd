"""The obligations engine: a pure function of (case state, profile, calendar, as_of).

It returns every obligation of RULES.md §2, §5 and §6 with its status and the
ladder rung reached, the one-off notices raised by events, what belongs in the
outbox as of ``as_of``, and the case's next wake: the earliest future moment
anything changes. Nothing here reads the clock.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from domain.calendar import WorkingDayCalendar
from domain.dispatch import ChildDetails, Dispatch, PersonalDetails
from domain.events import (
    AgencyReportReceived,
    AgreementSigned,
    CoreGroupCancelled,
    CoreGroupRescheduled,
    CoreGroupScheduled,
    MemberRole,
    VisitMade,
)
from domain.history import CaseHistory
from domain.ladder import (
    LONDON,
    Clock,
    Obligation,
    Spec,
    Status,
    add_months,
    add_weeks,
    settle,
)
from domain.notices import Notice, notice_dispatches, notices
from domain.profiles import PolicyProfile, calendar_for, load_profile
from domain.recipients import obligation_dispatch
from domain.state import CaseState, Meeting, fold


@dataclass(frozen=True)
class CaseView:
    reference: str
    as_of: datetime
    obligations: tuple[Obligation, ...]
    notices: tuple[Notice, ...]
    dispatches: tuple[Dispatch, ...]
    next_wake: datetime | None

    def by_status(self, status: Status) -> tuple[Obligation, ...]:
        return tuple(o for o in self.obligations if o.status is status)


def derive(
    state: CaseState,
    profile: PolicyProfile,
    calendar: WorkingDayCalendar,
    as_of: datetime,
    history: bool = True,
) -> CaseView:
    """Every obligation as of ``as_of``; with ``history=False`` only those not yet met or
    discharged (what a wake and the caseload overview need), which is much cheaper."""
    clock = Clock(as_of, profile, calendar, history)
    found = specs(state, clock)
    if not history:
        found = (spec for spec in found if not clock.settled(spec.met_on, spec.discharged_on))
    obligations = tuple(settle(spec, clock) for spec in found)
    raised = tuple(notices(state, clock))
    dispatches = tuple(
        obligation_dispatch(state, o, clock) for o in obligations if o.is_open and o.rung
    ) + tuple(notice_dispatches(state, raised, clock))
    if profile.personal_data_channels and dispatches:  # R-G1: only for secure channels
        personal = {"personal": personal_details(state, profile.personal_data_channels)}
        dispatches = tuple(d.model_copy(update=personal) for d in dispatches)
    upcoming = [o.next_rung_at for o in obligations if o.next_rung_at is not None]
    upcoming += [n.fires_at for n in raised if n.fires_at > clock.as_of]
    return CaseView(
        reference=state.reference,
        as_of=clock.as_of,
        obligations=obligations,
        notices=raised,
        dispatches=dispatches,
        next_wake=min(upcoming) if upcoming and not state.closed else None,
    )


def view(history: CaseHistory, as_of: datetime) -> CaseView:
    """The case as known at ``as_of``: events dated after it are not yet known."""
    today = as_of.astimezone(LONDON).date()
    known = tuple(e for e in history.events if e.on <= today)
    state = fold(history.model_copy(update={"events": known}))
    profile = load_profile(state.profile)
    return derive(state, profile, calendar_for(profile), as_of)


def personal_details(state: CaseState, channels: tuple[str, ...]) -> PersonalDetails:
    """The children still on a plan, by name and latest category (R-G1's secure channels)."""
    on_plan = [c for c in state.children.values() if c.plan_end is None] or list(
        state.children.values()
    )
    return PersonalDetails(
        channels=channels,
        children=tuple(
            ChildDetails(name=c.name or c.id, category=str(c.latest_category)) for c in on_plan
        ),
    )


def review_due(state: CaseState, period: int, calendar: WorkingDayCalendar) -> date:
    """R-T7 / R-T8, or the date the review was brought forward to (R-E3)."""
    profile = state.policy
    months = profile.first_review_months if period == 0 else profile.later_review_months
    due = calendar.previous_working_day(add_months(state.conferences[period].on, months))
    return state.brought_forward.get(period, due)


def specs(state: CaseState, clock: Clock) -> Iterator[Spec]:
    if not state.opened:
        return
    yield from _icpc_timeliness(state, clock)
    last = len(state.conferences) - 1
    for period in range(len(state.conferences)):
        if state.conferences[period].decision.value == "end":
            continue
        if period < last and clock.settled(state.conferences[period + 1].on, None):
            continue  # a past period's obligations are all met or discharged
        yield from _period(state, clock, period)
    yield from _meetings(state, clock)
    yield from _children(state, clock)
    yield from _visiting_matrix(state, clock)
    yield from _assessments_concerns_actions(state, clock)


def _lp(state: CaseState, **fields: object) -> Spec:
    return Spec(owner_role="lead_professional", owner=state.lead_professional, **fields)  # type: ignore[arg-type]


def _ack(state: CaseState, spec: Spec) -> Spec:
    spec.acknowledged_on = state.acknowledged.get(spec.key)
    return spec


def _icpc_timeliness(state: CaseState, clock: Clock) -> Iterator[Spec]:
    opening = state.events[0]
    started = getattr(opening, "strategy_discussion_on", None)
    if not isinstance(started, date):
        return
    due = clock.calendar.add(started, clock.profile.icpc_within_wd)
    yield Spec(
        key="R-T0",
        rule="R-T0",
        title="Initial conference held",
        subject="case",
        subject_kind="case",
        owner_role="team_manager",
        owner=state.team_manager,
        due=due,
        arose=started,
        met_on=opening.on,
    )


def _period(state: CaseState, clock: Clock, period: int) -> Iterator[Spec]:
    conference = state.conferences[period]
    following = state.conferences[period + 1].on if period + 1 < len(state.conferences) else None
    due = review_due(state, period, clock.calendar)
    review_day = following or due
    rule = "R-T7" if period == 0 else "R-T8"
    end = following or state.closed_on
    yield _ack(
        state,
        _lp(
            state,
            key=f"{rule}:p{period}",
            rule=rule,
            title="Review conference held",
            subject="review conference",
            subject_kind="meeting",
            due=due,
            arose=conference.on,
            met_on=following,
            discharged_on=state.closed_on,
        ),
    )
    yield from _cadence(state, clock, period, end)
    yield from _before_review(state, clock, period, review_day, end)


def held_in_period(state: CaseState, period: int) -> list[Meeting]:
    return [state.meetings[m] for m in state.held.get(period, ())]


def cadence_due(
    state: CaseState, clock: Clock, period: int, anchor: date, k: int
) -> tuple[str, date]:
    """The rule and due date of the k-th core group (from 0) of a period: R-T1, R-T3, R-T4."""
    profile, calendar = clock.profile, clock.calendar
    weeks = (
        profile.cg_every_weeks_before_review if period == 0 else profile.cg_every_weeks_after_review
    )
    if state.cg_every_weeks:
        weeks = min(weeks, state.cg_every_weeks)
    if k == 0 and period == 0:
        return "R-T1", calendar.add(anchor, profile.first_cg_within_wd)
    return ("R-T3" if period == 0 else "R-T4"), add_weeks(calendar, anchor, weeks)


def _cadence(state: CaseState, clock: Clock, period: int, end: date | None) -> Iterator[Spec]:
    anchor = state.conferences[period].on
    held = held_in_period(state, period)
    for k in range(len(held) + 1):
        rule, due = cadence_due(state, clock, period, anchor, k)
        met = held[k].held_on if k < len(held) else None
        if met is None and end is not None and due >= end:
            return  # the next conference came first: no core group was owed
        if clock.settled(met, None):
            anchor = met or anchor
            continue
        yield _ack(
            state,
            _lp(
                state,
                key=f"{rule}:p{period}:cg{k + 1}",
                rule=rule,
                title="Core group held",
                subject=f"core group {k + 1} after conference {period + 1}",
                subject_kind="meeting",
                due=due,
                arose=anchor,
                met_on=met,
                discharged_on=None if met else end,
            ),
        )
        anchor = met or anchor


def _before_review(
    state: CaseState, clock: Clock, period: int, review_day: date, end: date | None
) -> Iterator[Spec]:
    profile, calendar = clock.profile, clock.calendar
    start = state.conferences[period].on
    held = held_in_period(state, period)
    eve = calendar.subtract(review_day, 1)
    if period == 0:
        need = profile.cgs_before_first_review
        met = held[need - 1].held_on if len(held) >= need else None
        yield _ack(
            state,
            _lp(
                state,
                key="R-T2",
                rule="R-T2",
                title=f"{need} core groups held before the first review",
                subject="first review conference",
                subject_kind="case",
                due=eve,
                arose=start,
                met_on=met if met and met < review_day else None,
                discharged_on=end,
            ),
        )
    if profile.recommendation_at_final_cg:
        made = [
            m.held_on for m in held if m.recommendation and m.held_on and m.held_on < review_day
        ]
        yield _ack(
            state,
            _lp(
                state,
                key=f"R-T17:p{period}",
                rule="R-T17",
                title="Core group recommendation to the review",
                subject="review conference",
                subject_kind="meeting",
                due=eve,
                arose=start,
                met_on=made[-1] if made else None,
                discharged_on=end,
            ),
        )
    yield from _reports(state, clock, period, review_day, end)
    if profile.bedroom_between_conferences:
        yield from _bedrooms(state, period, start, review_day, eve, end)


def _reports(
    state: CaseState, clock: Clock, period: int, review_day: date, end: date | None
) -> Iterator[Spec]:
    """R-T9 each agency's report N WD before the review; R-T10 the chase and escalation."""
    profile, calendar = clock.profile, clock.calendar
    start = state.conferences[period].on
    received: dict[str, date] = {}
    for event in state.of(AgencyReportReceived):
        if start < event.on <= review_day:
            received.setdefault(event.member, event.on)
    due = calendar.subtract(review_day, profile.reports_before_review_wd)
    chase = calendar.subtract(review_day, profile.chase_before_review_wd)
    for member in state.members.values():
        if member.role is not MemberRole.PROFESSIONAL:
            continue
        yield _ack(
            state,
            Spec(
                key=f"R-T9:p{period}:{member.id}",
                rule="R-T9",
                title="Agency report for the review",
                subject=f"report from member {member.id}",
                subject_kind="report",
                owner_role="member",
                owner=member.id,
                due=due,
                arose=start,
                met_on=received.get(member.id),
                discharged_on=end,
                chase_on=max(chase, start),
            ),
        )


def _bedrooms(
    state: CaseState, period: int, start: date, review_day: date, due: date, end: date | None
) -> Iterator[Spec]:
    """R-T13: each child's bedroom seen at least once between conferences."""
    seen: dict[str, date] = {}
    for event in state.of(VisitMade):
        if start <= event.on < review_day:
            for child_id in event.bedroom_seen:
                seen.setdefault(child_id, event.on)
    for child in state.children.values():
        yield _ack(
            state,
            _lp(
                state,
                key=f"R-T13:p{period}:{child.id}",
                rule="R-T13",
                title="Child's bedroom seen",
                subject=f"child {child.id}",
                subject_kind="child",
                due=due,
                arose=start,
                met_on=seen.get(child.id),
                discharged_on=end or child.plan_end,
            ),
        )


def _meetings(state: CaseState, clock: Clock) -> Iterator[Spec]:
    profile, calendar = clock.profile, clock.calendar
    signed = {(e.meeting, e.member): e.on for e in state.of(AgreementSigned)}
    firsts = {ids[0] for ids in state.held.values() if ids} if profile.signed_agreement else set()
    for meeting in state.meetings.values():
        if meeting.held_on is None:
            continue
        if clock.settled(meeting.minutes_on, None) and not profile.signed_agreement:
            continue
        yield _ack(
            state,
            Spec(
                key=f"R-T5:{meeting.id}",
                rule="R-T5",
                title="Core group minutes and plan circulated",
                subject=f"core group {meeting.id}",
                subject_kind="meeting",
                owner_role="minute_taker",
                owner=meeting.minute_taker,
                due=calendar.add(meeting.held_on, profile.minutes_within_wd),
                arose=meeting.held_on,
                met_on=meeting.minutes_on,
                discharged_on=state.closed_on,
            ),
        )
        if profile.signed_agreement and meeting.minutes_on and meeting.id in firsts:
            due = calendar.add(meeting.minutes_on, profile.agreement_within_wd)
            for member in state.members.values():
                yield _ack(
                    state,
                    Spec(
                        key=f"R-T6:{meeting.id}:{member.id}",
                        rule="R-T6",
                        title="Written agreement signed",
                        subject=f"plan from core group {meeting.id}",
                        subject_kind="member",
                        owner_role="member",
                        owner=member.id,
                        due=due,
                        arose=meeting.minutes_on,
                        met_on=signed.get((meeting.id, member.id)),
                        discharged_on=state.closed_on,
                    ),
                )


def _children(state: CaseState, clock: Clock) -> Iterator[Spec]:
    profile = clock.profile
    lp_line = state.visiting_matrix.get(state.lead_professional or "")
    for child in state.children.values():
        every = lp_line.every_weeks if lp_line else profile.seen_every_weeks
        if child.seen_every_weeks:
            every = min(every, child.seen_every_weeks)
        end = child.plan_end or state.closed_on
        yield from _chain(
            state,
            clock,
            "R-T11",
            "Child seen",
            child.id,
            child.plan_start,
            state.seen.get(child.id, []),
            every,
            end,
        )
        yield from _chain(
            state,
            clock,
            "R-T12",
            "Child seen alone",
            child.id,
            child.plan_start,
            state.seen_alone.get(child.id, []),
            profile.seen_alone_every_weeks,
            end,
        )


def _chain(
    state: CaseState,
    clock: Clock,
    rule: str,
    title: str,
    child: str,
    start: date,
    days: list[date],
    weeks: int,
    end: date | None,
) -> Iterator[Spec]:
    """A visit every N weeks (R-T11, R-T12): each visit meets one deadline and sets the next.

    ``days`` is in date order (events are), so the wake view finds the last visit so far
    with a binary search: only the deadline after it can be open."""
    anchor = start
    if clock.history:
        visits = sorted(set(d for d in days if d >= start and (end is None or d <= end)))
    else:
        upto = bisect_right(days, clock.today if end is None else min(end, clock.today))
        if upto and days[upto - 1] >= start:
            anchor = days[upto - 1]
        visits = sorted(set(d for d in days[upto:] if end is None or d <= end))
    for day in [*visits, None]:
        yield _ack(
            state,
            _lp(
                state,
                key=f"{rule}:{child}:{anchor.isoformat()}",
                rule=rule,
                title=title,
                subject=f"child {child}",
                subject_kind="child",
                due=add_weeks(clock.calendar, anchor, weeks),
                arose=anchor,
                met_on=day,
                discharged_on=None if day else end,
            ),
        )
        if day is None:
            return
        anchor = day


def _visiting_matrix(state: CaseState, clock: Clock) -> Iterator[Spec]:
    """R-P3: each professional's line of the visiting matrix is an obligation."""
    start = state.conferences[0].on
    for line in state.visiting_matrix.values():
        if line.member == state.lead_professional:
            continue  # the LP's line is R-T11
        visits = sorted(
            {e.on for e in state.of(VisitMade) if e.visitor == line.member and not e.no_access}
        )
        anchor = start
        for day in visits + [None]:
            yield _ack(
                state,
                Spec(
                    key=f"R-P3:{line.member}:{anchor.isoformat()}",
                    rule="R-P3",
                    title="Visit on the visiting matrix",
                    subject=f"visits by member {line.member}",
                    subject_kind="member",
                    owner_role="member",
                    owner=line.member,
                    due=add_weeks(clock.calendar, anchor, line.every_weeks),
                    arose=anchor,
                    met_on=day,
                    discharged_on=None if day else state.closed_on,
                ),
            )
            if day is None:
                break
            anchor = day


def _assessments_concerns_actions(state: CaseState, clock: Clock) -> Iterator[Spec]:
    profile, calendar = clock.profile, clock.calendar
    for assessment, (child, started, completed) in state.assessments.items():
        yield _ack(
            state,
            _lp(
                state,
                key=f"R-T14:{assessment}",
                rule="R-T14",
                title="Assessment completed",
                subject=f"assessment {assessment}",
                subject_kind="assessment",
                due=calendar.add(started, profile.assessment_within_wd),
                arose=started,
                met_on=completed,
                discharged_on=state.children[child].plan_end or state.closed_on,
            ),
        )
    for concern, (member, raised, confirmed) in state.concerns.items():
        due_at = raised + timedelta(hours=profile.concern_confirm_hours)
        yield _ack(
            state,
            Spec(
                key=f"R-T15:{concern}",
                rule="R-T15",
                title="Concern confirmed in writing",
                subject=f"concern {concern}",
                subject_kind="concern",
                owner_role="member",
                owner=member,
                due=due_at.astimezone(LONDON).date(),
                arose=raised.date(),
                due_at=due_at,
                met_on=confirmed.date() if confirmed else None,
                met_at=confirmed,
                discharged_on=state.closed_on,
            ),
        )
    yield from _inquorate(state, clock)
    for action, set_on, done in state.actions.values():
        yield _ack(
            state,
            Spec(
                key=f"R-P2:{action.id}",
                rule="R-P2",
                title="Plan action done",
                subject=f"action {action.id}",
                subject_kind="action",
                owner_role="member",
                owner=action.owner,
                due=action.due,
                arose=set_on,
                met_on=done,
                discharged_on=state.closed_on,
            ),
        )


def _inquorate(state: CaseState, clock: Clock) -> Iterator[Spec]:
    """R-T16 / R-M5: after an inquorate cancellation, a new date is set within 24 h."""
    hours = clock.profile.inquorate_notice_hours
    new_dates = sorted(
        e.on for e in [*state.of(CoreGroupScheduled), *state.of(CoreGroupRescheduled)]
    )
    for event in state.of(CoreGroupCancelled):
        new_date = next((day for day in new_dates if day >= event.on), None)
        due_at = event.at + timedelta(hours=hours)
        yield _ack(
            state,
            _lp(
                state,
                key=f"R-T16:{event.meeting}:{event.at.isoformat()}",
                rule="R-T16",
                title="New core group date set after an inquorate meeting",
                subject=f"core group {event.meeting}",
                subject_kind="meeting",
                due=due_at.astimezone(LONDON).date(),
                arose=event.on,
                due_at=due_at,
                met_on=new_date,
                met_at=datetime.combine(new_date, time(0), LONDON) if new_date else None,
                discharged_on=state.closed_on,
            ),
        )
