"""The timeliness report as a manager opens it: Debian's Chromium (through Playwright) loads
the file, every chart is drawn, and a screenshot is kept in ``test-artifacts/reports/``."""

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
    figures = timeliness(
        (CaseRecord(c, facts[c.reference]) for c in cases), date(2026, 2, 1), date(2027, 1, 31)
    )
    html = render_report(figures, datetime(2027, 2, 1, 7, tzinfo=LONDON))
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
        page.screenshot(path=str(SHOTS / "timeliness.png"), full_page=True)
        browser.close()
    assert len(widths) == len(MEASURES) and all(width > 0 for width in widths), widths
    assert headings == ["How each measure is counted", *(m.title for m in MEASURES)]
    assert (SHOTS / "timeliness.png").stat().st_size > 10_000
