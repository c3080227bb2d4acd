"""The rest of a case run to time (``domain.punctual``): members joining and withdrawing,
cover for the lead professional (R-E5), a plan ending for one child (R-LC2a), a birth
(R-LC4); the visits (R-T11, R-T12, R-T13, R-P3) with the plan of action after any without
access (R-V5, R-V2); risks decided (R-E2), concerns confirmed (R-T15), assessments (R-T14)
and actions (R-P2) done on time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from domain.events import (
    AccessPlanAgreed,
    ActionDone,
    ActionItem,
    ActionSet,
    AssessmentCompleted,
    AssessmentStarted,
    ChildBorn,
    ConcernConfirmed,
    ConcernRaised,
    CoverEnded,
    CoverStarted,
    EpisodeClosure,
    Member,
    MemberJoined,
    MemberRole,
    MemberWithdrew,
    PlanEnded,
    PlanEndReason,
    RiskDecided,
    RiskDecision,
    RiskRaised,
    VisitMade,
)
from domain.punctual_case import Case
from domain.timescales import LONDON

COVER = Member(id="cov1", role=MemberRole.LEAD_PROFESSIONAL, agency="Children's social care")


def arrangements(case: Case) -> None:
    """Decided before the meetings are planned, since they change who attends and reports."""
    _members(case)
    _cover(case)
    rng, start, stop = case.rng, case.start, case.stop
    if len(case.children) >= 2 and rng.random() < 0.2:
        day = case.working(start + timedelta(days=rng.randint(60, 500)))
        if day < stop:
            case.child_ends["c2"] = day
            ended = PlanEnded(
                on=day,
                reason=PlanEndReason.TURNED_18,
                recorded_by="tm",
                children=("c2",),
                closure=EpisodeClosure.TRANSFERRED_TO_ADULT_SERVICES,
            )
            case.journal.add(ended, rank=7)
    for child, born in case.children.items():
        if born is not None and born > start and born < stop:
            case.journal.add(ChildBorn(on=born, child=child), rank=1)


def _members(case: Case) -> None:
    """A GP joins, the school withdraws (R-M10), now and then."""
    rng, start, stop = case.rng, case.start, case.stop
    if rng.random() < 0.3:
        day = case.working(start + timedelta(days=rng.randint(40, 400)))
        if day < stop:
            case.joined["gp"] = day
            case.members.append("gp")
            gp = Member(id="gp", role=MemberRole.PROFESSIONAL, agency="GP")
            case.journal.add(MemberJoined(on=day, member=gp), rank=1)
    if rng.random() < 0.2:
        day = case.working(start + timedelta(days=rng.randint(60, 500)))
        if day < stop:
            case.withdrawn["sch1"] = day
            case.journal.add(MemberWithdrew(on=day, member="sch1"), rank=7)


def _cover(case: Case) -> None:
    """The LP away for one to three weeks, covered (R-E5)."""
    if case.rng.random() < 0.5:
        begins = case.working(case.start + timedelta(days=case.rng.randint(20, 500)))
        ends = case.after(begins, 5, 15)
        if ends < case.stop:
            case.cover = (begins, ends)
            case.journal.add(CoverStarted(on=begins, cover=COVER), rank=1)
            case.journal.add(CoverEnded(on=ends), rank=7)


def everything_else(case: Case) -> None:
    _visits(case)
    _sightings(case)
    _tracked(case)


def _on_plan(case: Case, day: date) -> tuple[str, ...]:
    """The children a visit on ``day`` can see: born, and still on the plan."""
    return tuple(
        child for child, born in case.children.items()
        if born is not None and born <= day and case.child_ends.get(child, day) >= day
    )  # fmt: skip


def _visits(case: Case) -> None:
    """The LP's visits (the cover worker's while cover is on), every one to two and a half
    weeks; a newborn within days of birth; a visit without access re-attempted the next
    working day, with the plan of action agreed the same day (R-V5; R-V2 with the police)."""
    rng, profile = case.rng, case.profile
    births = sorted(b for b in case.children.values() if b is not None and b > case.start)
    day, in_a_row = case.after(case.start, 1, 5), 0
    while day < case.stop:
        visitor = COVER.id if case.covering(day) else "sw"
        if in_a_row < 2 and rng.random() < 0.05:
            in_a_row += 1
            case.journal.add(VisitMade(on=day, visitor=visitor, no_access=True), rank=4)
            police = in_a_row >= profile.police_after_no_access
            plan = AccessPlanAgreed(on=day, authorised_by="tm", with_police=police)
            case.journal.add(plan, rank=5)
            day = case.after(day, 1, 1)
            continue
        in_a_row = 0
        seen = _on_plan(case, day)
        bedroom = seen if profile.bedroom_between_conferences else ()
        case.journal.add(
            VisitMade(
                on=day, visitor=visitor, children_seen=seen, seen_alone=seen, bedroom_seen=bedroom
            ),
            rank=4,
        )
        following = case.working(day + timedelta(days=rng.randint(7, 16)))
        born = next((b for b in births if day < b <= following), None)
        if born is not None:
            following = case.after(born, 0, 5)
        day = following if following > day else case.after(day, 1, 1)


def _sightings(case: Case) -> None:
    """The health visitor's own visits: sightings, not statutory visits (R-P3's line)."""
    rng = case.rng
    day = case.after(case.start, 3, 10)
    while day < case.stop:
        seen = _on_plan(case, day)
        case.journal.add(VisitMade(on=day, visitor="hv", children_seen=seen), rank=4)
        day = case.working(day + timedelta(days=rng.randint(20, 32)))


def _tracked(case: Case) -> None:
    """Risks decided the day they are raised (R-E2), concerns confirmed the same day (R-T15),
    an assessment completed inside its timescale (R-T14), actions done by their day (R-P2)."""
    rng, calendar = case.rng, case.calendar
    day, n = case.after(case.start, 10, 30), 0
    while day < case.stop:
        n += 1
        raiser = "sch1" if "sch1" in case.professionals_on(day) else "hv"
        pick = rng.random()
        if pick < 0.2:
            case.journal.add(RiskRaised(on=day, member=raiser, summary="Plan not working"), 5)
            decision = rng.choice(
                [d for d in RiskDecision if d is not RiskDecision.REVIEW_BROUGHT_FORWARD]
            )
            case.journal.add(RiskDecided(on=day, by="tm", decision=decision), rank=6)
        elif pick < 0.5:
            raised = datetime.combine(day, time(11), LONDON)
            case.journal.add(
                ConcernRaised(on=day, concern=f"k{n}", member=raiser, at=raised), rank=5
            )
            confirmed = datetime.combine(day, time(15), LONDON)
            case.journal.add(ConcernConfirmed(on=day, concern=f"k{n}", at=confirmed), rank=6)
        elif pick < 0.8:
            due = case.after(day, 5, 15)
            item = ActionItem(id=f"a{n}", owner="hv", due=due, description="Health check")
            case.journal.add(ActionSet(on=day, action=item), rank=5)
            case.journal.add(ActionDone(on=max(day, case.before(due, 0, 3)), action=f"a{n}"), 6)
        day = calendar.previous_working_day(day + timedelta(days=rng.randint(40, 120)))
    _assessment(case)


def _assessment(case: Case) -> None:
    """R-T14: the core assessment of a child born by the plan's start, inside its time."""
    born = [c for c, b in case.children.items() if b == case.start]
    if born:
        started = case.after(case.start, 2, 5)
        case.journal.add(AssessmentStarted(on=started, assessment="a-c1", child=born[0]), 5)
        within = case.profile.assessment_within_wd
        done = case.after(started, 10, within - 1)
        case.journal.add(
            AssessmentCompleted(on=done, assessment="a-c1", factors=("16A",)), rank=6
        )  # CIN 8897Q: the factors identified
