"""The CIN census as the DfE's XML (``Message/Header/Children``), one child at a time.

Elements in the schema's order (the DfE's CIN XML schema: ChildIdentifiers, then
ChildCharacteristics, then each CINdetails episode: CINreferralDate, ReferralSource,
PrimaryNeedCode, CINclosureDate, ReasonForClosure, DateOfInitialCPC, Assessments, Section47,
ReferralNFA, ChildProtectionPlans). The file opens with a comment that says what it is: the
child protection modules for the CIN team to merge, provisional if the year has not ended,
and which referral fields, if any, are placeholders. Pure: a census in, bytes out.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime
from typing import BinaryIO

from domain.events import ConferenceKind
from returns.cin_census import Census, CensusChild, CensusYear, Episode
from returns.plans import Plan

REFERRAL_SOURCE_UNKNOWN = "10"  # ReferralSource (N00152): unknown
PRIMARY_NEED_NOT_STATED = "N0"  # PrimaryNeedCode (N00101): not stated
SOFTWARE = "cp-orchestrator"


def purpose(found: Census, placeholders: bool) -> str:
    """What the file is, as its first comment and the command's output say it."""
    said = [
        f"Child protection modules of the CIN census {found.year.label}, from the child "
        "protection record, for the authority's CIN team to merge into its census.",
    ]
    if found.provisional:
        said.append(
            f"PROVISIONAL: as known on {found.as_of.isoformat()}; the census year ends on "
            f"{found.year.end.isoformat()}."
        )
    if placeholders:
        said.append(
            "Referral fields are PLACEHOLDERS, not recorded: CINreferralDate is the earliest "
            f"day the case records, ReferralSource {REFERRAL_SOURCE_UNKNOWN} (unknown), "
            f"PrimaryNeedCode {PRIMARY_NEED_NOT_STATED} (not stated)."
        )
    else:
        said.append(
            "No referral is sent (CINreferralDate, ReferralSource, PrimaryNeedCode): the "
            "case-management system's record has it."
        )
    return " ".join(said)


def write_census(
    found: Census,
    out: BinaryIO,
    *,
    la_code: str,
    serial: int,
    generated_at: datetime,
    release: str,
    placeholders: bool = False,
) -> None:
    """The XML, one child at a time (bounded memory whatever the caseload)."""
    if not re.fullmatch(r"\d{3}", la_code):
        raise ValueError(f"LA code {la_code!r}: the DfE's three-digit code, such as 201")
    comment = purpose(found, placeholders).replace("--", "-")
    out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(f"<!-- {comment} -->\n<Message>\n".encode())
    out.write(_text(_header(found.year, la_code, serial, generated_at, release), 1))
    out.write(b"  <Children>\n")
    for child in found.children:
        out.write(_text(_child(child, found.year, placeholders), 2))
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


def _child(child: CensusChild, year: CensusYear, placeholders: bool) -> ET.Element:
    element = ET.Element("Child")
    _identifiers(element, child, year)
    characteristics = ET.SubElement(element, "ChildCharacteristics")
    _add(characteristics, "Ethnicity", child.facts.ethnicity)
    if child.facts.disabilities:
        disabilities = ET.SubElement(characteristics, "Disabilities")
        for code in child.facts.disabilities:
            _add(disabilities, "Disability", code)
    for episode in child.episodes:
        _episode(element, episode, year, placeholders)
    return element


def _identifiers(parent: ET.Element, child: CensusChild, year: CensusYear) -> None:
    facts = child.facts
    identifiers = ET.SubElement(parent, "ChildIdentifiers")
    _add(identifiers, "LAchildID", facts.la_child_id)
    if facts.upn is not None:
        _add(identifiers, "UPN", facts.upn)
    elif facts.upn_unknown is not None:
        _add(identifiers, "UPNunknown", facts.upn_unknown)
    born = facts.date_of_birth
    if born is not None and born <= year.end:
        _add(identifiers, "PersonBirthDate", born)
        _add(identifiers, "Sex", facts.sex)
    else:  # unborn on the reference date (CIN 8520), so sex not known (CIN 8750)
        _add(identifiers, "ExpectedPersonBirthDate", facts.expected_birth_date or born)
        _add(identifiers, "Sex", "U")
    if child.died_on is not None:  # R-LC2a: the plan ended the day the child died
        _add(identifiers, "PersonDeathDate", child.died_on)


def _episode(parent: ET.Element, episode: Episode, year: CensusYear, placeholders: bool) -> None:
    """One CINdetails: each plan beside the initial conference that started it (CIN 2885)."""
    element = ET.SubElement(parent, "CINdetails")
    if placeholders:
        _add(element, "CINreferralDate", episode.referral)
        _add(element, "ReferralSource", REFERRAL_SOURCE_UNKNOWN)
        _add(element, "PrimaryNeedCode", PRIMARY_NEED_NOT_STATED)
    if episode.closed is not None:
        _add(element, "CINclosureDate", episode.closed[0])
        _add(element, "ReasonForClosure", episode.closed[1])
    started = [p for p in episode.plans if p.start >= year.start]
    for plan in started:  # a transfer-in's conference follows no enquiry of ours
        if plan.kind is ConferenceKind.TRANSFER_IN:
            _add(element, "DateOfInitialCPC", plan.start)
            break
    for item in episode.assessments(year):
        assessment = ET.SubElement(element, "Assessments")
        _add(assessment, "AssessmentActualStartDate", item.started)
        if item.completed is not None:
            _add(assessment, "AssessmentAuthorisationDate", item.completed)
            factors = ET.SubElement(assessment, "FactorsIdentifiedAtAssessment")
            for code in item.factors:
                _add(factors, "AssessmentFactors", code)
    for plan in started:
        if plan.s47_start is not None:
            _section47(element, plan)
    _add(element, "ReferralNFA", 0)  # a plan followed the referral: further action, a fact
    for plan, previous in zip(episode.plans, episode.previous, strict=True):
        _plan(element, plan, previous, year)


def _section47(parent: ET.Element, plan: Plan) -> None:
    """S47ActualStartDate (N00148): the strategy discussion that started the enquiry;
    InitialCPCtarget (N00109): R-T0's due date, 15 working days from that same day."""
    enquiry = ET.SubElement(parent, "Section47")
    _add(enquiry, "S47ActualStartDate", plan.s47_start)
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
