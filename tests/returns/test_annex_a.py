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
from domain.events import Child, Event, PlanEnded, PlanEndReason, VisitMade
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
