"""The Runs list for cases that run for months (after the newcomer's tests: the manual steps here
add runs to the list they read), in Chromium on the ``make run`` stack, in
Prefect's new UI (``/v2``) and its old one: every open case findable however old its run,
the drift in the list, a team's overdue cases in one view, the clock relabelling runs without
waking them, a void recorded from the UI and a refusal that reads as one line.

The demo starts one open case's run on the day the case opened (its expected start months
ago, as a run created then would have; ``scripts/demo.py``): the new UI's default "past 7
days" misses it, as it would miss any case opened more than a week ago.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from notifications.settings import case_link, case_link_v2, view_link, view_link_v2
from tests.e2e.ui.conftest import SHOTS, Demo, browse, fill_step

pytestmark = pytest.mark.slow


def links(demo: Demo) -> dict[str, str]:
    env = {"CPO_UI_URL": demo.ui}
    return {"v1": view_link("open-case", env), "v2": view_link_v2("open-case", env)}


def names_shown(page: Any, url: str, expected: str, shot: str) -> set[str]:
    """The case runs a Runs page lists once it has settled (both UIs link each run by name)."""
    page.goto(url, wait_until="networkidle")
    page.get_by_text(expected, exact=True).first.wait_for()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)
    return {n.strip() for n in page.locator("a").all_inner_texts() if n.strip().startswith("CP-")}


def old_case(demo: Demo) -> str:
    """The open case whose run was started weeks ago (its expected start)."""
    week_ago = datetime.now(UTC) - timedelta(days=8)
    runs = demo.case_runs().values()
    old = [r for r in runs if datetime.fromisoformat(str(r["expected_start_time"])) < week_ago]
    assert old, "the demo has no case run started more than a week ago"
    return str(old[0]["name"])


def age(demo: Demo, reference: str) -> None:
    """Prefect stamps a run's start time from its own clock when it first runs, and the old
    UI's default window reads it: the run is given the start it would have after weeks of
    running (its expected start, the day the case opened) in Prefect's database."""
    import sqlite3

    database = demo.clone / ".cpo" / "prefect" / "prefect.db"
    with sqlite3.connect(database, timeout=60) as connection:
        connection.execute(
            "UPDATE flow_run SET start_time = expected_start_time WHERE name = ?", (reference,)
        )


def in_default_window(demo: Demo, reference: str, field: str) -> bool:
    """Whether the Runs page's default "past 7 days" (on ``field``) holds the case's run:
    the API call the page makes."""
    week = {"after_": (datetime.now(UTC) - timedelta(days=7)).isoformat()}
    body = {"flow_runs": {"name": {"any_": [reference]}, field: week}}
    return bool(demo.post("/flow_runs/filter", body))


def test_a_case_run_started_weeks_ago_is_on_the_views_and_links_people_are_given(
    demo: Demo,
) -> None:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    reference = old_case(demo)
    age(demo, reference)
    assert not in_default_window(demo, reference, "expected_start_time")  # the new UI's
    assert not in_default_window(demo, reference, "start_time")  # the old UI's
    env = {"CPO_UI_URL": demo.ui}
    assert case_link(reference, env) in demo.output and case_link_v2(reference, env) in demo.output
    with sync_playwright() as playwright:
        browser, page = browse(playwright, demo)
        page.goto(f"{demo.ui}/v2/runs", wait_until="networkidle")
        page.wait_for_timeout(3000)
        page.screenshot(path=str(SHOTS / "20-v2-default-week.png"), full_page=True)
        by_default = {n for n in page.locator("a").all_inner_texts() if n.startswith("CP-")}
        assert reference not in by_default  # the new UI's default window misses it
        page.goto(f"{demo.ui}/runs", wait_until="networkidle")
        page.wait_for_timeout(3000)
        page.screenshot(path=str(SHOTS / "20-v1-default-week.png"), full_page=True)
        for ui, url in links(demo).items():
            assert reference in names_shown(page, url, reference, f"21-{ui}-open-cases")
        for ui, url in (("v1", case_link(reference, env)), ("v2", case_link_v2(reference, env))):
            assert names_shown(page, url, reference, f"22-{ui}-case-link") == {reference}
        page.goto(f"{demo.ui}/runs", wait_until="networkidle")  # the old UI's saved views
        saved = demo.post("/saved_searches/filter", {})
        assert {"Open cases", "Overdue cases"} <= {s["name"] for s in saved}
        browser.close()


def overdue_by_team(demo: Demo) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for case in json.loads(demo.cpo("cases", "--overdue", "--json")):
        found.setdefault(case["team"], set()).add(case["reference"])
    return found


def test_the_list_says_the_drift_and_a_teams_overdue_cases_are_one_view_in_both_uis(
    demo: Demo,
) -> None:
    from playwright.sync_api import sync_playwright

    teams = overdue_by_team(demo)
    team, expected = max(teams.items(), key=lambda pair: len(pair[1]))
    everyone = set().union(*teams.values())
    assert everyone - expected  # other teams have overdue cases too: the filter must exclude
    env = {"CPO_UI_URL": demo.ui}
    with sync_playwright() as playwright:
        browser, page = browse(playwright, demo)
        for ui, url in (("v1", view_link(f"overdue:{team}", env)),
                        ("v2", view_link_v2(f"overdue:{team}", env))):  # fmt: skip
            shown = names_shown(page, url, sorted(expected)[0], f"23-{ui}-team-overdue")
            assert shown == expected, ui
            text = page.locator("body").inner_text()
            assert "Overdue" in text  # the state's name says the drift in the list
        browser.close()
    runs = demo.case_runs()
    named = {str(r["state_name"]) for r in runs.values() if r["state_type"] == "PAUSED"}
    assert named & {"Overdue · TM", "Overdue · beyond TM", "Overdue"}
    assert named & {"On track", "Due this week"} and "Suspended" not in named


