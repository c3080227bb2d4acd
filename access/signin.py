"""Sign-in through the authority's OpenID Connect provider: the authorisation-code flow with
PKCE (S256) and a nonce, through Authlib's Starlette client, which checks the state, the
code verifier, the ID token's signature (the provider's published keys), issuer, audience,
expiry and nonce. Nothing here reads a token by hand.

A person signed in gets a session (a signed cookie, ``access/gateway.py``) with their id and
roles, which ends after ``session_hours`` or ``idle_minutes`` without a request, or when they
sign out (which also ends their session at the provider). A refused sign-in leaves no
session and records nothing; the page says why in one line, and the server's log too.
"""

from __future__ import annotations

import html
import logging
import secrets
import time
from collections.abc import Mapping
from typing import Any

import httpx
from authlib.integrations.base_client import OAuthError
from authlib.integrations.starlette_client import OAuth
from joserfc.errors import JoseError
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from access.roles import Policy
from access.settings import AccessSettings, Provider
from domain.errors import RejectedEvent
from domain.people import SERVICE_IDS, id_without_name, names_of, person_id

log = logging.getLogger("cpo.access")
CLIENT = "authority"
SIGNED_OUT: dict[str, float] = {}  # session id -> when it would have ended: refused till then


def oidc_client(provider: Provider, **client_kwargs: Any) -> Any:
    """Authlib's client for the provider, from its discovery document."""
    oauth = OAuth()
    oauth.register(
        CLIENT,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        server_metadata_url=provider.metadata_url,
        client_kwargs={"scope": "openid", "code_challenge_method": "S256", **client_kwargs},
    )
    return oauth.create_client(CLIENT)


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{html.escape(title)}</title>"
        f"<body style='font-family:sans-serif;max-width:40em;margin:4em auto'>"
        f"<h1>{html.escape(title)}</h1>{body}</body></html>",
        status_code=status,
    )


def why(refused: Exception) -> str:
    """A refusal in one line: the provider's error, the token's failed check, or ours."""
    if isinstance(refused, OAuthError):
        return refused.description or refused.error or "refused by the provider"
    if isinstance(refused, httpx.HTTPError):
        return "the identity provider cannot be reached: try again shortly"
    if isinstance(refused, JoseError):
        return f"the ID token was refused: {refused.error}: {refused.description or ''}".strip()
    return str(refused)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this server only (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


class SignIn:
    def __init__(self, settings: AccessSettings, policy: Policy, client: Any) -> None:
        assert settings.provider is not None
        self.settings, self.policy, self.client = settings, policy, client
        self.provider: Provider = settings.provider

    def routes(self) -> list[Route]:
        return [
            Route("/auth/sign-in", self.sign_in),
            Route("/auth/callback", self.callback),
            Route("/auth/sign-out", self.sign_out, methods=["GET", "POST"]),
            Route("/auth/signed-out", self.signed_out),
            Route("/auth/whoami", self.whoami),
        ]

    async def sign_in(self, request: Request) -> Response:
        request.session.clear()
        request.session["next"] = safe_next(request.query_params.get("next"))
        try:
            return await self.client.authorize_redirect(request, self.provider.redirect_uri)
        except httpx.HTTPError as error:  # its discovery document or keys cannot be read
            log.error("the identity provider cannot be reached: %s", type(error).__name__)
            return page("Sign-in is unavailable", "<p>The identity provider cannot be "
                        "reached. Try again shortly.</p>", 503)  # fmt: skip

    async def callback(self, request: Request) -> Response:
        target = safe_next(request.session.get("next"))
        try:
            token = await self.client.authorize_access_token(request)
            claims = token.get("userinfo")
            if not claims:
                raise OAuthError(description="the provider sent no ID token")
            person, roles = self.person_of(claims)
        except (OAuthError, JoseError, RejectedEvent, httpx.HTTPError) as refused:
            request.session.clear()
            reason = why(refused)
            log.warning("sign-in refused: %s", reason)
            return page("Sign-in refused", f"<p>{html.escape(reason)}</p>"
                        "<p><a href='/auth/sign-in'>Sign in again</a></p>", 401)  # fmt: skip
        now = time.time()
        request.session.clear()
        request.session.update(person=person, roles=list(roles), sid=secrets.token_urlsafe(16),
                               exp=now + self.settings.session_hours * 3600)  # fmt: skip
        log.info("signed in: %s (%s)", person, ", ".join(roles) or "no role")
        return RedirectResponse(target, status_code=302)

    def person_of(self, claims: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
        """The person's id (the configured claim: an opaque staff id) and roles (groups)."""
        found = claims.get(self.provider.person_claim)
        who = person_id(found, self.provider.person_claim)
        if who in SERVICE_IDS:
            raise RejectedEvent(self.provider.person_claim, "R-G2", f"{who!r} is a service's id")
        id_without_name(who, names_of(dict(claims)))
        groups = claims.get(self.provider.groups_claim) or []
        groups = [groups] if isinstance(groups, str) else list(groups)
        return who, self.policy.roles_of(str(group) for group in groups)

    async def sign_out(self, request: Request) -> Response:
        if request.method == "GET":  # a link cannot sign anyone out; a form posted here can
            return page("Sign out", "<form method=post><button>Sign out</button></form>")
        sid, ends = request.session.get("sid"), request.session.get("exp")
        if sid and ends:
            SIGNED_OUT[str(sid)] = float(ends)
        log.info("signed out: %s", request.session.get("person", "?"))
        request.session.clear()
        return await self.client.logout_redirect(
            request, f"{self.provider.public_url}/auth/signed-out",
            client_id=self.provider.client_id,
        )  # fmt: skip

    async def signed_out(self, request: Request) -> Response:
        request.session.clear()
        return page("Signed out", "<p>You have signed out.</p>"
                    "<p><a href='/auth/sign-in'>Sign in again</a></p>")  # fmt: skip

    async def whoami(self, request: Request) -> Response:
        from starlette.responses import JSONResponse

        found = live_session(request.session)
        if found is None:
            return JSONResponse({"detail": "not signed in"}, status_code=401)
        person, roles = found
        return JSONResponse({"person": person, "roles": roles, "exp": request.session["exp"]})


def live_session(session: dict[str, Any]) -> tuple[str, tuple[str, ...]] | None:
    """The person and roles of a session still in force: not past its end, not signed out
    (a copy of the cookie kept from before signing out counts for nothing). Else cleared."""
    now = time.time()
    for gone in [gone for gone, ends in SIGNED_OUT.items() if ends < now]:
        SIGNED_OUT.pop(gone, None)
    person, ends, sid = session.get("person"), session.get("exp"), session.get("sid")
    if not person or not ends or float(ends) < now or str(sid) in SIGNED_OUT:
        session.clear()
        return None
    return str(person), tuple(session.get("roles", ()))
