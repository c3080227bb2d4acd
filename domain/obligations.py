"""The obligations engine: a pure function of (case state, profile, calendar, as_of).

It returns every obligation of docs/rules.md (§2, §5, §6) with its status and the ladder
rung reached, the one-off notices raised by events, what belongs in the outbox as of
``as_of``, and the case's next wake: the earliest future moment anything changes. Nothing
here reads the clock. The rule families live in ``domain.reviews``, ``domain.core_groups``,
``domain.visits`` and ``domain.tracked``; what people read of them, in ``domain.rulebook``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from domain import core_groups, family, reviews, tracked, visits
from domain.calendar import WorkingDayCalendar
from domain.case import CaseState
from domain.dispatch import ChildDetails, Dispatch, PersonalDetails
from domain.events import ConferenceDecision
from domain.history import CaseHistory
from domain.ladder import LONDON, Clock, Obligation, Spec, Status, overdue_from, settle
from domain.notices import Notice, notice_dispatches, notices
from domain.profiles import PolicyProfile, calendar_for, load_profile
from domain.recipients import obligation_dispatch
from domain.state import fold


@dataclass(frozen=True)
class ReviewDates:
    """The next review conference: its deadline (R-T7, R-T8, or brought forward, R-E3)
    and the day it is booked for, if it is."""

    deadline: date
    booked: date | None


@dataclass(frozen=True)
class CaseView:
    reference: str
    as_of: datetime
    obligations: tuple[Obligation, ...]
    notices: tuple[Notice, ...]
    dispatches: tuple[Dispatch, ...]
    next_wake: datetime | None
    review: ReviewDates | None = None

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
    discharged (what a wake and the read model need), which is much cheaper."""
    clock = Clock(as_of, profile, calendar, history)
    obligations = _settled(state, clock)
    raised = tuple(notices(state, clock))
    dispatches = tuple(
        obligation_dispatch(state, o, clock) for o in obligations if o.is_open and o.rung
    ) + tuple(notice_dispatches(state, raised, clock))
    if profile.personal_data_channels and dispatches:  # R-G1: only for secure channels
        personal = {"personal": personal_details(state, profile.personal_data_channels)}
        dispatches = tuple(d.model_copy(update=personal) for d in dispatches)
    upcoming = [o.next_rung_at for o in obligations if o.next_rung_at is not None]
    upcoming += [n.fires_at for n in raised if n.fires_at > clock.as_of]
    # Wake too when an open obligation turns overdue, so what people see of the case (the
    # Runs page's tags, its page) says so from that moment, not from its next rung.
    turning = (overdue_from(o) for o in obligations if o.is_open)
    upcoming += [moment for moment in turning if moment > clock.as_of]
    return CaseView(
        reference=state.reference,
        as_of=clock.as_of,
        obligations=obligations,
        notices=raised,
        dispatches=dispatches,
        next_wake=min(upcoming) if upcoming and not state.closed else None,
        review=_review_dates(state, clock),
    )


def settled_obligations(
    state: CaseState, profile: PolicyProfile, calendar: WorkingDayCalendar, as_of: datetime
) -> tuple[Obligation, ...]:
    """Every obligation as of ``as_of``, as ``derive`` finds them, without the notices and
    dispatches a wake sends: what a return counts (the timeliness report)."""
    return _settled(state, Clock(as_of, profile, calendar, True))


def _settled(state: CaseState, clock: Clock) -> tuple[Obligation, ...]:
    found = specs(state, clock)
    if not clock.history:
        found = (spec for spec in found if not clock.settled(spec.met_on, spec.discharged_on))
    return tuple(settle(spec, clock) for spec in found)


def view(
    history: CaseHistory,
    as_of: datetime,
    profile: PolicyProfile | None = None,
    history_view: bool = True,
) -> CaseView:
    """The case as known at ``as_of``, with its own profile unless one is given."""
    policy = profile or load_profile(history.profile)
    state = fold(history, policy, known_by=as_of.astimezone(LONDON).date())
    return derive(state, policy, calendar_for(policy), as_of, history=history_view)


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


def _review_dates(state: CaseState, clock: Clock) -> ReviewDates | None:
    if not state.opened or state.closed:
        return None
    period = state.period
    deadline = state.review_deadline(period, clock.profile, clock.calendar)
    return ReviewDates(deadline=deadline, booked=state.review_booked.get(period))


def specs(state: CaseState, clock: Clock) -> Iterator[Spec]:
    if not state.opened:
        return
    yield from reviews.icpc_timeliness(state, clock)
    for period, conference in enumerate(state.conferences):
        if conference.decision is ConferenceDecision.END:
            continue
        following = state.following_conference(period)
        if following is not None and clock.settled(following, None):
            continue  # a past period's obligations are all met or discharged
        yield from reviews.review(state, clock, period)
        yield from core_groups.cadence(state, clock, period, following or state.closed_on)
        yield from reviews.before_review(state, clock, period)
    yield from core_groups.minutes_and_agreements(state, clock)
    yield from core_groups.absent_reports(state, clock)
    yield from core_groups.contingency(state, clock)
    yield from family.plan_copies(state, clock)
    yield from family.minutes_copies(state, clock)
    yield from visits.children_seen(state, clock)
    yield from visits.visiting_matrix(state, clock)
    yield from visits.access_plans(state, clock)
    yield from tracked.assessments(state, clock)
    yield from tracked.concerns(state, clock)
    yield from tracked.risks(state, clock)
    yield from core_groups.inquorate(state, clock)
    yield from tracked.actions(state, clock)
