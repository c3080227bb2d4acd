"""Each child's child protection plan as the returns report it, read off the case's fold.

Pure: a case's history and its children's personal facts in, one ``Plan`` per child out, as
known on a given day (events after it are not yet known). Every date comes from the events
(docs/rules.md §8): the plan's start is the opening conference (R-LC1), its end a conference
decision or R-LC2a, its reviews the review conferences held while it was open, the Section 47
enquiry and the initial conference's target from R-T0.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

from domain.case import CaseState, ChildRecord
from domain.child_facts import ChildFacts, process_start
from domain.errors import RejectedEvent
from domain.events import ConferenceHeld, ConferenceKind, Member
from domain.profiles import PolicyProfile, calendar_for, load_profile
from domain.state import fold
from domain.store.extracts import CaseRecord

S47_KINDS = frozenset({ConferenceKind.INITIAL, ConferenceKind.PRE_BIRTH})


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
    initial_category: str
    latest_category: str
    reviews: tuple[date, ...]
    s47_start: date | None  # CIN S47ActualStartDate: recorded, else the strategy discussion
    icpc_target: date | None  # CIN InitialCPCtarget: the R-T0 due date
    previous_plans: int | None  # as the opening conference recorded it (R-LC1)
    process_start: date  # the earliest day the case records
    seen: tuple[date, ...]  # visits that saw the child (R-T11)
    seen_alone: tuple[date, ...]  # ... and saw the child alone (R-T12)
    lead_professional: str  # the LP's name as the store holds it, else the member id

    @property
    def la_child_id(self) -> str | None:
        return self.facts.la_child_id if self.facts else None

    def open_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or self.end >= day)

    def open_between(self, first: date, last: date) -> bool:
        return self.start <= last and (self.end is None or self.end >= first)

    def kept(self) -> Plan:
        """The plan as a return keeps it until its file is written: its last visit only, so
        a national caseload's plans stay small in memory."""
        last = self.seen[-1:]  # visits come in date order
        return replace(self, seen=last, seen_alone=tuple(d for d in self.seen_alone if d in last))


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
        # Every check, those made at recording only included (new_from=0): a case recorded
        # before a census rule existed is left out of the return and named, not sent wrong.
        state = fold(history, policy, new_from=0, known_by=day)
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
    s47 = _s47_start(opening)
    target = None
    if opening.strategy_discussion_on is not None:
        target = calendar_for(policy).add(opening.strategy_discussion_on, policy.icpc_within_wd)
    return Plan(
        reference=state.reference, team=state.team, nation=policy.nation, child=child.id,
        facts=facts, kind=opening.kind, start=child.plan_start, end=end,
        end_reason=child.end_reason, initial_category=child.initial_category.value,
        latest_category=child.latest_category.value,
        reviews=tuple(c.on for c in state.conferences[1:] if _during(c.on, child.plan_start, end)),
        s47_start=s47, icpc_target=target, previous_plans=child.previous_plans,
        process_start=process_start(state),
        seen=tuple(d for d in state.seen.get(child.id, ()) if _during(d, child.plan_start, end)),
        seen_alone=tuple(
            d for d in state.seen_alone.get(child.id, ()) if _during(d, child.plan_start, end)
        ),
        lead_professional=_name(state, state.lead_professional),
    )  # fmt: skip


def _s47_start(opening: ConferenceHeld) -> date | None:
    if opening.kind not in S47_KINDS:
        return None
    return opening.s47_started_on or opening.strategy_discussion_on


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
    not record the number (R-LC1)."""

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
