"""A corpus of case histories with the CIN census's fields worked out by hand, each beside its
source in the DfE's specification: the field's number in the CIN census data items (N0....)
and the validation rule that holds it (CIN ....), as the DfE's validator
(``csc-validator-be-cin``) and its XML schema (liia-tools' CIN_schema_2024.xsd) state them.
England's bank holidays: 25 May and 31 August 2026, 25 and 28 December 2026, 1 January 2027."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zlib
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from domain.child_facts import ChildFacts
from domain.events import (
    AssessmentStarted,
    ConferenceHeld,
    ConferenceKind,
    EpisodeClosure,
    Event,
    PlanEnded,
    PlanEndReason,
)
from domain.history import CaseHistory
from domain.ladder import LONDON
from domain.store.extracts import CaseRecord
from domain.synthetic import enquiry_assessments, made_upn
from returns.cin_census import Census, CensusYear, census
from returns.cin_xml import write_census
from returns.plans import all_plans
from tests.domain.builders import d, icpc, rcpc
from tests.returns.cin_validator import validate

YEAR = CensusYear.parse("2026-27")
# S47ActualStartDate (N00148) Mon 18 May 2026; InitialCPCtarget (N00109) 15 working days on:
# 19-22 May, 26-29 May (25 May a holiday), 1-5 June, 8 and 9 June: Tue 9 June 2026.
SD, TARGET, ICPC = "2026-05-18", "2026-06-09", "2026-06-01"


def facts(la_child_id: str, **changes: Any) -> ChildFacts:
    fields: dict[str, Any] = dict(
        child="c1", la_child_id=la_child_id, sex="F", ethnicity="WBRI",
        date_of_birth=date(2016, 3, 4), disabilities=("NONE",),
        upn=made_upn(f"{zlib.crc32(la_child_id.encode()) % 10**9:09d}"),
    )  # fmt: skip
    fields.update(changes)
    return ChildFacts(**fields)


def opened(on: str = ICPC, sd: str | None = SD, **changes: Any) -> list[Event]:
    """The opening conference, then each child's assessment of the enquiry (started at the
    strategy discussion, completed on the conference's day with its factors)."""
    conference = icpc(on, on, strategy_discussion_on=d(sd) if sd else None, **changes)
    return [conference, *enquiry_assessments(conference)]


def case(reference: str, *events: Event, la_id: str | None = None, **fact: Any) -> CaseRecord:
    history = CaseHistory(reference=reference, team="team-north", events=events)
    return CaseRecord(history, (facts(la_id or reference, **fact),))


def ended(on: str, reason: PlanEndReason, closure: EpisodeClosure | None = None) -> PlanEnded:
    return PlanEnded(on=d(on), reason=reason, recorded_by="tm", closure=closure)


