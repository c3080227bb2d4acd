"""The stack ``make run`` starts from a clean clone, shared by every browser test of this
package (one ``make run`` and one ``make stop`` for all of them), and what a person does
there: sign in through the demo's identity provider as one of its users (one per role,
``scripts/identity_provider.py``), open a run, fill a manual step's form. The tests' own
API calls use the services' credential (``.cpo/prefect-auth``), as the workers do.

Screenshots go to ``test-artifacts/ui/``.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

from tests.browser import BROWSER_ARGS, CHROMIUM, REPO

SHOTS = REPO / "test-artifacts" / "ui"


@dataclass(frozen=True)
class Demo:
    clone: Path
    ui: str
    output: str

    @property
    def api(self) -> str:
        return f"{self.ui}/api"

    @property
    def secret_file(self) -> Path:
        return self.clone / ".cpo" / "prefect-auth"

    def password(self, login: str) -> str:
        """A demo user's password, as ``make run`` printed it."""
        known = json.loads((self.clone / ".cpo" / "oidc" / "demo-users.json").read_text())
        return str(known[login])

    def staff_id(self, login: str) -> str:
        """The id the sign-in layer records for a demo user."""
        from scripts.identity_provider import DEMO_USERS

        return next(user.staff_id for user in DEMO_USERS if user.login == login)

    @cached_property
    def headers(self) -> dict[str, str]:
        """The secret ``make run`` made, and a CSRF token for it: what a client sends."""
        secret = self.secret_file.read_text().strip()
        auth = {"Authorization": "Basic " + base64.b64encode(secret.encode()).decode()}
        request = urllib.request.Request(f"{self.api}/csrf-token?client=newcomer", headers=auth)
        with urllib.request.urlopen(request, timeout=30) as response:
            token = json.loads(response.read())["token"]
        return {**auth, "Prefect-Csrf-Token": token, "Prefect-Csrf-Client": "newcomer"}

    def post(self, path: str, body: dict[str, object]) -> list[dict[str, object]]:
        request = urllib.request.Request(
            f"{self.api}{path}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json", **self.headers},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())  # type: ignore[no-any-return]

    def get(self, url: str) -> Any:
        request = urllib.request.Request(url, headers=self.headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def every(self, path: str, body: dict[str, object] | None = None) -> list[dict[str, Any]]:
        """Every row a filter endpoint holds, a page (the API's cap, 200) at a time."""
        rows: list[dict[str, Any]] = []
        while True:
            page = self.post(path, {**(body or {}), "limit": 200, "offset": len(rows)})
            rows += page
            if len(page) < 200:
                return rows

    def deployment_id(self, name: str) -> str:
        found = self.post("/deployments/filter", {"deployments": {"name": {"any_": [name]}}})
        return str(found[0]["id"])

    def case_runs(self) -> dict[str, dict[str, object]]:
        runs: list[dict[str, object]] = []
        while True:  # a page of the API's 200 at a time
            page = self.post("/flow_runs/filter", {"limit": 200, "offset": len(runs),
                                                   "sort": "ID_DESC"})  # fmt: skip
            runs += page
            if len(page) < 200:
                break
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


@pytest.fixture(scope="package")
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


def browse(playwright: Any, demo: Demo, role: str = "admin") -> tuple[Any, Any]:
    """A fresh browser, signed in to the Prefect UI as the demo user ``role`` (``admin``,
    ``viewer``, ``manager``, ``data``, ``operator``; ``senior``: a manager the profiles do
    not let acknowledge)."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    log_in(page, demo, role)
    return browser, page


def log_in(page: Any, demo: Demo, role: str = "admin") -> None:
    """The UI sends a person to the identity provider's sign-in page, and back when done."""
    page.goto(f"{demo.ui}/runs", wait_until="networkidle")
    page.wait_for_url(re.compile(r".*/interaction/.*"))
    sign_in_at_provider(page, role, demo.password(role))
    page.wait_for_url(re.compile(rf"{re.escape(demo.ui)}/runs.*"))


def sign_in_at_provider(page: Any, login: str, password: str) -> None:
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def submit(page: Any, shot: str) -> None:
    """Submit a run form and wait until it has become a run; name every refused request."""
    refused: list[str] = []
    page.on(
        "response",
        lambda r: (
            refused.append(f"{r.status} {r.request.method} {r.url}") if r.status >= 400 else None
        ),
    )
    page.get_by_role("button", name="Submit").click()
    try:
        page.wait_for_url(re.compile(r".*(tab=Runs|/flow-run/).*"))
    except Exception as error:
        page.screenshot(path=str(SHOTS / f"{shot}-not-submitted.png"), full_page=True)
        raise AssertionError(
            f"the run form did not submit; the server refused: {refused}"
        ) from error
    assert not refused, refused


def fill_step(demo: Demo, page: Any, deployment: str, values: dict[str, object], shot: str) -> None:
    """A manual step's form, filled as JSON (the form's own JSON view) and submitted."""
    found = demo.deployment_id(deployment)
    page.goto(f"{demo.ui}/deployments/deployment/{found}/run", wait_until="networkidle")
    page.screenshot(path=str(SHOTS / f"{shot}-form.png"), full_page=True)
    page.locator(".flow-run-create-form-v2__header .p-icon-button-menu button").click()
    page.get_by_text("Use JSON input").click()
    page.locator("textarea.p-code-input__textarea").first.fill(json.dumps(values, indent=2))
    submit(page, shot)
