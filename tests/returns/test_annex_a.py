"""Ofsted's Annex A List 7: its published header row exactly, its formats (dd/mm/yyyy, coded
answers), the six months it looks back, as CSV and as a workbook."""

from __future__ import annotations

import csv
import io
import zlib
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from domain.child_facts import ChildFacts
from domain.events import (
    Child,
    CoverEnded,
    CoverStarted,
    EmergencyProtectionTaken,
    Event,
    Member,
    MemberJoined,
    MemberRole,
    PlanEnded,
    PlanEndReason,
    ProtectionKind,
    VisitMade,
)
from domain.history import CaseHistory
from domain.store.extracts import CaseRecord
from domain.synthetic import made_upn
from returns.annex_a import HEADERS, List7, list7, write_csv, write_xlsx
from returns.plans import all_plans
from tests.domain.builders import d, icpc, rcpc

# The header row of List 7 as published (liia-tools' Annex_A_schema.yml, List 7, from
# Ofsted's Annex A template), kept beside this test as it was copied.
PUBLISHED = Path(__file__).with_name("annex-a-list7-header.csv")
AS_OF = date(2027, 1, 15)


def facts(child: str = "c1", la_child_id: str = "LA1", **changes: Any) -> ChildFacts:
    fields: dict[str, Any] = dict(
        child=child, la_child_id=la_child_id, sex="F", ethnicity="MWBC",
        date_of_birth=date(2018, 6, 15), disabilities=("NONE",),
        upn=made_upn(f"{zlib.crc32(la_child_id.encode()) % 10**9:09d}"),
    )  # fmt: skip
    fields.update(changes)
    return ChildFacts(**fields)


def record(reference: str, *events: Event, given: tuple[ChildFacts, ...]) -> CaseRecord:
    return CaseRecord(CaseHistory(reference=reference, team="team-north", events=events), given)


def seen(on: str, alone: bool) -> VisitMade:
    return VisitMade(
        on=d(on), visitor="sw", children_seen=("c1",), seen_alone=("c1",) if alone else ()
    )


def the_list(*records: CaseRecord) -> List7:
    return list7(all_plans(iter(records), AS_OF), AS_OF)


def as_csv(found: List7) -> list[list[str]]:
    out = io.BytesIO()
    write_csv(found, out)
    return list(csv.reader(io.StringIO(out.getvalue().decode("utf-8"))))


OPENING = icpc(
    "2026-07-01",
    "2026-07-08",
    children=(Child(id="c1", category="PHY", previous_plans=1),),
)


def test_the_headers_are_ofsteds_published_row_exactly() -> None:
    published = next(csv.reader(io.StringIO(PUBLISHED.read_text(encoding="utf-8"))))
    assert list(HEADERS) == published
    assert as_csv(the_list())[0] == published


def test_a_row_is_in_ofsteds_formats() -> None:
    found = the_list(
        record(
            "CP-1", OPENING, seen("2026-09-22", alone=True), rcpc("2026-09-30", "2026-10-07"),
            seen("2026-12-01", alone=False), given=(facts(),),
        )
    )  # fmt: skip
    assert as_csv(found)[1] == [
        "LA1", "b) Female", "f) MWBC", "15/06/2018", "8", "b) No", "01/07/2026",
        "b) Physical abuse", "b) Physical abuse", "01/12/2026", "b) No", "30/09/2026", "",
        "b) No", "1", "team-north", "Sam Worker",
    ]  # fmt: skip


def test_a_plan_that_ended_more_than_six_months_before_is_left_out() -> None:
    def ended(on: str) -> PlanEnded:
        return PlanEnded(on=d(on), reason=PlanEndReason.LEFT_UK, recorded_by="tm")

    found = the_list(
        record("OLD", icpc("2026-01-05", "2026-01-12"), ended("2026-07-14"), given=(facts(),)),
        record("RECENT", icpc("2026-02-02", "2026-02-09"), ended("2026-07-15"),
               given=(facts(la_child_id="LA2"),)),
    )  # fmt: skip
    assert [row[0] for row in found.rows] == ["LA2"]
    assert as_csv(found)[1][12] == "15/07/2026"


def test_codes_for_every_category_sex_and_disability_answer() -> None:
    found = the_list(
        record("A", icpc("2026-07-01", "2026-07-08", children=(
            Child(id="c1", category="SAB"), Child(id="c2", category="MUL"))),
            given=(facts(sex="M", ethnicity="NOBT", disabilities=("AUT",)),
                   facts("c2", "LA2", sex="U", ethnicity="REFU"))),
    )  # fmt: skip
    rows = as_csv(found)[1:]
    assert [r[1:3] + r[5:6] + r[7:8] for r in rows] == [
        ["a) Male", "t) NOBT", "a) Yes", "c) Sexual abuse"],
        ["c) Not stated/recorded", "s) REFU", "b) No", "e) Multiple/not recommended"],
    ]
    assert rows[0][9:11] == ["", ""]  # no visit yet: neither a date nor an answer


