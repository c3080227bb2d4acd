"""Every route of Prefect's API, every role: allowed or refused as access/roles.toml says,
401 without a session, 403 for a role without the right; CSRF protection still on; the
schema and docs (issue 23, item 6) not served without a session or the service credential.

Through Prefect's real app and the real sign-in layer, in this process."""

from __future__ import annotations

import base64
import re
import uuid

import pytest

from access.roles import ROLES
from tests.access.conftest import SERVICE, Signed

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def concrete(route: str) -> tuple[str, str]:
    method, template = route.split(" ", 1)
    path = re.sub(r"\{[^/]+\}", lambda m: str(uuid.uuid4()) if "id" in m.group() else "x",
                  template)  # fmt: skip
    return method, ("/api" + path if template not in DOCS else path)


DOCS = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def call(signed: Signed, route: str, headers: dict[str, str]) -> tuple[int, str]:
    method, path = concrete(route)
    body = {} if method in WRITES else None
    found = signed.client.request(method, path, json=body, headers=headers)
    return found.status_code, found.text


def test_the_table_is_prefects_whole_api(signed: Signed) -> None:
    routes = signed.gateway.routes.routes
    assert len(routes) > 180
    assert "POST /deployments/{id}/create_flow_run" in routes and "GET /docs" in routes
    every = {r for role in signed.policy.roles.values() for r in role.routes}
    assert every <= set(routes), sorted(every - set(routes))  # no role lists a route Prefect lacks


def test_without_a_session_every_route_answers_401(signed: Signed) -> None:
    open_probes = {"GET /health", "GET /ready"}
    for route in signed.gateway.routes.routes:
        status, _ = call(signed, route, {})
        assert status == (200 if route in open_probes else 401), route


@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_call_its_routes_and_no_other(signed: Signed, role: str) -> None:
    headers = signed.csrf(signed.as_person(f"p-{role}", [role]))
    allowed = signed.policy.roles[role].routes
    for route in signed.gateway.routes.routes:
        if route in ("GET /health", "GET /ready"):
            continue
        status, text = call(signed, route, headers)
        if route in allowed:
            assert status not in (401, 403), (route, status, text[:200])
        else:
            assert status == 403 and "may not call" in text, (route, status, text[:200])


def test_a_person_without_a_role_sees_nothing(signed: Signed) -> None:
    headers = signed.as_person("p-nobody", [])
    assert signed.client.get("/api/csrf-token?client=x", headers=headers).status_code == 403
    assert signed.client.get("/runs", headers=headers).status_code == 403


def test_csrf_protection_is_still_on_for_a_signed_in_person(signed: Signed) -> None:
    viewer = signed.as_person("p-viewer", ["viewer"])
    refused = signed.client.post("/api/flow_runs/filter", json={}, headers=viewer)
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    allowed = signed.client.post("/api/flow_runs/filter", json={}, headers=signed.csrf(viewer))
    assert allowed.status_code == 200


def test_the_service_credential_reaches_every_route_and_a_wrong_one_none(signed: Signed) -> None:
    good = {"Authorization": "Basic " + base64.b64encode(SERVICE.encode()).decode()}
    wrong = {"Authorization": "Basic " + base64.b64encode(b"cpo:guess").decode()}
    assert signed.client.get("/api/flows/name/x", headers=good).status_code == 404
    assert signed.client.get("/api/flows/name/x", headers=wrong).status_code == 401
    assert signed.client.get("/openapi.json", headers=good).status_code == 200


@pytest.mark.parametrize("path", ["/openapi.json", "/docs", "/redoc", "/api/openapi.json",
                                  "/api/docs", "/api/redoc"])  # fmt: skip
def test_the_schema_and_docs_are_not_served_without_a_session(signed: Signed, path: str) -> None:
    """Issue 23, item 6: the whole schema and Prefect's version, to operators only."""
    assert signed.client.get(path).status_code == 401
    viewer = signed.as_person("p-viewer", ["viewer"])
    assert signed.client.get(path, headers=viewer).status_code == 403
    operator = signed.as_person("p-operator", ["operator"])
    assert signed.client.get(path, headers=operator).status_code == 200


def test_a_page_navigation_without_a_session_goes_to_sign_in_or_says_none_is_set(
    signed: Signed,
) -> None:
    page = signed.client.get("/runs", headers={"accept": "text/html"})
    assert page.status_code == 401  # no provider configured here: nothing to sign in with
    viewer = signed.as_person("p-viewer", ["viewer"])
    assert signed.client.get("/runs", headers={**viewer, "accept": "text/html"}).status_code == 200


def test_an_expired_session_is_no_session(signed: Signed) -> None:
    from access.gateway import COOKIE

    old = signed.session_cookie("p-viewer", ["viewer"], ends_in=-1)
    found = signed.client.get("/api/csrf-token?client=x", headers={"cookie": f"{COOKIE}={old}"})
    assert found.status_code == 401
