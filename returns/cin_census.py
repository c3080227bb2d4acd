"""The child protection parts of the DfE's children in need (CIN) census, as its XML.

Every child with a plan open at some time in the census year (1 April to 31 March), under
a profile of England, with the authority's child id recorded (``cpo children set``): the
plans with their start and end, initial and latest category, previous plans and the reviews
held in the year; the Section 47 enquiry with the initial conference held in the year. The
DfE's element names, order and code sets (the CIN XML schema; docs/rules.md §8).

What the system does not record, the file gives the least it truthfully can, so that the
DfE's rules are met (README, "Returns"): the referral date is the earliest day the case
records (the strategy discussion, else the conference; the real referral came no later),
its source ``10`` (unknown), the primary need ``N0`` (not stated) and ``ReferralNFA`` 0 (a
plan followed). A plan without a recorded Section 47 enquiry has its initial conference on
the episode (``CINdetails/DateOfInitialCPC``). Pure: plans in, bytes out.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import BinaryIO

from domain.child_facts import ChildFacts
from returns.plans import EarlierPlans, Plan, Skipped

REFERRAL_SOURCE_UNKNOWN = "10"
PRIMARY_NEED_NOT_STATED = "N0"
SOFTWARE = "cp-orchestrator"
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
class CensusChild:
    facts: ChildFacts
    plans: tuple[Plan, ...]  # open in the year, by start
    previous: tuple[int, ...]  # NumberOfPreviousCPP of each


@dataclass
class Census:
    year: CensusYear
    children: list[CensusChild] = field(default_factory=list)
    without_facts: list[tuple[str, str]] = field(default_factory=list)  # (case, child id)
    skipped: list[Skipped] = field(default_factory=list)
    other_nations: int = 0  # plans under Welsh or Scottish profiles: not England's return

    @property
    def plans(self) -> int:
        return sum(len(child.plans) for child in self.children)


def census(found: Iterable[Plan | Skipped], year: CensusYear) -> Census:
    """Keep the plans of the year, by child; count every earlier plan of each child."""
    result = Census(year)
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
        else:
            in_year.setdefault(item.facts.la_child_id, []).append(item.kept())
    for la_child_id in sorted(in_year):
        plans = tuple(sorted(in_year[la_child_id], key=lambda p: p.start))
        previous = tuple(earlier.before(plan) for plan in plans)
        facts = plans[-1].facts  # the latest plan's: the child as the authority knows them now
        assert facts is not None
        result.children.append(CensusChild(facts, plans, previous))
    return result


def write_census(
    found: Census,
    out: BinaryIO,
    *,
    la_code: str,
    serial: int,
    generated_at: datetime,
    release: str,
) -> None:
    """The XML, one child at a time (bounded memory whatever the caseload)."""
    if not re.fullmatch(r"\d{3}", la_code):
        raise ValueError(f"LA code {la_code!r}: the DfE's three-digit code, such as 201")
    out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<Message>\n')
    out.write(_text(_header(found.year, la_code, serial, generated_at, release), 1))
    out.write(b"  <Children>\n")
    for child in found.children:
        out.write(_text(_child(child, found.year), 2))
    out.write(b"  </Children>\n</Message>\n")


def _text(element: ET.Element, level: int) -> bytes:
    ET.indent(element, space="  ", level=level)
    return b"  " * level + ET.tostring(element, encoding="utf-8") + b"\n"


def _add(parent: ET.Element, tag: str, value: object) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = value.isoformat() if isinstance(value, date) else str(value)
    return element


def _header(
    year: CensusYear, la_code: str, serial: int, generated_at: datetime, release: str
) -> ET.Element:
    header = ET.Element("Header")
    details = ET.SubElement(header, "CollectionDetails")
    for tag, value in (("Collection", "CIN"), ("Year", year.end.year), ("ReferenceDate", year.end)):
        _add(details, tag, value)
    source = ET.SubElement(header, "Source")
    stamp = generated_at.replace(tzinfo=None, microsecond=0).isoformat()
    for tag, value in (
        ("SourceLevel", "L"), ("LEA", la_code), ("SoftwareCode", SOFTWARE),
        ("Release", release), ("SerialNo", f"{serial:03d}"), ("DateTime", stamp),
    ):  # fmt: skip
        _add(source, tag, value)
    return header


def _child(child: CensusChild, year: CensusYear) -> ET.Element:
    element = ET.Element("Child")
    _identifiers(element, child, year)
    characteristics = ET.SubElement(element, "ChildCharacteristics")
    _add(characteristics, "Ethnicity", child.facts.ethnicity)
    if child.facts.disabilities:
        disabilities = ET.SubElement(characteristics, "Disabilities")
        for code in child.facts.disabilities:
            _add(disabilities, "Disability", code)
    _episode(element, child, year)
    return element


def _identifiers(parent: ET.Element, child: CensusChild, year: CensusYear) -> None:
    facts = child.facts
    identifiers = ET.SubElement(parent, "ChildIdentifiers")
    _add(identifiers, "LAchildID", facts.la_child_id)
    born = facts.date_of_birth
    if born is not None and born <= year.end:
        _add(identifiers, "PersonBirthDate", born)
        _add(identifiers, "Sex", facts.sex)
    else:  # unborn on the reference date (CIN 8520), so sex not known (CIN 8750)
        _add(identifiers, "ExpectedPersonBirthDate", facts.expected_birth_date or born)
        _add(identifiers, "Sex", "U")
    died = [p.end for p in child.plans if p.end_reason == "died" and p.end is not None]
    if died:  # R-LC2a: the plan ended the day the child died
        _add(identifiers, "PersonDeathDate", max(died))


def _episode(parent: ET.Element, child: CensusChild, year: CensusYear) -> None:
    """One CIN episode holds the child's plans of the year: one open episode per child
    (CIN 8815, 8820), each plan beside the initial conference that started it (CIN 2885)."""
    episode = ET.SubElement(parent, "CINdetails")
    _add(episode, "CINreferralDate", min(p.process_start for p in child.plans))
    _add(episode, "ReferralSource", REFERRAL_SOURCE_UNKNOWN)
    _add(episode, "PrimaryNeedCode", PRIMARY_NEED_NOT_STATED)
    started = [p for p in child.plans if p.start >= year.start]
    on_episode = len(started) == 1 and started[0].s47_start is None
    if on_episode:
        _add(episode, "DateOfInitialCPC", started[0].start)
    else:
        for plan in started:
            _section47(episode, plan)
    _add(episode, "ReferralNFA", 0)
    for plan, previous in zip(child.plans, child.previous, strict=True):
        _plan(episode, plan, previous, year)


def _section47(parent: ET.Element, plan: Plan) -> None:
    enquiry = ET.SubElement(parent, "Section47")
    _add(enquiry, "S47ActualStartDate", plan.s47_start or plan.process_start)
    if plan.icpc_target is not None:
        _add(enquiry, "InitialCPCtarget", plan.icpc_target)
    _add(enquiry, "DateOfInitialCPC", plan.start)
    _add(enquiry, "ICPCnotRequired", 0)  # 0/1, never true/false (CIN 8740, 2885)


def _plan(parent: ET.Element, plan: Plan, previous: int, year: CensusYear) -> None:
    element = ET.SubElement(parent, "ChildProtectionPlans")
    _add(element, "CPPstartDate", plan.start)
    if plan.end is not None:
        _add(element, "CPPendDate", plan.end)
    _add(element, "InitialCategoryOfAbuse", plan.initial_category)
    _add(element, "LatestCategoryOfAbuse", plan.latest_category)
    _add(element, "NumberOfPreviousCPP", previous)
    reviews = [day for day in plan.reviews if year.start <= day <= year.end]
    if reviews:
        held = ET.SubElement(element, "Reviews")
        for day in reviews:
            _add(held, "CPPreviewDate", day)
