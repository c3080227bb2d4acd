"""The CIN census's child protection parts: what goes in, in the DfE's names and codes, and
the DfE's own validator (``csc-validator-be-cin``) finds no error in it, for the demo
caseload and for synthetic caseloads of every shape."""

from __future__ import annotations

import io
import subprocess
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.child_facts import ChildFacts
from domain.demo import demo_caseload, demo_facts
from domain.errors import RejectedEvent
from domain.events import (
    Child,
    ConferenceHeld,
    ConferenceKind,
    CoreGroupHeld,
    Event,
    PlanEnded,
    PlanEndReason,
    VisitMade,
)
from domain.history import CaseHistory
from domain.ladder import LONDON
from domain.punctual import punctual_history
from domain.state import fold
from domain.store.extracts import CaseRecord
from domain.synthetic import enquiry_assessments, made_upn, synthetic_facts, synthetic_history
from returns.cin_census import Census, CensusYear, census
from returns.cin_xml import write_census
from returns.plans import all_plans
from tests.domain.builders import d, icpc, rcpc
from tests.returns.cin_validator import PYTHON, validate

YEAR = CensusYear.parse("2026-27")
STAMP = datetime(2027, 4, 5, 9, 30, tzinfo=LONDON)


def the_census(records: Iterable[CaseRecord]) -> Census:
    return census(all_plans(iter(records), YEAR.end), YEAR)


def xml_of(found: Census, placeholders: bool = True) -> bytes:
    out = io.BytesIO()
    write_census(
        found, out, la_code="201", serial=1, generated_at=STAMP, release="0.1.0",
        placeholders=placeholders,
    )  # fmt: skip
    return out.getvalue()


def written(found: Census, folder: Path, placeholders: bool = True) -> Path:
    path = folder / f"census-{placeholders}.xml"
    path.write_bytes(xml_of(found, placeholders))
    return path


# What a child protection extract cannot hold: the referral (CIN 8600: CINreferralDate; 8610:
# PrimaryNeedCode), the case-management system's to give.
REFERRAL_RULES = {"8600", "8610"}


def facts(child: str = "c1", la_child_id: str = "LA1", **changes: Any) -> ChildFacts:
    fields: dict[str, Any] = dict(
        child=child, la_child_id=la_child_id, sex="F", ethnicity="WBRI",
        date_of_birth=date(2018, 3, 4), disabilities=("NONE",),
        upn=made_upn(f"{zlib.crc32(la_child_id.encode()) % 10**9:09d}"),
    )  # fmt: skip
    fields.update(changes)
    return ChildFacts(**fields)


def record(
    reference: str, *events: Event, given: tuple[ChildFacts, ...] = (), **kw: Any
) -> CaseRecord:
    history = CaseHistory(reference=reference, team="team-north", events=events, **kw)
    return CaseRecord(history, given)


def element(found: Census, path: str) -> list[str]:
    return [e.text or "" for e in ET.fromstring(xml_of(found)).iterfind(path)]


OPENING = icpc("2026-06-01", "2026-06-10", strategy_discussion_on=d("2026-05-18"))


def test_the_demo_caseload_gives_a_census_the_dfe_validator_accepts(tmp_path: Path) -> None:
    """With the referral's placeholders: no error, no query. As the child protection extract
    (no referral): the referral's two rules alone, for the CIN team's record to fill."""
    cases = demo_caseload(date(2027, 2, 15))
    given = demo_facts(cases)
    found = the_census(CaseRecord(case, given[case.reference]) for case in cases)
    assert found.plans >= 30 and found.other_nations > 0
    assert (found.without_facts, found.skipped) == ([], [])
    findings = validate(written(found, tmp_path))
    assert findings.fired == {}, findings.output
    extract = validate(written(found, tmp_path, placeholders=False))
    assert set(extract.fired) == REFERRAL_RULES, extract.output


