"""Bad sign-ins are refused with nothing recorded: a wrong state, a token from another issuer
or for another audience, an expired token, a wrong nonce, no ID token. The provider's token
endpoint here is a small fake that signs ID tokens with a key it publishes (the real
provider, oidc-provider on 127.0.0.1, is met in tests/e2e/ui/test_sign_in.py); everything on
our side is the real sign-in layer and Authlib's checks."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.testclient import TestClient

from access.gateway import COOKIE, build
from access.server import route_table
from access.settings import AccessSettings, Provider
from domain.store import CaseRepository, Database
from tests.access.conftest import SESSION_KEY, Signed

ISSUER = "https://id.example.test"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})


@dataclass
class FakeProvider:
    """The provider's discovery, keys and token endpoint; the ID token's claims as set."""

    claims: dict[str, Any] = field(default_factory=dict)
    nonce: str = ""
    codes: list[str] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/.well-known/openid-configuration":
            return httpx.Response(200, json={
                "issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/auth",
                "token_endpoint": f"{ISSUER}/token", "jwks_uri": f"{ISSUER}/jwks",
                "end_session_endpoint": f"{ISSUER}/logout",
                "id_token_signing_alg_values_supported": ["RS256"],
            })  # fmt: skip
        if path == "/jwks":
            return httpx.Response(200, json={"keys": [KEY.as_dict(private=False)]})
        form = parse_qs(request.content.decode())
        assert form["code_verifier"][0]  # PKCE: the verifier goes with the code
        self.codes.append(form["code"][0])
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": "cpo", "sub": "u1", "iat": now, "exp": now + 300,
                  "nonce": self.nonce, "staff_id": "s-1001", "groups": ["cpo-viewers"],
                  "name": "Jane Smith", **self.claims}  # fmt: skip
        claims = {k: v for k, v in claims.items() if v is not None}
        token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, KEY)
        return httpx.Response(200, json={"access_token": "at", "token_type": "Bearer",
                                         "expires_in": 300, "id_token": token})  # fmt: skip


@pytest.fixture
def provider() -> FakeProvider:
    return FakeProvider()


@pytest.fixture
def browser(signed: Signed, provider: FakeProvider) -> Iterator[TestClient]:
    secret = AccessSettings(
        Provider(ISSUER, "cpo", "client-secret", "http://testserver"), "cpo:x", SESSION_KEY
    )
    app = signed.gateway.prefect
    transport = httpx.AsyncHTTPTransport()  # never used: the fake answers every call
    del transport
    gateway = build(app, secret, signed.policy, route_table(app), signed.store_url,
                    transport=httpx.MockTransport(provider.handle))  # fmt: skip
    yield TestClient(gateway, follow_redirects=False, raise_server_exceptions=False)


def start(browser: TestClient, provider: FakeProvider) -> str:
    """Sign-in starts: to the provider with a state, a nonce and a PKCE challenge."""
    found = browser.get("/auth/sign-in?next=/runs")
    assert found.status_code == 302
    query = parse_qs(urlparse(found.headers["location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    provider.nonce = query["nonce"][0]
    return query["state"][0]


def audit_entries(signed: Signed) -> int:
    return len(CaseRepository(Database.from_url(signed.store_url)).audit_log(limit=10_000))


def signed_in(browser: TestClient) -> bool:
    return browser.get("/auth/whoami").status_code == 200


def test_a_good_sign_in_gives_a_session_with_the_persons_id_and_roles(
    browser: TestClient, provider: FakeProvider
) -> None:
    state = start(browser, provider)
    done = browser.get(f"/auth/callback?code=c1&state={state}")
    assert done.status_code == 302 and done.headers["location"] == "/runs"
    me = browser.get("/auth/whoami").json()
    assert (me["person"], me["roles"]) == ("s-1001", ["viewer"])
    cookie = browser.cookies.get(COOKIE) or ""
    assert "Jane" not in json.dumps(me) and cookie  # the session holds no name


BAD = {
    "another issuer": {"iss": "https://elsewhere.example.test"},
    "another audience": {"aud": "some-other-app"},
    "an expired token": {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
    "a wrong nonce": {"nonce": "replayed-nonce"},
    "a name for an id": {"staff_id": "Jane Smith"},
    "an id that spells the name": {"staff_id": "jane-smith"},
    "no id at all": {"staff_id": None},
}


@pytest.mark.parametrize("claims", BAD.values(), ids=BAD.keys())
def test_a_bad_token_is_refused_with_nothing_recorded(
    browser: TestClient, provider: FakeProvider, signed: Signed, claims: dict[str, Any]
) -> None:
    before = audit_entries(signed)
    state = start(browser, provider)
    provider.claims = {**claims, **({"nonce": claims["nonce"]} if "nonce" in claims else {})}
    if "nonce" not in claims:
        provider.claims.pop("nonce", None)
    refused = browser.get(f"/auth/callback?code=c2&state={state}")
    assert refused.status_code == 401 and "Sign-in refused" in refused.text
    assert not signed_in(browser)
    assert audit_entries(signed) == before


def test_a_wrong_state_is_refused_before_the_code_goes_anywhere(
    browser: TestClient, provider: FakeProvider, signed: Signed
) -> None:
    before = audit_entries(signed)
    start(browser, provider)
    refused = browser.get("/auth/callback?code=c3&state=not-the-state")
    assert refused.status_code == 401 and provider.codes == []
    assert not signed_in(browser) and audit_entries(signed) == before


def test_a_callback_replayed_after_sign_in_is_refused(
    browser: TestClient, provider: FakeProvider
) -> None:
    state = start(browser, provider)
    assert browser.get(f"/auth/callback?code=c4&state={state}").status_code == 302
    browser.cookies.clear()
    again = browser.get(f"/auth/callback?code=c4&state={state}")
    assert again.status_code == 401 and provider.codes == ["c4"]  # the code went once
    assert not signed_in(browser)


def test_signing_out_ends_the_session_even_for_a_copy_of_its_cookie(
    browser: TestClient, provider: FakeProvider
) -> None:
    state = start(browser, provider)
    browser.get(f"/auth/callback?code=c5&state={state}")
    copy = browser.cookies.get(COOKIE)
    out = browser.post("/auth/sign-out")
    assert out.status_code == 302 and out.headers["location"].startswith(f"{ISSUER}/logout")
    assert not signed_in(browser)
    browser.cookies.set(COOKIE, copy or "")
    assert not signed_in(browser)
    assert browser.get("/api/csrf-token?client=x").status_code == 401


def test_a_page_without_a_session_goes_to_sign_in_and_back(browser: TestClient) -> None:
    found = browser.get("/runs?tag=overdue", headers={"accept": "text/html"})
    assert found.status_code == 302
    assert found.headers["location"] == "/auth/sign-in?next=/runs%3Ftag%3Doverdue"
    assert browser.get("/auth/sign-in?next=https://evil.example").status_code == 302
