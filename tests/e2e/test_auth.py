"""The Prefect API as the stack starts it, behind the sign-in layer: nothing without the
services' credential (or a person's session) but the health probe, no write without a CSRF
token, and no other web origin allowed to call it."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from scripts.prefect_stack import Stack

pytestmark = pytest.mark.slow


def call(
    stack: Stack,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    secret: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], Any]:
    """One raw HTTP request (no Prefect client): status, headers, decoded body."""
    sent = {"Content-Type": "application/json", **(headers or {})}
    if secret is not None:
        sent["Authorization"] = "Basic " + base64.b64encode(secret.encode()).decode()
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{stack.api_url}{path}", data, sent, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), decoded(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), decoded(refused.read())


def decoded(body: bytes) -> Any:
    try:
        return json.loads(body or b"null")
    except ValueError:
        return body.decode(errors="replace")


def csrf_headers(stack: Stack, secret: str) -> dict[str, str]:
    status, _, token = call(stack, "GET", "/csrf-token?client=auth-test", secret=secret)
    assert status == 200, token
    return {"Prefect-Csrf-Token": token["token"], "Prefect-Csrf-Client": "auth-test"}


def test_without_credentials_the_api_answers_401_to_a_read_and_to_a_write(stack: Stack) -> None:
    secret = stack.env["PREFECT_API_AUTH_STRING"]
    status, _, deployment = call(stack, "GET", "/deployments/name/clock/clock", secret=secret)
    assert status == 200
    clock_runs = f"/deployments/{deployment['id']}/create_flow_run"
    # The sign-in layer checks credentials first: 401 without them, token or not. A token is
    # only given for the credential, and even a valid one (say, stolen) with no credentials,
    # or wrong ones, gets 401; with the credential but no token, Prefect's CSRF check: 403.
    token = csrf_headers(stack, secret)
    wrong = secret.split(":")[0] + ":not-the-password"

    assert call(stack, "GET", "/health")[0] == 200  # the probe stays open
    assert call(stack, "GET", "/deployments/name/clock/clock")[0] == 401
    assert call(stack, "GET", "/csrf-token?client=someone")[0] == 401
    assert call(stack, "POST", "/flow_runs/filter", {"limit": 1}, headers=token)[0] == 401
    assert call(stack, "POST", clock_runs, {"parameters": {}}, headers=token)[0] == 401
    assert call(stack, "POST", clock_runs, {"parameters": {}}, wrong, token)[0] == 401
    assert call(stack, "POST", clock_runs, {"parameters": {}})[0] == 401
    assert call(stack, "POST", clock_runs, {"parameters": {}}, secret)[0] == 403
    assert call(stack, "POST", "/flow_runs/filter", {"limit": 1}, secret, token)[0] == 200


def test_a_write_with_the_secret_but_no_csrf_token_is_refused(stack: Stack) -> None:
    secret = stack.env["PREFECT_API_AUTH_STRING"]
    variable = {"name": "auth_test", "value": "x"}
    status, _, body = call(stack, "POST", "/variables/", variable, secret=secret)
    assert status == 403 and "CSRF" in body["detail"]
    status, _, created = call(
        stack, "POST", "/variables/", variable, secret, csrf_headers(stack, secret)
    )
    assert status == 201, created
    assert call(stack, "DELETE", "/variables/name/auth_test", None, secret,
                csrf_headers(stack, secret))[0] == 204  # fmt: skip


def test_only_the_uis_own_origin_may_call_the_api_from_a_browser(stack: Stack) -> None:
    ui = stack.api_url.removesuffix("/api")
    for origin, allowed in ((ui, True), ("https://elsewhere.example", False)):
        preflight = {"Origin": origin, "Access-Control-Request-Method": "POST"}
        _, headers, _ = call(stack, "OPTIONS", "/flow_runs/filter", headers=preflight)
        lower = {name.lower(): value for name, value in headers.items()}
        assert (lower.get("access-control-allow-origin") == origin) is allowed, headers