def shapes() -> list[CaseRecord]:
    """Plans that started before the year, end inside it or after it, pre-birth, transfer-in,
    without a recorded enquiry, a child who died, a child's second plan after the first."""
    pre_birth = icpc("2026-09-01", "2026-09-08", kind=ConferenceKind.PRE_BIRTH,
                     strategy_discussion_on=d("2026-08-14"))  # fmt: skip
    unborn = facts("c1", "PB1", sex="U", date_of_birth=None, expected_birth_date=date(2027, 5, 1),
                   disabilities=())  # fmt: skip
    born_after = facts(
        "c1",
        "PB2",
        sex="M",
        date_of_birth=date(2027, 4, 20),
        disabilities=(),
        upn=None,
        upn_unknown="UN1",
    )
    died = PlanEnded(on=d("2026-10-14"), reason=PlanEndReason.DIED, recorded_by="tm")
    first = icpc("2025-11-03", "2025-11-10", strategy_discussion_on=d("2025-10-20"))
    left = PlanEnded(on=d("2026-05-04"), reason=PlanEndReason.LEFT_UK, recorded_by="tm")
    second = icpc("2026-11-02", "2026-11-09", strategy_discussion_on=d("2026-10-19"),
                  s47_started_on=d("2026-10-21"))  # fmt: skip
    siblings = OPENING.model_copy(update={"children": (
        Child(id="c1", category="NEG", previous_plans=2), Child(id="c2", category="PHY"))})  # fmt: skip

    def assessed(opening: ConferenceHeld) -> tuple[Event, ...]:
        return (opening, *enquiry_assessments(opening))

    return [
        record("CARRIED", icpc("2025-12-01", "2025-12-08"), rcpc("2026-02-27", "2026-03-06"),
               rcpc("2026-08-27", "2026-09-03"), given=(facts("c1", "CO1"),)),
        record("PREBIRTH", *assessed(pre_birth), given=(unborn,)),
        record("BORNLATE", *assessed(pre_birth), given=(born_after,)),
        record("TRANSFER", OPENING.model_copy(update={"kind": ConferenceKind.TRANSFER_IN}),
               given=(facts("c1", "TI1"),)),
        record("DIED", *assessed(OPENING), died, given=(facts("c1", "DD1"),)),
        record("FIRST", *assessed(first), left, given=(facts("c1", "TWICE"),)),
        record("SECOND", *assessed(second), VisitMade(on=d("2026-11-05"), visitor="sw", children_seen=("c1",)),
               rcpc("2027-02-02", decision="end"), given=(facts("c1", "TWICE"),)),
        record("SIBLINGS", *assessed(siblings), given=(facts("c1", "SB1"), facts("c2", "SB2"))),
    ]  # fmt: skip


def test_a_synthetic_caseload_of_every_shape_passes_the_dfe_validator(tmp_path: Path) -> None:
    records = list(shapes())
    for seed in range(150):
        start = date(2025, 9, 1) + timedelta(days=(seed * 11) % 560)
        history = synthetic_history(
            seed, f"SYN-{seed:05d}", start=start, end=start + timedelta(days=30 * (2 + seed % 11)),
            assessments=True,
        )  # fmt: skip
        records.append(CaseRecord(history, synthetic_facts(history, seed)))
    found = the_census(records)
    assert found.plans > 150
    findings = validate(written(found, tmp_path))
    assert findings.fired == {}, findings.output


def test_the_validator_does_find_a_broken_census(tmp_path: Path) -> None:
    path = written(the_census([record("A", OPENING, given=(facts(),))]), tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("<LatestCategoryOfAbuse>NEG<", "<LatestCategoryOfAbuse>ABC<"))
    assert "8910" in validate(path).errors


def test_the_year_runs_from_april_to_march_and_is_collected_by_its_end() -> None:
    assert (YEAR.start, YEAR.end, YEAR.label) == (date(2026, 4, 1), date(2027, 3, 31), "2026-27")
    for bad in ("2026", "2026-28", "26-27"):
        with pytest.raises(ValueError):
            CensusYear.parse(bad)


def test_a_plan_of_the_year_has_its_enquiry_conference_and_reviews_in_the_dfes_names() -> None:
    found = the_census([record("A", OPENING, rcpc("2026-08-28", "2026-09-04"), given=(facts(),))])
    episode = "Children/Child/CINdetails"
    assert element(found, f"{episode}/Section47/S47ActualStartDate") == ["2026-05-18"]
    assert element(found, f"{episode}/Section47/InitialCPCtarget") == [
        "2026-06-09"
    ]  # R-T0: 15 WD, 25 May a holiday
    assert element(found, f"{episode}/Section47/DateOfInitialCPC") == ["2026-06-01"]
    assert element(found, f"{episode}/CINreferralDate") == ["2026-05-18"]
    plan = f"{episode}/ChildProtectionPlans"
    assert element(found, f"{plan}/CPPstartDate") == ["2026-06-01"]
    assert element(found, f"{plan}/Reviews/CPPreviewDate") == ["2026-08-28"]
    assert element(found, f"{plan}/NumberOfPreviousCPP") == ["0"]
    assert [e.tag for e in ET.fromstring(xml_of(found)).find(episode) or []] == [
        "CINreferralDate", "ReferralSource", "PrimaryNeedCode", "Section47", "ReferralNFA",
        "ChildProtectionPlans",
    ]  # fmt: skip
    extract = ET.fromstring(xml_of(found, placeholders=False)).find(episode)
    assert [e.tag for e in extract or []] == ["Section47", "ReferralNFA", "ChildProtectionPlans"]


