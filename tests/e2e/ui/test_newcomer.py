"""The newcomer's path, as a person meets it: ``make run`` from a clean clone, the Prefect UI
in a real browser (Debian's Chromium through Playwright). The stack is the package's
(``conftest.py``), shared with the other browser tests here.
"""

from __future__ import annotations

import json
import re
import stat
import time
import urllib.error
import urllib.request
from datetime import date
from typing import Any

import pytest

from tests.browser import BROWSER_ARGS, CHROMIUM
from tests.e2e.ui.conftest import SHOTS, Demo, browse, fill_step, sign_in_at_provider

pytestmark = pytest.mark.slow


def test_the_run_command_starts_the_server_with_the_demo_cases_as_flow_runs(demo: Demo) -> None:
    with urllib.request.urlopen(f"{demo.api}/health", timeout=10) as response:
        assert json.loads(response.read()) is True
    runs = demo.case_runs()
    assert len(runs) == 40
    states = [str(r["state_type"]) for r in runs.values()]
    assert states.count("PAUSED") >= 30 and states.count("COMPLETED") >= 1
    assert {t for r in runs.values() for t in r["tags"] if str(t).startswith("profile:")} >= {
        "profile:england",
        "profile:highland",
        "profile:luton",
    }
    assert "make stop" in demo.output and "What to look at" in demo.output
    assert (demo.clone / ".cpo" / "inbox.jsonl").stat().st_size > 0  # notices were delivered


