"""The children in need (CIN) census's child protection modules, for the authority's CIN team
to merge into the census its case-management system makes.

Every child with a plan open at some time in the census year (1 April to 31 March), under a
profile of England, with the authority's child id recorded (``cpo children set``): the
child's identifiers (with the UPN or why it is not known), each children-in-need episode the
plans belong to, with its closure where a plan's end closed it; the Section 47 enquiry and
initial conference of each plan that started in the year, the assessments, the plans with
their reviews. The DfE's element names, order and code sets (the CIN XML schema; docs/rules.md
§8); the XML itself is ``returns.cin_xml``'s.

What the system does not record is not sent: a CIN episode's referral (date, source, primary
need) is the case-management system's. Only when asked (``placeholders``) does the file fill
them with the least it truthfully can, and then it says so. What cannot be sent, or is sent
on a count that may be short, is named (``Census.notes``) by case reference and child id.
Pure: plans in, a census out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from domain.child_facts import ChildFacts
from domain.events import CIN_CLOSURE_CODES
from returns.plans import Assessment, EarlierPlans, Note, Plan, Skipped

NATION = "england"  # the CIN census is England's return


@dataclass(frozen=True)
class CensusYear:
    """``2026-27``: 1 April 2026 to 31 March 2027, collected as Year 2027."""

    start: date
    end: date

    @classmethod
    def parse(cls, text: str) -> CensusYear:
        found = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
        if not found or (int(found.group(1)) + 1) % 100 != int(found.group(2)):
            raise ValueError(f"{text!r} is not a census year such as 2026-27")
        first = int(found.group(1))
        return cls(date(first, 4, 1), date(first + 1, 3, 31))

    @property
    def label(self) -> str:
        return f"{self.start.year}-{self.end.year % 100:02d}"


@dataclass(frozen=True)
class Episode:
    """One children-in-need episode (CINdetails): the plans it holds, by start, each with its
    number of previous plans; closed by the last plan's end when that closed it."""

    plans: tuple[Plan, ...]
    previous: tuple[int, ...]

    @property
    def referral(self) -> date:
        """The earliest day the case records: the real referral came no later."""
        return min(p.process_start for p in self.plans)

    @property
    def closed(self) -> tuple[date, str] | None:
        """CINclosureDate (N00102) and ReasonForClosure (N00103): the day the plan ended (a
        death dates it too, R-LC2a) and the reason chosen then."""
        last = self.plans[-1]
        if not last.closes_episode or last.end is None or last.closure is None:
            return None
        return last.end, CIN_CLOSURE_CODES[last.closure]

    def assessments(self, year: CensusYear) -> list[Assessment]:
        """The child's assessments of the episode that the year's census holds: completed in
        the year (CIN 8696), or still open and started in it (CIN 8736); never before the
        referral (CIN 1103)."""
        seen: dict[date, Assessment] = {}
        for plan in self.plans:
            for item in plan.assessments:
                done = item.completed
                in_year = year.start <= done <= year.end if done else year.start <= item.started
                if in_year and self.referral <= item.started <= year.end:
                    seen.setdefault(item.started, item)
        return [seen[day] for day in sorted(seen)]


@dataclass(frozen=True)
class CensusChild:
    facts: ChildFacts
    episodes: tuple[Episode, ...]

    @property
    def plans(self) -> tuple[Plan, ...]:
        return tuple(plan for episode in self.episodes for plan in episode.plans)

    @property
    def died_on(self) -> date | None:
        return max((p.died_on for p in self.plans if p.died_on), default=None)


@dataclass
class Census:
    year: CensusYear
    as_of: date  # what was known on this day: the year's end, or earlier when provisional
    children: list[CensusChild] = field(default_factory=list)
    without_facts: list[tuple[str, str]] = field(default_factory=list)  # (case, child id)
    notes: list[Note] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    other_nations: int = 0  # plans under Welsh or Scottish profiles: not England's return

    @property
    def provisional(self) -> bool:
        return self.as_of < self.year.end

    @property
    def plans(self) -> int:
        return sum(len(child.plans) for child in self.children)


def census(found: Iterable[Plan | Skipped], year: CensusYear, as_of: date | None = None) -> Census:
    """Keep the plans of the year, by child; count every earlier plan of each child."""
    result = Census(year, as_of or year.end)
    in_year: dict[str, list[Plan]] = {}
    earlier = EarlierPlans()
    for item in found:
        if isinstance(item, Skipped):
            result.skipped.append(item)
            continue
        earlier.add(item)
        if not item.open_between(year.start, year.end):
            continue
        if item.nation != NATION:
            result.other_nations += 1
        elif item.facts is None:
            result.without_facts.append((item.reference, item.child))
        elif item.enquiry_unknown and item.start >= year.start:
            result.notes.append(Note(item.reference, item.child, ENQUIRY_UNKNOWN))
        else:
            in_year.setdefault(item.facts.la_child_id, []).append(item)
    for la_child_id in sorted(in_year):
        plans = sorted(in_year[la_child_id], key=lambda p: p.start)
        result.children.append(_child(plans, earlier, result.notes))
    return result


ENQUIRY_UNKNOWN = (
    "left out: its initial conference has no strategy discussion, so the Section 47 enquiry "
    "cannot be sent (S47ActualStartDate, CIN 8615); the CIN team's record has it"
)


def _child(plans: list[Plan], earlier: EarlierPlans, notes: list[Note]) -> CensusChild:
    """The child's episodes: a plan joins the open one; a plan whose end closed the episode
    closes it, and a later plan starts another (CIN 8815, 8816, 8820)."""
    episodes: list[Episode] = []
    current: list[Plan] = []
    for plan in plans:
        current.append(plan)
        if plan.closes_episode:
            episodes.append(_episode(current, earlier))
            current = []
        elif plan.end is not None and plan.closure is None:
            notes.append(Note(plan.reference, plan.child, CLOSURE_UNKNOWN))
        if earlier.unknown(plan):
            notes.append(Note(plan.reference, plan.child, _previous_unknown(earlier.before(plan))))
    if current:
        episodes.append(_episode(current, earlier))
    facts = plans[-1].facts  # the latest plan's: the child as the authority knows them now
    assert facts is not None
    if facts.upn is None and facts.upn_unknown is None:
        notes.append(Note(plans[-1].reference, plans[-1].child, UPN_UNKNOWN))
    return CensusChild(facts, tuple(episodes))


CLOSURE_UNKNOWN = (
    "the plan's end did not say whether the child-in-need episode closed: sent open "
    "(no CINclosureDate)"
)
UPN_UNKNOWN = "no UPN and no reason it is unknown (UPN, UPNunknown): the DfE may query it (8770Q)"


@lru_cache(maxsize=64)  # one text per count: a national census names many children
def _previous_unknown(counted: int) -> str:
    return (
        f"previous plans not recorded at the conference: sent as {counted}, the earlier plans "
        "in this store (NumberOfPreviousCPP)"
    )


def _episode(plans: list[Plan], earlier: EarlierPlans) -> Episode:
    return Episode(tuple(plans), tuple(earlier.before(plan) for plan in plans))
