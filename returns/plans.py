"""Each child's child protection plan as the returns report it, read off the case's fold.

Pure: a case's history and its children's personal facts in, one ``Plan`` per child out, as
known on a given day (events after it are not yet known). Every date comes from the events
(docs/rules.md §8): the plan's start is the opening conference (R-LC1), its end a conference
decision or R-LC2a with what became of the child-in-need episode, its reviews the review
conferences held while it was open, the Section 47 enquiry and the initial conference's
target from R-T0 (one definition: ``domain.timescales.icpc_target``), the last statutory
visit from ``domain.visits.statutory``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from domain.case import CaseState, ChildRecord
from domain.child_facts import ChildFacts, process_start
from domain.errors import RejectedEvent
from domain.events import (
    AssessmentCompleted,
    AssessmentStarted,
    ConferenceHeld,
    ConferenceKind,
    EmergencyProtectionTaken,
    EpisodeClosure,
    Member,
    PlanEndReason,
    VisitMade,
)
from domain.profiles import PolicyProfile, calendar_for, load_profile
from domain.state import fold
from domain.store.extracts import CaseRecord
from domain.timescales import icpc_target
from domain.visits import statutory

S47_KINDS = frozenset({ConferenceKind.INITIAL, ConferenceKind.PRE_BIRTH})


@dataclass(frozen=True, slots=True)
class Assessment:
    """An assessment of the child (R-T14) as the census takes it (CIN Assessments)."""

    started: date  # AssessmentActualStartDate (N00159)
    completed: date | None  # AssessmentAuthorisationDate (N00160)
    factors: tuple[str, ...]  # AssessmentFactors (N00181)


@dataclass(frozen=True, slots=True)
class Plan:
    """One child's plan. ``facts`` is None until someone records the child's personal facts."""

    reference: str
    team: str
    nation: str
    child: str
    facts: ChildFacts | None
    kind: ConferenceKind
    start: date
    end: date | None
    end_reason: str | None
    closure: EpisodeClosure | None  # None: the plan is open, or its end did not say
    initial_category: str
    latest_category: str
    reviews: tuple[date, ...]
    s47_start: date | None  # S47ActualStartDate: the strategy discussion (initial, pre-birth)
    icpc_target: date | None  # InitialCPCtarget: R-T0's due date, from that same day
    previous_plans: int | None  # as the opening conference recorded it (R-LC1)
    process_start: date  # the earliest day the case records
    last_visit: date | None  # the last statutory visit that saw the child (R-T11)
    seen_alone_then: bool  # ... and saw the child alone (R-T12)
    protections: tuple[tuple[date, date], ...]  # emergency protection: (from, to)
    assessments: tuple[Assessment, ...]
    lead_professional: str  # the LP's name as the store holds it, else the member id

    @property
    def la_child_id(self) -> str | None:
        return self.facts.la_child_id if self.facts else None

    @property
    def died_on(self) -> date | None:
        return self.end if self.end_reason == PlanEndReason.DIED.value else None

    @property
    def closes_episode(self) -> bool:
        """The plan's end closed the child-in-need episode (CINclosureDate, ReasonForClosure)."""
        return self.end is not None and self.closure not in (None, EpisodeClosure.CIN_CONTINUES)

    @property
    def enquiry_unknown(self) -> bool:
        """An initial (or pre-birth) conference without the strategy discussion that started
        its Section 47 enquiry: the census cannot send the enquiry (CIN 8615)."""
        return self.kind in S47_KINDS and self.s47_start is None

    def open_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or self.end >= day)

    def open_between(self, first: date, last: date) -> bool:
        return self.start <= last and (self.end is None or self.end >= first)


@dataclass(frozen=True)
class Note:
    """Something a data manager must know about one child of the file: by case and child id."""

    reference: str
    child: str
    what: str

    def __str__(self) -> str:
        return f"{self.reference} child {self.child}: {self.what}"


@dataclass(frozen=True)
class Skipped:
    """A case no return could read: its history no longer passes validation (a rule added
    since it was recorded). Named by reference and the refusal, never by a child."""

    reference: str
    reason: str


@lru_cache(maxsize=32)
def profile(name: str) -> PolicyProfile:
    return load_profile(name)


