"""Reconciliation: the authority's own CIN census extract (from its case-management system)
beside this record, child by child, so the two can be brought into line before submission.

Both sides are read into the same shape (``ChildView``: the child's plans with their dates,
categories, previous plans and reviews, each plan's Section 47 enquiry, the closure of the
episode that holds it, the date of death), keyed by the authority's child id (LAchildID), a
plan by its start (CPPstartDate). Only children with a child protection plan in the extract
are compared: the rest of a census is the CIN team's alone. Every difference carries both
values. Pure: the extract's bytes and a census in, differences out.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from returns.cin_census import Census, CensusChild, CensusYear

ABSENT = "(none)"


@dataclass(frozen=True)
class PlanView:
    start: str
    fields: dict[str, str]  # CPPendDate, categories, NumberOfPreviousCPP, reviews, S47, closure


@dataclass
class ChildView:
    la_child_id: str
    death: str = ABSENT
    plans: dict[str, PlanView] = field(default_factory=dict)  # by CPPstartDate
    reference: str = ""  # our case reference, where the child is ours


@dataclass(frozen=True)
class Difference:
    la_child_id: str
    reference: str  # our case, or "" for a child only the extract has
    plan: str  # the plan's start, or "" for the child as a whole
    what: str  # the census field
    theirs: str  # in the authority's extract
    ours: str  # in this record


@dataclass
class Reconciliation:
    year: CensusYear
    children_compared: int = 0
    differences: list[Difference] = field(default_factory=list)


def extract_year(source: BinaryIO) -> CensusYear:
    """The census year of an extract, from its header (Year 2027 is 2026-27)."""
    for _, element in ET.iterparse(source, events=("end",)):
        if element.tag == "Year" and (element.text or "").strip().isdigit():
            year = int((element.text or "").strip())
            return CensusYear.parse(f"{year - 1}-{year % 100:02d}")
    raise ValueError("the extract has no Header/CollectionDetails/Year")


def read_extract(source: BinaryIO) -> Iterator[ChildView]:
    """Each child of the extract that has a child protection plan, one at a time."""
    for _, element in ET.iterparse(source, events=("end",)):
        if element.tag != "Child":
            continue
        child = _child_of(element)
        element.clear()
        if child.plans:
            yield child


def _text(element: ET.Element | None, path: str) -> str:
    found = element.findtext(path) if element is not None else None
    return (found or "").strip() or ABSENT


def _child_of(element: ET.Element) -> ChildView:
    child = ChildView(_text(element, "ChildIdentifiers/LAchildID"))
    child.death = _text(element, "ChildIdentifiers/PersonDeathDate")
    for episode in element.iterfind("CINdetails"):
        closure = _closure(_text(episode, "CINclosureDate"), _text(episode, "ReasonForClosure"))
        enquiries = {_text(s47, "DateOfInitialCPC"): s47 for s47 in episode.iterfind("Section47")}
        for plan in episode.iterfind("ChildProtectionPlans"):
            start = _text(plan, "CPPstartDate")
            s47 = enquiries.get(start)
            reviews = sorted(r.text or "" for r in plan.iterfind("Reviews/CPPreviewDate"))
            child.plans[start] = PlanView(start, {
                "CPPendDate": _text(plan, "CPPendDate"),
                "InitialCategoryOfAbuse": _text(plan, "InitialCategoryOfAbuse"),
                "LatestCategoryOfAbuse": _text(plan, "LatestCategoryOfAbuse"),
                "NumberOfPreviousCPP": _text(plan, "NumberOfPreviousCPP"),
                "CPPreviewDate": " ".join(reviews) or ABSENT,
                "S47ActualStartDate": _text(s47, "S47ActualStartDate"),
                "InitialCPCtarget": _text(s47, "InitialCPCtarget"),
                "CINclosureDate, ReasonForClosure": closure,
            })  # fmt: skip
    return child


def _closure(day: str, reason: str) -> str:
    return ABSENT if day == ABSENT and reason == ABSENT else f"{day} {reason}"


def ours(census: Census) -> dict[str, ChildView]:
    """This record's children, in the same shape as the extract's."""
    return {child.facts.la_child_id: _ours(child, census.year) for child in census.children}


def _ours(child: CensusChild, year: CensusYear) -> ChildView:
    view = ChildView(child.facts.la_child_id, reference=child.plans[-1].reference)
    view.death = child.died_on.isoformat() if child.died_on else ABSENT
    for episode in child.episodes:
        closed = episode.closed
        closure = f"{closed[0].isoformat()} {closed[1]}" if closed else ABSENT
        for plan, previous in zip(episode.plans, episode.previous, strict=True):
            started = plan.start >= year.start and plan.s47_start is not None
            reviews = [d.isoformat() for d in plan.reviews if year.start <= d <= year.end]
            view.plans[plan.start.isoformat()] = PlanView(plan.start.isoformat(), {
                "CPPendDate": plan.end.isoformat() if plan.end else ABSENT,
                "InitialCategoryOfAbuse": plan.initial_category,
                "LatestCategoryOfAbuse": plan.latest_category,
                "NumberOfPreviousCPP": str(previous),
                "CPPreviewDate": " ".join(reviews) or ABSENT,
                "S47ActualStartDate": plan.s47_start.isoformat() if started and plan.s47_start else ABSENT,
                "InitialCPCtarget": plan.icpc_target.isoformat() if started and plan.icpc_target else ABSENT,
                "CINclosureDate, ReasonForClosure": closure,
            })  # fmt: skip
    return view


def reconcile(extract: Iterator[ChildView], census: Census) -> Reconciliation:
    """Every difference between the extract's children and this record's, both values each."""
    result = Reconciliation(census.year)
    mine = ours(census)
    for theirs in extract:
        result.children_compared += 1
        result.differences.extend(_compare(theirs, mine.pop(theirs.la_child_id, None)))
    for child in sorted(mine.values(), key=lambda c: c.la_child_id):
        result.children_compared += 1
        result.differences.append(
            Difference(child.la_child_id, child.reference, "", "child", ABSENT, "on a plan")
        )
    return result


def _compare(theirs: ChildView, mine: ChildView | None) -> Iterator[Difference]:
    if mine is None:
        yield Difference(theirs.la_child_id, "", "", "child", "on a plan", ABSENT)
        return
    same = (theirs.la_child_id, mine.reference)
    if theirs.death != mine.death:
        yield Difference(*same, "", "PersonDeathDate", theirs.death, mine.death)
    for start in sorted(set(theirs.plans) | set(mine.plans)):
        one, other = theirs.plans.get(start), mine.plans.get(start)
        if one is None or other is None:
            yield Difference(*same, start, "CPPstartDate",
                             start if one else ABSENT, start if other else ABSENT)  # fmt: skip
            continue
        for name, value in one.fields.items():
            if value != other.fields[name]:
                yield Difference(*same, start, name, value, other.fields[name])