def test_the_ui_sends_a_person_to_sign_in_and_the_api_wants_a_session(demo: Demo) -> None:
    from playwright.sync_api import sync_playwright

    assert stat.S_IMODE(demo.secret_file.stat().st_mode) == 0o600  # the services' credential
    assert (
        "Sign in" in demo.output
        and "admin" in demo.output
        and demo.password("admin") in (demo.output)
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{demo.api}/deployments/name/clock/clock", timeout=30)
    assert refused.value.code == 401
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        page.goto(f"{demo.ui}/runs", wait_until="networkidle")
        page.wait_for_url(re.compile(r".*/interaction/.*"))  # nothing shown before sign-in
        sign_in_at_provider(page, "admin", "a-guess")
        page.get_by_text("Wrong login or password").first.wait_for()
        page.screenshot(path=str(SHOTS / "0-sign-in-refused.png"))
        sign_in_at_provider(page, "admin", demo.password("admin"))
        page.wait_for_url(re.compile(r".*/runs.*"))
        page.get_by_role("link", name="CP-DEMO-002", exact=True).first.wait_for()
        browser.close()


def test_the_clock_is_scheduled_every_quarter_hour(demo: Demo) -> None:
    # The server's scheduler puts the clock's next runs on the calendar (it loops every
    # 60 s); Prefect 3.8.8's insert failed on SQLAlchemy 2.1 and the clock never ticked by
    # itself; 3.9.1's works on 2.1, so the project no longer pins SQLAlchemy below 2.1.
    clock = demo.deployment_id("clock")
    deadline = time.monotonic() + 180
    upcoming: list[dict[str, object]] = []
    while time.monotonic() < deadline and not upcoming:
        upcoming = demo.post(
            "/flow_runs/filter",
            {
                "deployments": {"id": {"any_": [clock]}},
                "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
                "limit": 50,
            },
        )
        time.sleep(0 if upcoming else 5)
    assert upcoming, "the clock deployment has no scheduled run"
    assert all(run["auto_scheduled"] for run in upcoming)
    minutes = sorted({str(run["expected_start_time"])[14:16] for run in upcoming})
    assert set(minutes) <= {"00", "15", "30", "45"}, minutes


def test_the_ui_shows_case_runs_their_page_and_takes_a_manual_step(demo: Demo) -> None:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    reference = "CP-DEMO-002"  # a mid-plan case
    before = json.loads(demo.cpo("case", reference, "--json"))["timeline"]
    with sync_playwright() as playwright:
        browser, page = browse(playwright, demo)
        page.goto(f"{demo.ui}/runs", wait_until="networkidle")
        link = page.get_by_role("link", name=reference, exact=True).first
        link.wait_for()
        page.screenshot(path=str(SHOTS / "1-runs.png"))
        page.goto(f"{demo.ui}{link.get_attribute('href')}", wait_until="networkidle")
        page.get_by_text("Artifacts", exact=True).click()
        key = f"case-{reference.lower()}"
        page.get_by_text(key, exact=True).first.wait_for()
        assert page.get_by_text(key, exact=True).count() == 1  # one current page per case
        page.screenshot(path=str(SHOTS / "2-case-artifacts.png"), full_page=True)
        page.get_by_text(key, exact=True).first.click()
        page.get_by_role("heading", name="Timeline").wait_for()
        page.screenshot(path=str(SHOTS / "3-case-page.png"), full_page=True)
        report = {"reference": reference, "on": date.today().isoformat(), "sent_by": "school"}
        fill_step(demo, page, "record-agency-report", report, "4-agency-report")
        page.screenshot(path=str(SHOTS / "5-submitted.png"))
        browser.close()
    deadline = time.monotonic() + 240
    after = before
    while time.monotonic() < deadline and len(after) == len(before):
        time.sleep(3)
        after = json.loads(demo.cpo("case", reference, "--json"))["timeline"]
    assert len(after) == len(before) + 1
    assert after[-1]["type"] == "agency_report_received"
    assert (after[-1]["recorded_by"], after[-1]["source"]) == (demo.staff_id("admin"), "ui")


def test_filtering_runs_by_the_overdue_tag_lists_the_cases_cpo_lists(demo: Demo) -> None:
    from playwright.sync_api import sync_playwright

    overdue = {c["reference"] for c in json.loads(demo.cpo("cases", "--overdue", "--json"))}
    assert overdue  # the demo caseload drifts
    with sync_playwright() as playwright:
        browser, page = browse(playwright, demo)
        page.goto(f"{demo.ui}/runs?tag=overdue", wait_until="networkidle")
        page.get_by_role("link", name=sorted(overdue)[0], exact=True).first.wait_for()
        page.wait_for_timeout(1000)
        shown = {
            name for name in page.locator("a").all_inner_texts() if name.startswith("CP-DEMO-")
        }
        page.screenshot(path=str(SHOTS / "6-runs-overdue.png"), full_page=True)
        browser.close()
    assert shown == overdue


def open_escalation(demo: Demo) -> tuple[str, dict[str, Any]]:
    """A demo case with an escalation to the team manager not yet acknowledged (R-E6)."""
    for case in json.loads(demo.cpo("cases", "--overdue", "--json")):
        found = json.loads(demo.cpo("case", case["reference"], "--json"))
        for obligation in found["obligations"]:
            climbing = obligation["rung"] == "escalation_tm" and obligation["next_rung_at"]
            if climbing and obligation.get("acknowledged_on") is None:
                return case["reference"], obligation
    raise AssertionError("no escalation to acknowledge in the demo caseload")


def test_an_escalation_acknowledged_in_the_resume_form_stops_its_ladder(demo: Demo) -> None:
    from playwright.sync_api import sync_playwright

    reference, escalated = open_escalation(demo)
    run_id = demo.case_runs()[reference]["id"]
    with sync_playwright() as playwright:
        browser, page = browse(playwright, demo, "manager")  # the demo cases' team manager
        page.goto(f"{demo.ui}/runs/flow-run/{run_id}", wait_until="networkidle")
        page.get_by_role("button", name="Resume").click()
        page.get_by_text("Escalation to acknowledge").wait_for()
        choice = page.locator(".p-modal .p-select-button__control").first
        choice.focus()
        page.keyboard.press("ArrowDown")  # the list opens from the keyboard
        page.get_by_role("option").filter(has_text=escalated["key"] + " · ").first.click()
        page.screenshot(path=str(SHOTS / "7-resume-form.png"), full_page=True)
        page.get_by_role("button", name="Submit").click()
        browser.close()
    deadline = time.monotonic() + 240
    timeline: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        timeline = json.loads(demo.cpo("case", reference, "--json"))["timeline"]
        if timeline[-1]["type"] == "escalation_acknowledged":
            break
        time.sleep(3)
    assert timeline[-1]["type"] == "escalation_acknowledged"
    assert timeline[-1]["recorded_by"] == demo.staff_id("manager")  # who was signed in (R-E6)
    found = json.loads(demo.cpo("case", reference, "--json"))["obligations"]
    [after] = [o for o in found if o["key"] == escalated["key"]]
    assert after["next_rung_at"] is None  # its final rung no longer comes
    later = json.loads(demo.cpo("simulate", "--days", "14", "--json"))  # on a copy of the store
    keys = [key for day in later for key in day["sent"]]
    assert f"{reference}|{escalated['key']}|escalation_final" not in keys


def test_a_bad_manual_step_ends_rejected_with_its_one_line_reason(demo: Demo) -> None:
    from playwright.sync_api import sync_playwright

    same_person = {"reference": "CP-DEMO-002", "on": date.today().isoformat(),
                   "meeting": "cg-browser", "chair": "sw", "minute_taker": "sw"}  # fmt: skip
    query = {"flow_runs": {"name": {"like_": "core-group-CP-DEMO-002"}}, "sort": "START_TIME_DESC"}
    with sync_playwright() as playwright:
        browser, page = browse(playwright, demo)
        fill_step(demo, page, "record-core-group-held", same_person, "8-bad-step")
        deadline = time.monotonic() + 240
        runs: list[dict[str, Any]] = []
        while time.monotonic() < deadline and not (runs and runs[0]["state"]["name"] == "Rejected"):
            time.sleep(2)
            runs = demo.post("/flow_runs/filter", query)
        page.goto(f"{demo.ui}/runs/flow-run/{runs[0]['id']}", wait_until="networkidle")
        page.get_by_text("Rejected", exact=True).first.wait_for()
        page.screenshot(path=str(SHOTS / "9-rejected.png"), full_page=True)
        browser.close()
    run = runs[0]
    assert run["state"]["name"] == "Rejected" and run["state_type"] != "FAILED"
    message = run["state"]["message"]
    assert message == "minute_taker: the chair never takes the minutes (R-M2)", message