def plans_of(record: CaseRecord, day: date) -> list[Plan] | Skipped:
    """Every child's plan of the case as known at the end of ``day`` (none before it opens)."""
    history = record.history
    if not history.events or history.events[0].on > day:
        return []
    policy = profile(history.profile)
    try:
        # The census's refusals made again (a case recorded before a census rule existed is
        # left out of the return and named, not sent wrong), not the duties checked when an
        # event is recorded: a child on a plan is counted whatever a later duty asks.
        state = fold(history, policy, known_by=day, census=True)
    except RejectedEvent as error:
        return Skipped(history.reference, str(error))
    facts = {item.child: item for item in record.facts}
    return [_plan(state, policy, child, facts.get(child.id)) for child in state.children.values()]


def _plan(
    state: CaseState, policy: PolicyProfile, child: ChildRecord, facts: ChildFacts | None
) -> Plan:
    opening = state.events[0]
    assert isinstance(opening, ConferenceHeld)
    end = child.plan_end
    s47 = opening.strategy_discussion_on if opening.kind in S47_KINDS else None
    visit = _last_statutory_visit(state, child, end)
    return Plan(
        reference=state.reference, team=state.team, nation=policy.nation, child=child.id,
        facts=facts, kind=opening.kind, start=child.plan_start, end=end,
        end_reason=child.end_reason, closure=child.closure,
        initial_category=child.initial_category.value,
        latest_category=child.latest_category.value,
        reviews=tuple(c.on for c in state.conferences[1:] if _during(c.on, child.plan_start, end)),
        s47_start=s47,
        icpc_target=icpc_target(policy, calendar_for(policy), s47) if s47 else None,
        previous_plans=child.previous_plans, process_start=process_start(state),
        last_visit=visit.on if visit else None,
        seen_alone_then=visit is not None and child.id in visit.seen_alone,
        protections=_protections(state, child.id), assessments=_assessments(state, child.id),
        lead_professional=_name(state, state.lead_professional),
    )  # fmt: skip


def _last_statutory_visit(
    state: CaseState, child: ChildRecord, end: date | None
) -> VisitMade | None:
    """The latest visit during the plan that saw the child and counts (``statutory``); of two
    on its day, one that saw the child alone."""
    found = [
        v
        for v in state.of(VisitMade)
        if child.id in v.children_seen
        and _during(v.on, child.plan_start, end)
        and statutory(state, v)
    ]
    return max(found, key=lambda v: (v.on, child.id in v.seen_alone), default=None)


def _protections(state: CaseState, child: str) -> tuple[tuple[date, date], ...]:
    return tuple(
        (e.on, e.ends_on or e.on)
        for e in state.of(EmergencyProtectionTaken)
        if not e.children or child in e.children
    )


def _assessments(state: CaseState, child: str) -> tuple[Assessment, ...]:
    completed = {e.assessment: e for e in state.of(AssessmentCompleted)}
    found = []
    for started in state.of(AssessmentStarted):
        if started.child != child:
            continue
        done = completed.get(started.assessment)
        found.append(
            Assessment(started.on, done.on if done else None, done.factors if done else ())
        )
    return tuple(sorted(found, key=lambda a: a.started))


def _during(day: date, start: date, end: date | None) -> bool:
    return start <= day and (end is None or day <= end)


def _name(state: CaseState, member_id: str | None) -> str:
    member: Member | None = state.members.get(member_id or "") or state.former_members.get(
        member_id or ""
    )
    return (member.name or member.id) if member else (member_id or "")


def all_plans(records: Iterator[CaseRecord], day: date) -> Iterator[Plan | Skipped]:
    """Every plan of every case as known at the end of ``day``, then the cases skipped."""
    for record in records:
        found = plans_of(record, day)
        if isinstance(found, Skipped):
            yield found
        else:
            yield from found


class EarlierPlans:
    """Each child's plans in the store, by the authority's child id: what a return counts
    as the child's previous plans (CIN NumberOfPreviousCPP) when the opening conference did
    not record the number (R-LC1). Such a count is only what this store holds: the returns
    name those children (``unknown``), never a silent 0."""

    def __init__(self) -> None:
        self._starts: dict[str, list[date]] = {}

    def add(self, plan: Plan) -> None:
        if plan.facts is not None:
            self._starts.setdefault(plan.facts.la_child_id, []).append(plan.start)

    def before(self, plan: Plan) -> int:
        if plan.previous_plans is not None:
            return plan.previous_plans
        starts = self._starts.get(plan.la_child_id or "", [])
        return sum(start < plan.start for start in starts)

    @staticmethod
    def unknown(plan: Plan) -> bool:
        """Not recorded by the conference: the count is the store's, which knows nothing of a
        child's history in another system (every migrated child)."""
        return plan.previous_plans is None