def test_a_tick_that_changes_only_drift_relabels_the_runs_and_starts_no_process(
    demo: Demo,
) -> None:
    """The clock's relabelling (``tasks/run_labels.py``) driven from here at a later moment,
    as its tick would: every suspended run's tags then say what ``cpo cases --overdue`` says
    at that moment, and no case run started. Then relabelled back to now for the tests after."""
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    from domain.ladder import LONDON
    from domain.store import CaseRepository, Database
    from tasks.run_control import client_pool
    from tasks.run_labels import relabel

    store = CaseRepository(Database.from_url(f"sqlite:///{demo.clone / '.cpo' / 'cases.sqlite3'}"))
    later = datetime.now(LONDON) + timedelta(days=3)
    before = demo.case_runs()
    secret = demo.secret_file.read_text().strip()
    settings = {PREFECT_API_URL: demo.api, PREFECT_API_AUTH_STRING: secret}
    with temporary_settings(settings), client_pool() as lend:
        done = relabel(store, lend, later)
        after = demo.case_runs()
        overdue = {c["reference"] for c in json.loads(
            demo.cpo("cases", "--overdue", "--json", "--as-of", later.isoformat())
        )}  # fmt: skip
        relabel(store, lend, datetime.now(LONDON))
    assert done.relabelled > 0 and done.resumed_again == 0
    assert set(after) == set(before)  # no run created
    assert all(after[n]["state_type"] == before[n]["state_type"] for n in after)  # none woken
    suspended = {n: r for n, r in after.items() if r["state_type"] == "PAUSED"}
    assert {n for n, r in suspended.items() if "overdue" in r["tags"]} == overdue & set(suspended)


def last_event(demo: Demo, reference: str) -> dict[str, Any]:
    return json.loads(demo.cpo("case", reference, "--json"))["timeline"][-1]  # type: ignore[no-any-return]


def step_runs(demo: Demo, name: str) -> set[str]:
    query = {"flow_runs": {"name": {"like_": name}}}
    return {str(run["id"]) for run in demo.post("/flow_runs/filter", query)}


def step_run(demo: Demo, name: str, before: set[str]) -> dict[str, Any]:
    """The new run of a manual step (not one of ``before``), once it has ended."""
    deadline = time.monotonic() + 240
    query = {"flow_runs": {"name": {"like_": name}}}
    while time.monotonic() < deadline:
        new = [r for r in demo.post("/flow_runs/filter", query) if str(r["id"]) not in before]
        if new and new[0]["state_type"] in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}:
            return new[0]  # type: ignore[return-value]
        time.sleep(2)
    raise AssertionError(f"{name} did not end")


def errors_in_logs(demo: Demo, run_id: str) -> list[str]:
    logs = demo.every("/logs/filter", {"logs": {"flow_run_id": {"any_": [run_id]}}})
    return [str(e["message"]) for e in logs if e["level"] >= 40 or "Traceback" in e["message"]]


def test_a_void_recorded_from_the_ui_and_a_refused_one_reads_as_one_line(demo: Demo) -> None:
    from playwright.sync_api import sync_playwright

    reference = "CP-DEMO-004"
    visit = {"reference": reference, "on": date.today().isoformat(), "visitor": "sw",
             "recorded_by": "browser-test"}  # fmt: skip
    with sync_playwright() as playwright:
        browser, page = browse(playwright, demo)
        before = step_runs(demo, f"visit-{reference}")
        fill_step(demo, page, "record-visit", visit, "24-visit")
        done = step_run(demo, f"visit-{reference}", before)
        mistake = last_event(demo, reference)
        assert mistake["type"] == "visit_made"
        assert f"as event {mistake['seq']}" in done["state"]["message"]  # what it recorded
        refused = {"reference": reference, "voids": mistake["seq"], "reason": "typed twice",
                   "authorised_by": "sw", "recorded_by": "browser-test"}  # fmt: skip
        before = step_runs(demo, f"void-{reference}")
        fill_step(demo, page, "void-event", refused, "25-void-refused")
        run = step_run(demo, f"void-{reference}", before)
        page.goto(f"{demo.ui}/runs/flow-run/{run['id']}", wait_until="networkidle")
        page.get_by_text("Rejected", exact=True).first.wait_for()
        page.screenshot(path=str(SHOTS / "26-void-rejected.png"), full_page=True)
        assert run["state"]["name"] == "Rejected" and "R-G3" in run["state"]["message"]
        assert "\n" not in run["state"]["message"] and errors_in_logs(demo, run["id"]) == []
        voided = {**refused, "authorised_by": "tm", "reason": "the visit was typed twice"}
        before |= {run["id"]}
        fill_step(demo, page, "void-event", voided, "27-void")
        run = step_run(demo, f"void-{reference}", before)
        assert run["state"]["name"] == "Completed", run["state"]
        page.goto(f"{demo.ui}/runs/flow-run/{run['id']}", wait_until="networkidle")
        page.screenshot(path=str(SHOTS / "28-void-recorded.png"), full_page=True)
        browser.close()
    last = last_event(demo, reference)
    assert last["type"] == "event_voided" and f"as event {last['seq']}" in run["state"]["message"]