def test_a_plan_carried_into_the_year_shows_no_enquiry_and_only_the_years_reviews() -> None:
    found = the_census([shapes()[0]])
    assert element(found, "Children/Child/CINdetails/Section47") == []
    assert element(found, "Children/Child/CINdetails/DateOfInitialCPC") == []
    assert element(found, ".//CPPreviewDate") == ["2026-08-27"]


def test_a_transfer_in_has_its_conference_on_the_episode_and_no_enquiry() -> None:
    found = the_census([shapes()[3]])
    assert element(found, "Children/Child/CINdetails/DateOfInitialCPC") == ["2026-06-01"]
    assert element(found, ".//Section47") == []


def test_previous_plans_are_the_conferences_or_else_the_stores_earlier_plans_of_the_child() -> None:
    by_child = {c.facts.la_child_id: c for c in the_census(shapes()).children}
    assert [e.previous for e in by_child["TWICE"].episodes] == [(0,), (1,)]
    assert [p.reference for p in by_child["TWICE"].plans] == ["FIRST", "SECOND"]
    assert by_child["SB1"].episodes[0].previous == (2,)
    assert by_child["SB2"].episodes[0].previous == (0,)


def test_an_unborn_child_has_an_expected_birth_and_sex_u_and_a_death_is_dated() -> None:
    found = the_census(shapes())
    children = {
        c.findtext("ChildIdentifiers/LAchildID"): c
        for c in ET.fromstring(xml_of(found)).iter("Child")
    }
    assert children["PB1"].findtext("ChildIdentifiers/ExpectedPersonBirthDate") == "2027-05-01"
    assert children["PB2"].findtext("ChildIdentifiers/ExpectedPersonBirthDate") == "2027-04-20"
    assert children["PB2"].findtext("ChildIdentifiers/Sex") == "U"
    assert children["DD1"].findtext("ChildIdentifiers/PersonDeathDate") == "2026-10-14"


def test_other_nations_and_children_without_facts_are_left_out_and_counted() -> None:
    found = the_census([
        record("WALES", OPENING, given=(facts(),), profile="wales"),
        record("NOFACTS", OPENING),
        record("BEFORE", icpc("2025-06-02", "2025-06-09"), PlanEnded(
            on=d("2025-09-01"), reason=PlanEndReason.LEFT_UK, recorded_by="tm"), given=(facts("c1", "OLD"),)),
    ])  # fmt: skip
    assert (found.other_nations, found.without_facts, found.children) == (
        1,
        [("NOFACTS", "c1")],
        [],
    )


def test_a_history_that_no_longer_validates_is_skipped_and_named() -> None:
    saturday = icpc("2026-06-06", "2026-06-10")
    found = the_census([CaseRecord(CaseHistory.model_construct(
        reference="OLD-1", profile="england", team="t", events=(saturday,)), ())])  # fmt: skip
    assert [s.reference for s in found.skipped] == ["OLD-1"]
    assert "CIN 8875" in found.skipped[0].reason


def test_the_validators_2026_27_rules_are_its_2024_25_rules_as_the_readme_says() -> None:
    """README, "Returns": csc-validator-be-cin's cin2026_27 ruleset adds nothing of its own."""
    code = (
        "from cin_validator.rules.cin2026_27 import registry as now; "
        "from cin_validator.rules.cin2024_25 import registry as then; "
        "print(set(now) == set(then) and all(now[k] is then[k] for k in now), len(now))"
    )
    done = subprocess.run([str(PYTHON), "-c", code], capture_output=True, text=True, timeout=300)
    assert done.stdout.split()[0] == "True", done.stdout + done.stderr[-2000:]
    assert int(done.stdout.split()[1]) > 100


@pytest.mark.parametrize("profile", ["west-midlands", "luton"])
def test_a_case_recorded_before_a_duty_existed_is_still_counted(profile: str) -> None:
    """A duty checked when an event is recorded (a vice chair at the first core group, the
    review's date set by the conference: R-M1, R-T7) and added after the case was recorded
    never drops its children from a return, as a census rule would."""
    history = punctual_history(7, "CP-7", profile, start=date(2026, 1, 6), days=300)
    older = history.model_copy(update={"events": tuple(
        e.model_copy(update={"vice_chair": None}) if isinstance(e, CoreGroupHeld)
        else e.model_copy(update={"review_on": None}) if isinstance(e, ConferenceHeld) else e
        for e in history.events
    )})  # fmt: skip
    with pytest.raises(RejectedEvent, match=r"R-M1|R-T7|R-T8"):
        fold(older, new_from=0)  # as the store would refuse it if it were recorded today
    found = the_census([CaseRecord(older, synthetic_facts(older, 7))])
    assert (found.skipped, found.without_facts) == ([], [])
    assert found.plans == len(history.events[0].children) > 0  # type: ignore[attr-defined]
