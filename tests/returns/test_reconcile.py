"""Reconciliation: the authority's census extract beside this record. An identical extract
shows nothing; each of ten differences planted in a copy is found, with both values."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import datetime

from domain.ladder import LONDON
from returns.cin_census import Census, census
from returns.plans import all_plans
from returns.reconcile import Difference, Reconciliation, read_extract, reconcile
from returns.reconcile_report import render_html, write_csv
from tests.returns.test_census_corpus import YEAR, corpus, xml


def ours() -> Census:
    return census(all_plans(iter(corpus()), YEAR.end), YEAR)


def compared(extract: bytes) -> Reconciliation:
    return reconcile(read_extract(io.BytesIO(extract)), ours())


def planted(extract: bytes) -> bytes:
    """Ten differences, as a case-management system's record might hold them."""
    root = ET.fromstring(extract)
    child = {c.findtext("ChildIdentifiers/LAchildID"): c for c in root.iter("Child")}

    def set_text(la_id: str, path: str, value: str) -> None:
        found = child[la_id].find(path)
        assert found is not None, (la_id, path)
        found.text = value

    plan = "CINdetails/ChildProtectionPlans"
    set_text("ADOPT", f"{plan}/CPPendDate", "2026-11-20")
    set_text("CEASED", f"{plan}/LatestCategoryOfAbuse", "EMO")
    set_text("MOVED", f"{plan}/InitialCategoryOfAbuse", "PHY")
    set_text("LATES47", "CINdetails/Section47/S47ActualStartDate", "2026-05-20")
    set_text("PREBIRTH", "CINdetails/Section47/InitialCPCtarget", "2026-09-08")
    set_text("CAO", "CINdetails/ReasonForClosure", "RC4")
    set_text("STEPDOWN", f"{plan}/NumberOfPreviousCPP", "2")
    reviews = child["SGO"].find(f"{plan}/Reviews")
    assert reviews is not None
    reviews.remove(reviews[-1])  # the review of 26 Feb 2027 never recorded there
    identifiers = child["DIED"].find("ChildIdentifiers")
    death = child["DIED"].find("ChildIdentifiers/PersonDeathDate")
    assert identifiers is not None and death is not None
    identifiers.remove(death)
    children = root.find("Children")
    assert children is not None
    children.remove(child["TRANSIN"])  # the transfer-in never entered there
    return ET.tostring(root, encoding="utf-8")


PLANTED = [
    ("ADOPT", "2026-06-01", "CPPendDate", "2026-11-20", "2026-11-16"),
    ("CAO", "2026-06-01", "CINclosureDate, ReasonForClosure", "2026-08-28 RC4", "2026-08-28 RC3"),
    ("CEASED", "2026-06-01", "LatestCategoryOfAbuse", "EMO", "NEG"),
    ("DIED", "", "PersonDeathDate", "(none)", "2026-10-14"),
    ("LATES47", "2026-06-01", "S47ActualStartDate", "2026-05-20", "2026-05-18"),
    ("MOVED", "2026-06-01", "InitialCategoryOfAbuse", "PHY", "NEG"),
    ("PREBIRTH", "2026-09-01", "InitialCPCtarget", "2026-09-08", "2026-09-07"),
    ("SGO", "2026-06-01", "CPPreviewDate", "2026-08-28", "2026-08-28 2027-02-26"),
    ("STEPDOWN", "2026-06-01", "NumberOfPreviousCPP", "2", "0"),
    ("TRANSIN", "", "child", "(none)", "on a plan"),
]


def test_an_identical_extract_shows_no_difference() -> None:
    found = compared(xml(ours()))
    assert found.differences == []
    assert found.children_compared == len(ours().children)


def test_each_of_ten_planted_differences_is_found_with_both_values() -> None:
    found = compared(planted(xml(ours())))
    assert sorted((d.la_child_id, d.plan, d.what, d.theirs, d.ours) for d in found.differences) \
        == PLANTED  # fmt: skip
    assert all(d.reference for d in found.differences)  # each names our case


def test_a_child_only_the_extract_has_is_named_without_a_case() -> None:
    root = ET.fromstring(xml(ours()))
    extra = next(
        c for c in root.iter("Child") if c.findtext("ChildIdentifiers/LAchildID") == "ADOPT"
    )
    ids = extra.find("ChildIdentifiers/LAchildID")
    assert ids is not None
    ids.text = "THEIRS1"
    found = compared(ET.tostring(root, encoding="utf-8"))
    assert Difference("THEIRS1", "", "", "child", "on a plan", "(none)") in found.differences


def test_the_differences_as_csv_and_as_a_page() -> None:
    found = compared(planted(xml(ours())))
    out = io.BytesIO()
    write_csv(found, out)
    rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8"))))
    assert rows[0] == ["LAchildID", "case", "plan start", "field", "in the extract",
                       "in this record"]  # fmt: skip
    assert len(rows) == 11
    page = render_html(found, "extract.xml", datetime(2027, 4, 6, 9, tzinfo=LONDON))
    assert "10 difference(s)" in page and "2026-11-20" in page and "2026-11-16" in page
    assert "No differences" in render_html(compared(xml(ours())), "x.xml", datetime.now(LONDON))