def test_the_workbook_has_one_sheet_list_7_with_dates_shown_dd_mm_yyyy(tmp_path: Path) -> None:
    found = the_list(record("CP-1", OPENING, given=(facts(),)))
    path = tmp_path / "list7.xlsx"
    with path.open("wb") as out:
        write_xlsx(found, out)
    book = load_workbook(path)
    assert book.sheetnames == ["List 7"]
    sheet = book["List 7"]
    assert [c.value for c in sheet[1]] == list(HEADERS)
    start = sheet.cell(row=2, column=7)
    assert start.value.date() == date(2026, 7, 1) and start.number_format == "DD/MM/YYYY"
    assert sheet.cell(row=2, column=1).value == "LA1"


def visit(on: str, visitor: str, alone: bool = False, **changes: Any) -> VisitMade:
    fields: dict[str, Any] = dict(on=d(on), visitor=visitor, children_seen=("c1",),
                                  seen_alone=("c1",) if alone else ())  # fmt: skip
    return VisitMade(**{**fields, **changes})


LAST_VISIT, SEEN_ALONE, EPO, PREVIOUS, AGE = 9, 10, 13, 14, 4


def test_the_last_statutory_visit_is_the_lead_professionals_not_another_members() -> None:
    """A health visitor's later visit is not a statutory one (``domain.visits.statutory``): it
    neither replaces the social worker's nor turns "seen alone" to No; a visit without
    access is none."""
    found = the_list(record(
        "CP-1", OPENING, visit("2026-12-01", "sw", alone=True), visit("2026-12-09", "hv"),
        visit("2026-12-10", "sw", no_access=True, children_seen=()), given=(facts(),),
    ))  # fmt: skip
    (row,) = found.rows
    assert (row[LAST_VISIT], row[SEEN_ALONE]) == (date(2026, 12, 1), "a) Yes")


def test_a_cover_workers_visit_counts_while_cover_is_in_force_and_not_after() -> None:
    cover = Member(id="cw", role=MemberRole.LEAD_PROFESSIONAL, agency="Children's social care")
    joined = MemberJoined(on=d("2026-11-02"), member=cover)
    during = the_list(record(
        "CP-1", OPENING, joined, visit("2026-11-03", "sw", alone=True),
        CoverStarted(on=d("2026-11-20"), cover=cover), visit("2026-11-24", "cw"),
        CoverEnded(on=d("2026-12-04")), visit("2026-12-08", "cw", alone=True), given=(facts(),),
    ))  # fmt: skip
    assert (during.rows[0][LAST_VISIT], during.rows[0][SEEN_ALONE]) == (date(2026, 11, 24), "b) No")


def test_emergency_protection_in_the_six_months_before_is_yes_and_earlier_is_no() -> None:
    """Annex A's column: subject to an emergency protection order or police protection at
    some time in the six months before the list's day (15 January 2027: from 15 July 2026)."""

    def protected(on: str, **changes: Any) -> EmergencyProtectionTaken:
        return EmergencyProtectionTaken(on=d(on), kind=ProtectionKind.POLICE_PROTECTION, **changes)

    recent = record("CP-1", OPENING, protected("2026-06-25", ends_on=d("2026-07-20")),
                    given=(facts(),))  # fmt: skip
    old = record("CP-2", OPENING, protected("2026-06-20", ends_on=d("2026-06-23")),
                 given=(facts(la_child_id="LA2"),))  # fmt: skip
    none = record("CP-3", OPENING, given=(facts(la_child_id="LA3"),))
    rows = the_list(recent, old, none).rows
    assert [r[EPO] for r in rows] == ["a) Yes", "b) No", "b) No"]


def test_a_child_with_two_plans_in_the_window_has_one_row_the_latest_plan() -> None:
    """Ofsted's List 7 lists children: the latest plan, the earlier one among the previous."""
    first = record(
        "CP-1",
        icpc("2026-04-06", "2026-04-13"),
        PlanEnded(on=d("2026-08-03"), reason=PlanEndReason.LEFT_UK, recorded_by="tm"),
        given=(facts(),),
    )
    second = record("CP-2", icpc("2026-10-05", "2026-10-12"), given=(facts(),))
    found = the_list(first, second)
    (row,) = found.rows
    assert (row[6], row[12], row[PREVIOUS]) == (date(2026, 10, 5), None, 1)
    assert {n.reference for n in found.notes} == {"CP-2"}  # not recorded: counted, and named


def test_a_child_who_died_is_as_old_as_on_the_day_they_died() -> None:
    died = PlanEnded(on=d("2026-10-14"), reason=PlanEndReason.DIED, recorded_by="tm")
    born = facts(date_of_birth=date(2018, 10, 20))
    found = the_list(record("CP-1", icpc("2026-09-07", "2026-09-14"), died, given=(born,)))
    assert found.rows[0][AGE] == 7  # 14 October 2026, six days before the 8th birthday
    alive = the_list(record("CP-2", icpc("2026-09-07", "2026-09-14"), given=(born,)))
    assert alive.rows[0][AGE] == 8  # 15 January 2027
