"""The timeliness report and the census reconciliation as a manager and a data manager open
them: Debian's Chromium (through Playwright) loads each file, every chart is drawn, and a
screenshot is kept in ``test-artifacts/reports/``."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from domain.demo import demo_caseload, demo_facts
from domain.ladder import LONDON
from domain.store.extracts import CaseRecord
from domain.store.private_files import write_private
from returns.report import render_report
from returns.timeliness import MEASURES, timeliness
from tests.browser import BROWSER_ARGS, CHROMIUM

pytestmark = pytest.mark.slow

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"
TODAY = date(2027, 2, 15)


def test_the_report_opens_in_chromium_with_every_chart_drawn(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    cases = demo_caseload(TODAY)
    facts = demo_facts(cases)
    # Run on 15 February for the year to March: February is "to date", March not yet due.
    figures = timeliness(
        (CaseRecord(c, facts[c.reference]) for c in cases), date(2026, 4, 1), date(2027, 3, 31),
        as_of=TODAY,
    )  # fmt: skip
    html = render_report(figures, datetime(2027, 2, 15, 7, tzinfo=LONDON))
    report = write_private(tmp_path / "timeliness-2027-01.html", html)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(report.as_uri(), wait_until="load")
        widths = page.eval_on_selector_all(
            "img.chart", "images => images.map(i => i.complete ? i.naturalWidth : 0)"
        )
        headings = page.eval_on_selector_all("h2", "hs => hs.map(h => h.textContent)")
        text = page.inner_text("body")
        page.screenshot(path=str(SHOTS / "timeliness.png"), full_page=True)
        browser.close()
    assert len(widths) == len(MEASURES) and all(width > 0 for width in widths), widths
    assert headings == ["How each measure is counted", *(m.title for m in MEASURES)]
    assert (SHOTS / "timeliness.png").stat().st_size > 10_000
    assert "The period has not ended" in text and "2027-02 (to date)" in text
    assert "not yet due" in text


def test_the_reconciliation_page_opens_in_chromium_with_both_values(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from returns.reconcile_report import render_html
    from tests.returns.test_reconcile import compared, ours, planted, xml

    found = compared(planted(xml(ours())))
    page_file = write_private(
        tmp_path / "census-differences.html",
        render_html(found, "authority-extract.xml", datetime(2027, 4, 6, 9, tzinfo=LONDON)),
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(page_file.as_uri(), wait_until="load")
        rows = page.eval_on_selector_all(
            "td.theirs",
            "cells => cells.map(c => [c.textContent, c.nextElementSibling.textContent])",
        )
        page.screenshot(path=str(SHOTS / "reconciliation.png"), full_page=True)
        browser.close()
    assert len(rows) == 10 and ["2026-11-20", "2026-11-16"] in rows
    assert (SHOTS / "reconciliation.png").stat().st_size > 10_000
