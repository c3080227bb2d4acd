"""Ofsted's Annex A, List 7: children who are the subject of a child protection plan.

"All children who are currently the subject of a child protection plan, and those who have
ceased to be ... in the six months before the inspection": under a profile of England, with
the authority's child id recorded, one row per child (the child's latest plan; the earlier
ones count as previous plans), with Ofsted's column headers in their order and its formats
(dates dd/mm/yyyy, codes such as ``a) Neglect``; the headers and answers as in liia-tools'
``Annex_A_schema.yml``, List 7). The last statutory visit is the latest that counts
(``domain.visits.statutory``); the emergency protection column answers from the emergency
protection orders and police protection recorded; a child who died is as old as on the day
they died. As CSV or as a workbook (sheet ``List 7``, dates as dates shown dd/mm/yyyy).
docs/rules.md §8 says where each column comes from. Pure: plans in, bytes out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from domain.timescales import add_months
from returns.plans import EarlierPlans, Note, Plan, Skipped

NATION = "england"  # Annex A is Ofsted's, for inspections of English authorities
WINDOW_MONTHS = 6
SHEET = "List 7"
HEADERS = (
    "Child Unique ID",
    "Gender",
    "Ethnicity",
    "Date of Birth",
    "Age of Child (Years)",
    "Does the Child have a Disability",
    "Child Protection Plan Start Date",
    "Initial Category of Abuse",
    "Latest Category of Abuse",
    "Date of the Last Statutory Visit",
    "Was the Child Seen Alone?",
    "Date of latest review conference",
    "Child Protection Plan End Date",
    "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)",
    "Number of Previous Child Protection Plans",
    "Allocated Team",
    "Allocated Worker",
)
GENDER = {"M": "a) Male", "F": "b) Female", "U": "c) Not stated/recorded"}
ETHNICITY = {
    code: f"{letter}) {code}"
    for letter, code in zip(
        "abcdefghijklmnopqrst",
        ("WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN",
         "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT"),
        strict=True,
    )
}  # fmt: skip
CATEGORY = {
    "NEG": "a) Neglect",
    "PHY": "b) Physical abuse",
    "SAB": "c) Sexual abuse",
    "EMO": "d) Emotional abuse",
    "MUL": "e) Multiple/not recommended",
}
YES, NO, UNKNOWN = "a) Yes", "b) No", "c) Unknown"
Cell = str | int | date | None


@dataclass
class List7:
    as_of: date
    rows: list[tuple[Cell, ...]] = field(default_factory=list)
    without_facts: list[tuple[str, str]] = field(default_factory=list)  # (case, child id)
    notes: list[Note] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    other_nations: int = 0


def list7(found: Iterable[Plan | Skipped], as_of: date) -> List7:
    """The children on a plan on ``as_of`` or whose plan ended in the six months before it:
    one row each, from the child's latest plan."""
    result = List7(as_of)
    since = add_months(as_of, -WINDOW_MONTHS)
    by_child: dict[str, list[Plan]] = {}
    earlier = EarlierPlans()
    for item in found:
        if isinstance(item, Skipped):
            result.skipped.append(item)
            continue
        earlier.add(item)
        if not item.open_between(since, as_of):
            continue
        if item.nation != NATION:
            result.other_nations += 1
        elif item.facts is None:
            result.without_facts.append((item.reference, item.child))
        else:
            by_child.setdefault(item.facts.la_child_id, []).append(item)
    for la_child_id in sorted(by_child):
        plans = sorted(by_child[la_child_id], key=lambda p: p.start)
        latest = plans[-1]
        if earlier.unknown(latest):
            what = (
                f"previous plans not recorded at the conference: {earlier.before(latest)} counted"
            )
            result.notes.append(Note(latest.reference, latest.child, what))
        protected = _protected(plans, since, as_of)
        result.rows.append(row(latest, earlier.before(latest), as_of, protected))
    return result


def _protected(plans: list[Plan], since: date, as_of: date) -> bool:
    """Subject to an emergency protection order or police protection at some time in the six
    months before ``as_of``."""
    return any(start <= as_of and end >= since for p in plans for start, end in p.protections)


def row(plan: Plan, previous: int, as_of: date, protected: bool = False) -> tuple[Cell, ...]:
    facts = plan.facts
    assert facts is not None
    visit = plan.last_visit
    alone = None if visit is None else (YES if plan.seen_alone_then else NO)
    died = plan.died_on
    age_on = died if died is not None and died <= as_of else as_of
    return (
        facts.la_child_id, GENDER[facts.sex], ETHNICITY[facts.ethnicity], facts.date_of_birth,
        _age(facts.date_of_birth, age_on), _disabled(facts.disabilities), plan.start,
        CATEGORY[plan.initial_category], CATEGORY[plan.latest_category], visit, alone,
        max(plan.reviews) if plan.reviews else None, plan.end, YES if protected else NO,
        previous, plan.team, plan.lead_professional,
    )  # fmt: skip


def _age(born: date | None, on: date) -> int | None:
    if born is None or born > on:
        return None  # unborn: no age
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _disabled(codes: tuple[str, ...]) -> str:
    if not codes:
        return UNKNOWN
    return NO if codes == ("NONE",) else YES


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    return cell.strftime("%d/%m/%Y") if isinstance(cell, date) else str(cell)


def write_csv(found: List7, out: BinaryIO) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(HEADERS)
    writer.writerows([_text(cell) for cell in cells] for cells in found.rows)
    text.flush()
    text.detach()  # the caller owns ``out``


def write_xlsx(found: List7, out: BinaryIO) -> None:
    """A workbook of one sheet, written a row at a time (openpyxl's write-only mode)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET)
    sheet.append(list(HEADERS))
    for cells in found.rows:
        written = []
        for cell in cells:
            value = WriteOnlyCell(sheet, value=cell)
            if isinstance(cell, date):
                value.number_format = "DD/MM/YYYY"
            written.append(value)
        sheet.append(written)
    book.save(out)