def corpus() -> list[CaseRecord]:
    later = icpc("2026-11-02", "2026-11-02", strategy_discussion_on=d("2026-10-19"))
    pre_birth = icpc("2026-09-01", "2026-09-01", kind=ConferenceKind.PRE_BIRTH,
                     strategy_discussion_on=d("2026-08-14"))  # fmt: skip
    first = opened("2026-04-13", "2026-03-30")
    transfer = icpc(ICPC, ICPC, kind=ConferenceKind.TRANSFER_IN, strategy_discussion_on=d(SD))
    return [
        case("ADOPT", *opened(), ended("2026-11-16", PlanEndReason.ADOPTED)),
        case("DIED", *opened(), ended("2026-10-14", PlanEndReason.DIED)),
        case("CAO", *opened(),
             rcpc("2026-08-28", decision="end", closure=EpisodeClosure.CHILD_ARRANGEMENTS_ORDER)),
        case("SGO", *opened(), rcpc("2026-08-28", "2026-09-04"),
             rcpc("2027-02-26", decision="end", closure=EpisodeClosure.SPECIAL_GUARDIANSHIP_ORDER)),
        case("MOVED", *opened(), ended("2026-12-07", PlanEndReason.TRANSFERRED_OUT)),
        case("ADULT", *opened(), ended("2026-12-07", PlanEndReason.TURNED_18,
                                       EpisodeClosure.TRANSFERRED_TO_ADULT_SERVICES),
             date_of_birth=date(2008, 12, 5)),
        case("CEASED", *opened(), ended("2026-12-07", PlanEndReason.LEFT_UK)),
        case("STEPDOWN", *opened(), rcpc("2026-08-28", decision="end")),
        case("LATES47", *opened(s47_started_on=d("2026-05-20"))),
        case("PREBIRTH", pre_birth, *enquiry_assessments(pre_birth), upn=None, upn_unknown="UN1",
             sex="U", date_of_birth=None, expected_birth_date=date(2027, 5, 1), disabilities=()),
        case("TRANSIN", transfer, upn=None, upn_unknown="UN4"),
        case("NOS47", *opened(sd=None)),
        case("CARRIED", *opened("2025-12-01", "2025-11-17"), rcpc("2026-02-27", "2026-03-06"),
             rcpc("2026-08-27", "2026-09-03")),
        case("REASSESS", *opened(), AssessmentStarted(on=d("2027-03-01"), assessment="a2",
                                                      child="c1")),
        case("TWICE-1", *first, rcpc("2026-07-10", decision="end",
                                     closure=EpisodeClosure.SERVICES_CEASED), la_id="TWICE"),
        case("TWICE-2", later, *enquiry_assessments(later), la_id="TWICE"),
        case("AGAIN-1", *first, rcpc("2026-07-10", decision="end"), la_id="AGAIN"),
        case("AGAIN-2", later, *enquiry_assessments(later), la_id="AGAIN"),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def found() -> Census:
    return census(all_plans(iter(corpus()), YEAR.end), YEAR)


def xml(found: Census, placeholders: bool = True) -> bytes:
    out = io.BytesIO()
    stamp = datetime(2027, 4, 6, 9, tzinfo=LONDON)
    write_census(found, out, la_code="201", serial=1, generated_at=stamp, release="1",
                 placeholders=placeholders)  # fmt: skip
    return out.getvalue()


@pytest.fixture(scope="module")
def children(found: Census) -> dict[str, ET.Element]:
    root = ET.fromstring(xml(found))
    return {c.findtext("ChildIdentifiers/LAchildID") or "": c for c in root.iter("Child")}


def texts(child: ET.Element, path: str) -> list[str]:
    return [e.text or "" for e in child.iterfind(path)]


EPISODE = "CINdetails"
PLAN = f"{EPISODE}/ChildProtectionPlans"


@pytest.mark.parametrize(
    ("child", "closed", "reason", "plan_end"),
    [
        ("ADOPT", "2026-11-16", "RC1", "2026-11-16"),  # RC1 adopted (R-LC2a)
        ("DIED", "2026-10-14", "RC2", "2026-10-14"),  # RC2 died: the death dates the end
        ("CAO", "2026-08-28", "RC3", "2026-08-28"),  # RC3 child arrangements order (R-LC2)
        ("SGO", "2027-02-26", "RC4", "2027-02-26"),  # RC4 special guardianship order
        ("MOVED", "2026-12-07", "RC5", "2026-12-07"),  # RC5 transferred to another authority
        ("ADULT", "2026-12-07", "RC6", "2026-12-07"),  # RC6 transferred to adult services
        ("CEASED", "2026-12-07", "RC7", "2026-12-07"),  # RC7 services ceased (left the UK)
    ],
)
def test_every_closure_reason_closes_the_episode_on_the_day_the_plan_ended(
    children: dict[str, ET.Element], child: str, closed: str, reason: str, plan_end: str
) -> None:
    """CINclosureDate (N00102) and ReasonForClosure (N00103, RC1-RC9: CIN 8640) both or
    neither (CIN 8805, 8810), the closure in the year (CIN 8620) and no activity after it
    (CIN 8565); CPPendDate (N00115) the same day."""
    element = children[child]
    assert texts(element, f"{EPISODE}/CINclosureDate") == [closed]
    assert texts(element, f"{EPISODE}/ReasonForClosure") == [reason]
    assert texts(element, f"{PLAN}/CPPendDate") == [plan_end]


def test_a_death_dates_the_child_and_no_one_else(children: dict[str, ET.Element]) -> None:
    """PersonDeathDate (N00108): the plan cannot end after it (CIN 8920); RC2 wants it (CIN
    8585Q)."""
    assert texts(children["DIED"], "ChildIdentifiers/PersonDeathDate") == ["2026-10-14"]
    assert texts(children["ADOPT"], "ChildIdentifiers/PersonDeathDate") == []


def test_a_plan_that_ends_while_child_in_need_services_continue_leaves_the_episode_open(
    children: dict[str, ET.Element],
) -> None:
    """One open episode per child (CIN 8815): no CINclosureDate, the plan's end still sent."""
    element = children["STEPDOWN"]
    assert texts(element, f"{PLAN}/CPPendDate") == ["2026-08-28"]
    assert texts(element, f"{EPISODE}/CINclosureDate") == []
    assert texts(element, f"{EPISODE}/ReasonForClosure") == []


@pytest.mark.parametrize("child", ["ADOPT", "LATES47"])
def test_the_enquiry_starts_at_the_strategy_discussion_and_its_target_counts_from_that_day(
    children: dict[str, ET.Element], child: str
) -> None:
    """S47ActualStartDate (N00148): the strategy discussion that started the enquiry (Ofsted's
    Annex A names it "Strategy discussion initiating Section 47 Enquiry Start Date"), even
    when the enquiry's own start was recorded later (LATES47: 20 May); InitialCPCtarget
    (N00109): 15 working days from that same day (R-T0; CIN 8675Q counts the same way);
    DateOfInitialCPC (N00110) the conference, the plan's start (CIN 2885)."""
    element = children[child]
    assert texts(element, f"{EPISODE}/Section47/S47ActualStartDate") == [SD]
    assert texts(element, f"{EPISODE}/Section47/InitialCPCtarget") == [TARGET]
    assert texts(element, f"{EPISODE}/Section47/DateOfInitialCPC") == [ICPC]
    assert texts(element, f"{EPISODE}/Section47/ICPCnotRequired") == ["0"]
    assert texts(element, f"{PLAN}/CPPstartDate") == [ICPC]


def test_a_pre_birth_enquiry_and_an_unborn_child(children: dict[str, ET.Element]) -> None:
    """Fri 14 Aug 2026 + 15 working days (31 Aug a holiday): Mon 7 Sep. Unborn: the expected
    birth (N00098) and sex U (CIN 8750), and UN1 as the reason there is no UPN (N00135)."""
    element = children["PREBIRTH"]
    assert texts(element, f"{EPISODE}/Section47/S47ActualStartDate") == ["2026-08-14"]
    assert texts(element, f"{EPISODE}/Section47/InitialCPCtarget") == ["2026-09-07"]
    assert texts(element, "ChildIdentifiers/ExpectedPersonBirthDate") == ["2027-05-01"]
    assert texts(element, "ChildIdentifiers/Sex") == ["U"]
    assert texts(element, "ChildIdentifiers/UPNunknown") == ["UN1"]


def test_a_transfer_in_conference_is_on_the_episode_with_no_enquiry(
    children: dict[str, ET.Element],
) -> None:
    """A conference no Section 47 enquiry of ours preceded: DateOfInitialCPC on the episode
    (N00110 at CINdetails; never at both levels, CIN 2884)."""
    element = children["TRANSIN"]
    assert texts(element, f"{EPISODE}/DateOfInitialCPC") == [ICPC]
    assert texts(element, f"{EPISODE}/Section47") == []
    assert texts(element, "ChildIdentifiers/UPNunknown") == ["UN4"]


def test_an_enquiry_never_recorded_is_not_invented_but_named(found: Census) -> None:
    """S47ActualStartDate must be present (CIN 8615): without the strategy discussion the plan
    is not sent, and the data manager is told which child."""
    assert "NOS47" not in {c.facts.la_child_id for c in found.children}
    (note,) = [n for n in found.notes if n.reference == "NOS47"]
    assert "CIN 8615" in note.what


def test_a_plan_carried_into_the_year_sends_only_the_years_reviews_and_no_enquiry(
    children: dict[str, ET.Element],
) -> None:
    """Reviews (N00116) held in the year only; an enquiry and an assessment completed before
    the year are not the year's (CIN 8715, 8696)."""
    element = children["CARRIED"]
    assert texts(element, f"{PLAN}/Reviews/CPPreviewDate") == ["2026-08-27"]
    assert texts(element, f"{EPISODE}/Section47") == []
    assert texts(element, f"{EPISODE}/Assessments") == []


def test_assessments_with_their_factors(children: dict[str, ET.Element]) -> None:
    """AssessmentActualStartDate (N00159) the strategy discussion's day here, the
    AssessmentAuthorisationDate (N00160) the conference's, the factors (N00181) as recorded
    (16A, neglect); an assessment still open sends its start alone (CIN 8614, 8736)."""
    element = children["REASSESS"]
    assessments = element.findall(f"{EPISODE}/Assessments")
    assert [a.findtext("AssessmentActualStartDate") for a in assessments] == [SD, "2027-03-01"]
    assert [a.findtext("AssessmentAuthorisationDate") for a in assessments] == [ICPC, None]
    factors = [[f.text for f in a.iterfind("FactorsIdentifiedAtAssessment/AssessmentFactors")]
               for a in assessments]  # fmt: skip
    assert factors == [["16A"], []]


def test_the_upn_is_sent_when_known(children: dict[str, ET.Element]) -> None:
    """UPN (N00001): a check letter (CIN 1510), an LA number (CIN 1530), 11 digits (CIN
    1540); UPNunknown (N00135) only when it is not (CIN 8770Q)."""
    upn = texts(children["ADOPT"], "ChildIdentifiers/UPN")
    assert upn == [made_upn(f"{zlib.crc32(b'ADOPT') % 10**9:09d}")] and upn[0][1:4] == "201"
    assert texts(children["ADOPT"], "ChildIdentifiers/UPNunknown") == []


def test_two_plans_in_a_year_after_a_closure_are_two_episodes(
    children: dict[str, ET.Element],
) -> None:
    """The first episode closed (RC7) when its plan ended; the second, open, is the latest
    (CIN 8816) and does not overlap it (CIN 8820); NumberOfPreviousCPP (N00106) counts the
    first plan. Targets: Mon 30 Mar + 15 working days (3 and 6 April are Easter's holidays)
    = Wed 22 Apr; Mon 19 Oct + 15 working days = Mon 9 Nov."""
    episodes = children["TWICE"].findall(EPISODE)
    assert [e.findtext("CINclosureDate") for e in episodes] == ["2026-07-10", None]
    assert [e.findtext("ReasonForClosure") for e in episodes] == ["RC7", None]
    assert [e.findtext("Section47/InitialCPCtarget") for e in episodes] == [
        "2026-04-22", "2026-11-09",
    ]  # fmt: skip
    assert [e.findtext("ChildProtectionPlans/NumberOfPreviousCPP") for e in episodes] == ["0", "1"]


def test_two_plans_while_child_in_need_services_continued_share_one_episode(
    children: dict[str, ET.Element],
) -> None:
    (episode,) = children["AGAIN"].findall(EPISODE)
    assert texts(episode, "ChildProtectionPlans/CPPstartDate") == ["2026-04-13", "2026-11-02"]
    assert texts(episode, "Section47/S47ActualStartDate") == ["2026-03-30", "2026-10-19"]
    assert texts(episode, "CINclosureDate") == []


def test_the_corpus_passes_the_dfe_validator(found: Census, tmp_path: Path) -> None:
    """No error and no query with the referral's placeholders; as the child protection
    extract, only the referral's rules (CIN 8600, 8610) that the CIN team's record fills."""
    path = tmp_path / "corpus.xml"
    path.write_bytes(xml(found))
    findings = validate(path)
    assert findings.fired == {}, findings.output
    path.write_bytes(xml(found, placeholders=False))
    assert set(validate(path).fired) == {"8600", "8610"}


def test_what_could_not_be_said_for_sure_is_named(found: Census) -> None:
    named = {(n.reference, n.what.split(":")[0]) for n in found.notes}
    assert ("NOS47", "left out") in named
    assert ("ADOPT", "previous plans not recorded at the conference") in named


def test_the_opening_conference_of_every_case_is_a_conference() -> None:
    assert all(isinstance(r.history.events[0], ConferenceHeld) for r in corpus())
