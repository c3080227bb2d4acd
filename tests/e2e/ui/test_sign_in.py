"""Who did what, on the ``make run`` stack, through its real identity provider (oidc-provider on
127.0.0.1) and Chromium: the signed-in person is who the journal and the audit log name,
each role does its part only and the UI says why when it may not, sign-out and an ended
session send the person back to sign in, and bad sign-ins are refused with nothing recorded.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest

from tests.e2e.ui.conftest import SHOTS, Demo, browse, fill_step, sign_in_at_provider
from tests.e2e.ui.test_newcomer import open_escalation

pytestmark = pytest.mark.slow


def audit(demo: Demo, *args: str) -> list[dict[str, Any]]:
    return json.loads(demo.cpo("audit", "--json", "--limit", "10000", *args))  # type: ignore[no-any-return]


def timeline(demo: Demo, reference: str) -> list[dict[str, Any]]:
    return json.loads(demo.cpo("case", reference, "--json"))["timeline"]  # type: ignore[no-any-return]


def wait_for(check: Any, timeout: float = 240) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(3)
    raise AssertionError("not seen in time")


def test_the_admin_records_a_visit_and_the_event_says_who_whatever_is_typed(demo: Demo) -> None:
    from playwright.sync_api import sync_playwright

    reference, admin = "CP-DEMO-008", demo.staff_id("admin")
    before = len(timeline(demo, reference))
    visit = {
        "reference": reference,
        "on": date.today().isoformat(),
        "visitor": "sw",
        "children_seen": ["c1"],
        "recorded_by": "tm",
    }  # typed: overwritten by the server
    with sync_playwright() as playwright:
        browser, page = browse(playwright, demo, "admin")
        page.goto(f"{demo.ui}/deployments/deployment/{demo.deployment_id('record-visit')}/run",
                  wait_until="networkidle")  # fmt: skip
        assert page.get_by_text("Recorded by", exact=True).count() == 0  # not on the form
        fill_step(demo, page, "record-visit", visit, "sign-in-1-visit")
        browser.close()
    events = wait_for(lambda: (t := timeline(demo, reference))[before:] and t)
    assert (events[-1]["type"], events[-1]["recorded_by"]) == ("visit_made", admin)
    recorded = [e for e in audit(demo, "--user", admin, "--case", reference)
                if e["action"] == "recorded"]  # fmt: skip
    assert recorded and recorded[0]["detail"]["type"] == "visit_made"


def test_opening_a_case_run_is_in_the_audit_log(demo: Demo) -> None:
    from playwright.sync_api import sync_playwright

    reference, viewer = "CP-DEMO-014", demo.staff_id("viewer")
    run_id = demo.case_runs()[reference]["id"]
    with sync_playwright() as playwright:
        browser, page = browse(playwright, demo, "viewer")
        page.goto(f"{demo.ui}/runs/flow-run/{run_id}", wait_until="networkidle")
        page.get_by_text("Artifacts", exact=True).click()
        page.get_by_text(f"case-{reference.lower()}", exact=True).first.click()
        page.get_by_role("heading", name="Timeline").wait_for()
        browser.close()
    actions = {e["action"] for e in audit(demo, "--user", viewer, "--case", reference)}
    assert {"opened_run", "opened_case_page"} <= actions


def test_the_viewer_cannot_start_a_manual_step_and_the_ui_says_why(demo: Demo) -> None:
    from playwright.sync_api import sync_playwright

    reference = "CP-DEMO-002"
    before = len(timeline(demo, reference))
    report = {"reference": reference, "on": date.today().isoformat(), "sent_by": "sch1"}
    with sync_playwright() as playwright:
        browser, page = browse(playwright, demo, "viewer")
        found = demo.deployment_id("record-agency-report")
        page.goto(f"{demo.ui}/deployments/deployment/{found}/run", wait_until="networkidle")
        page.locator(".flow-run-create-form-v2__header .p-icon-button-menu button").click()
        page.get_by_text("Use JSON input").click()
        page.locator("textarea.p-code-input__textarea").first.fill(json.dumps(report))
        page.get_by_role("button", name="Submit").click()
        page.get_by_text(re.compile(r"viewer may not call POST /deployments")).first.wait_for()
        page.screenshot(path=str(SHOTS / "sign-in-2-viewer-refused.png"), full_page=True)
        browser.close()
    assert len(timeline(demo, reference)) == before  # refused before any run existed


def test_a_manager_the_profile_does_not_allow_cannot_acknowledge(demo: Demo) -> None:
    """``senior`` has the manager role but is the cases' lead professional (``sw``): the
    profiles let only the team manager acknowledge (R-E6). The UI says so; nothing is
    recorded."""
    from playwright.sync_api import sync_playwright

    reference, escalated = open_escalation(demo)
    before = len(timeline(demo, reference))
    run_id = demo.case_runs()[reference]["id"]
    with sync_playwright() as playwright:
        browser, page = browse(playwright, demo, "senior")
        page.goto(f"{demo.ui}/runs/flow-run/{run_id}", wait_until="networkidle")
        page.get_by_role("button", name="Resume").click()
        page.get_by_text("Escalation to acknowledge").wait_for()
        choice = page.locator(".p-modal .p-select-button__control").first
        choice.focus()
        page.keyboard.press("ArrowDown")
        page.get_by_role("option").filter(has_text=escalated["key"] + " · ").first.click()
        page.get_by_role("button", name="Submit").click()
        page.get_by_text(re.compile(r"only the team manager acknowledges")).first.wait_for()
        page.screenshot(path=str(SHOTS / "sign-in-3-acknowledge-refused.png"), full_page=True)
        browser.close()
    assert len(timeline(demo, reference)) == before  # refused before the run was resumed
    run = demo.case_runs()[reference]
    assert run["state_type"] == "PAUSED"  # still waiting for the team manager


def test_signing_out_and_an_ended_session_send_the_person_back_to_sign_in(demo: Demo) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser, page = browse(playwright, demo, "admin")
        page.goto(f"{demo.ui}/auth/sign-out")
        page.get_by_role("button", name="Sign out").click()
        page.get_by_text("You have signed out").first.wait_for()
        page.goto(f"{demo.ui}/runs")
        page.wait_for_url(re.compile(r".*/interaction/.*"))  # the provider's sign-in again
        page.screenshot(path=str(SHOTS / "sign-in-4-signed-out.png"))
        sign_in_at_provider(page, "admin", demo.password("admin"))
        page.wait_for_url(re.compile(r".*/runs.*"))
        # Eight hours on, both sessions have ended, ours and the provider's: our cookie, as
        # the server signed it, but past its end.
        page.context.clear_cookies()
        page.context.add_cookies([{"name": "cpo_session", "value": ended_session(demo),
                                   "url": demo.ui}])  # fmt: skip
        page.goto(f"{demo.ui}/runs")
        page.wait_for_url(re.compile(r".*/interaction/.*"))
        browser.close()


def ended_session(demo: Demo) -> str:
    from itsdangerous import TimestampSigner

    key = (demo.clone / ".cpo" / "oidc" / "session-key").read_text().strip()
    session = {"person": demo.staff_id("admin"), "roles": ["recorder"], "sid": "old",
               "exp": time.time() - 60}  # fmt: skip
    return TimestampSigner(key).sign(base64.b64encode(json.dumps(session).encode())).decode()


# Bad sign-ins, spoken in HTTP to the real provider and the real sign-in layer.


def to_callback(demo: Demo, client: httpx.Client, start: str) -> str:
    """Follow a sign-in from ``start`` through the provider's form to the URL it sends the
    browser back to (not yet fetched)."""
    url = start
    for _ in range(10):
        answer = client.get(url)
        if "/interaction/" in str(answer.url) and answer.status_code == 200:
            login = {"login": "admin", "password": demo.password("admin")}
            answer = client.post(f"{answer.url}/login", data=login)
        url = answer.headers.get("location", "")
        if not url.startswith("http"):
            url = str(answer.url.join(url))
        if "/callback" in url and "code=" in url:
            return url
    raise AssertionError(f"no callback from the provider: {answer.status_code} {answer.text[:200]}")


def signed_in(demo: Demo, client: httpx.Client) -> bool:
    return client.get(f"{demo.ui}/auth/whoami").status_code == 200


def with_query(url: str, **changes: str) -> str:
    parts = urlparse(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return parts._replace(query=urlencode(query)).geturl()


def test_bad_sign_ins_are_refused_with_nothing_recorded(demo: Demo) -> None:
    before = len(audit(demo))
    with httpx.Client(follow_redirects=False, timeout=30) as browser:
        callback = to_callback(demo, browser, f"{demo.ui}/auth/sign-in")
        wrong = browser.get(with_query(callback, state="not-the-state"))
        assert wrong.status_code == 401 and not signed_in(demo, browser)

    with httpx.Client(follow_redirects=False, timeout=30) as browser:
        callback = to_callback(demo, browser, f"{demo.ui}/auth/sign-in")
        assert browser.get(callback).status_code == 302 and signed_in(demo, browser)
    code = parse_qs(urlparse(callback).query)["code"][0]
    with httpx.Client(follow_redirects=False, timeout=30) as thief:  # the code, replayed
        mine = to_callback(demo, thief, f"{demo.ui}/auth/sign-in")
        replayed = thief.get(with_query(mine, code=code))
        assert replayed.status_code == 401 and not signed_in(demo, thief)

    with httpx.Client(follow_redirects=False, timeout=30) as browser:  # another app's code
        other = to_callback(demo, browser, another_apps_sign_in(demo))
        mine = to_callback(demo, browser, f"{demo.ui}/auth/sign-in")
        swapped = browser.get(with_query(mine, code=parse_qs(urlparse(other).query)["code"][0]))
        assert swapped.status_code == 401 and not signed_in(demo, browser)
    after = audit(demo)
    assert len(after) == before + 0, after[: len(after) - before]


def another_apps_sign_in(demo: Demo) -> str:
    """The provider's authorisation URL for its other client (``another-app``)."""
    config = json.loads((demo.clone / ".cpo" / "oidc" / "provider.json").read_text())
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    query = {"client_id": "another-app", "response_type": "code", "scope": "openid",
             "redirect_uri": "http://127.0.0.1:9/callback", "state": "s", "nonce": "n",
             "code_challenge": challenge.decode().rstrip("="),
             "code_challenge_method": "S256"}  # fmt: skip
    return f"{config['issuer']}/auth?{urlencode(query)}"
