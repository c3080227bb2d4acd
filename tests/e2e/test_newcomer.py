"""The newcomer's path, as a person meets it: ``make run`` from a clean clone, the Prefect UI
in a real browser (Debian's Chromium through Playwright), then ``make stop``.

Screenshots go to ``test-artifacts/ui/``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "test-artifacts" / "ui"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Demo:
    clone: Path
    ui: str
    output: str

    @property
    def api(self) -> str:
        return f"{self.ui}/api"

    def post(self, path: str, body: dict[str, object]) -> list[dict[str, object]]:
        request = urllib.request.Request(
            f"{self.api}{path}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())  # type: ignore[no-any-return]

    def deployment_id(self, name: str) -> str:
        found = self.post("/deployments/filter", {"deployments": {"name": {"any_": [name]}}})
        return str(found[0]["id"])

    def case_runs(self) -> dict[str, dict[str, object]]:
        runs = self.post("/flow_runs/filter", {"limit": 200})
        return {str(r["name"]): r for r in runs if str(r["name"]).startswith("CP-DEMO-")}

    def cpo(self, *args: str) -> str:
        env = {
            **os.environ,
            "CPO_DATABASE_URL": f"sqlite:///{self.clone / '.cpo' / 'cases.sqlite3'}",
        }
        result = subprocess.run(
            [str(self.clone / ".venv" / "bin" / "cpo"), *args],
            env=env,
            cwd=self.clone,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        return result.stdout


def make(clone: Path, target: str, timeout: float) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CPO_"))}
    result = subprocess.run(
        ["make", target], cwd=clone, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, (
        f"make {target} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )
    return result.stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    clone = tmp_path_factory.mktemp("newcomer") / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True, timeout=120)
    output = ""
    try:
        output = make(clone, "run", timeout=1500)
        found = re.search(r"Prefect UI\s+(http://127\.0\.0\.1:\d+)", output)
        assert found, output
        yield Demo(clone, found.group(1), output)
    finally:
        make(clone, "stop", timeout=120)


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


def test_the_clock_is_scheduled_every_quarter_hour(demo: Demo) -> None:
    # The server's scheduler puts the clock's next runs on the calendar (it loops every
    # 60 s); with SQLAlchemy 2.1 its insert failed and the clock never ticked by itself.
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


def test_the_ui_shows_case_runs_their_timeline_and_takes_a_manual_step(demo: Demo) -> None:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    reference = "CP-DEMO-002"  # a mid-plan case
    before = json.loads(demo.cpo("case", reference, "--json"))["timeline"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)

        page.goto(f"{demo.ui}/runs", wait_until="networkidle")
        link = page.get_by_role("link", name=reference, exact=True).first
        link.wait_for()
        page.screenshot(path=str(SHOTS / "1-runs.png"))

        link.click()
        page.get_by_text("Artifacts", exact=True).click()
        timeline = f"case-{reference.lower()}-timeline"
        page.get_by_text(timeline).first.wait_for()
        page.screenshot(path=str(SHOTS / "2-case-artifacts.png"), full_page=True)
        page.get_by_text(timeline).first.click()
        page.get_by_role("heading", name="Timeline").wait_for()
        page.screenshot(path=str(SHOTS / "3-case-timeline.png"), full_page=True)

        page.goto(f"{demo.ui}/deployments", wait_until="networkidle")
        page.get_by_text("record-agency-report").first.wait_for()
        page.screenshot(path=str(SHOTS / "4-deployments.png"))
        deployment = demo.deployment_id("record-agency-report")
        page.goto(f"{demo.ui}/deployments/deployment/{deployment}/run", wait_until="networkidle")
        page.locator(".flow-run-create-form-v2__header .p-icon-button-menu button").click()
        page.get_by_text("Use JSON input").click()
        report = {
            "reference": reference,
            "report": {
                "on": date.today().isoformat(),
                "type": "agency_report_received",
                "member": "school",
            },
            "recorded_by": "browser-test",
        }
        page.locator("textarea.p-code-input__textarea").first.fill(json.dumps(report, indent=2))
        page.screenshot(path=str(SHOTS / "5-manual-step-form.png"), full_page=True)
        refused: list[str] = []
        page.on(
            "response",
            lambda r: (
                refused.append(f"{r.status} {r.request.method} {r.url}")
                if r.status >= 400
                else None
            ),
        )
        page.get_by_role("button", name="Submit").click()
        try:
            page.wait_for_url(re.compile(r".*(tab=Runs|/flow-run/).*"))
        except Exception as error:
            page.screenshot(path=str(SHOTS / "6-not-submitted.png"), full_page=True)
            raise AssertionError(
                f"the run form did not submit; the server refused: {refused}"
            ) from error
        assert not refused, refused
        page.screenshot(path=str(SHOTS / "6-submitted.png"))
        browser.close()

    deadline = time.monotonic() + 240
    after = before
    while time.monotonic() < deadline and len(after) == len(before):
        time.sleep(3)
        after = json.loads(demo.cpo("case", reference, "--json"))["timeline"]
    assert len(after) == len(before) + 1
    assert after[-1]["type"] == "agency_report_received"
    assert (after[-1]["recorded_by"], after[-1]["source"]) == ("browser-test", "ui")
