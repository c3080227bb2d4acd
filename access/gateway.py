"""The sign-in layer in front of Prefect's UI and API, in the server's own process
(``scripts/prefect_server.py`` wraps Prefect's app in it).

Every request but the health probes and the sign-in pages needs a principal: a person with
a session (``access/signin.py``) or a service with the service credential (HTTP basic, as
Prefect's clients send ``PREFECT_API_AUTH_STRING``). Without one: a page navigation goes to
sign-in, anything else gets 401. A person's API request must be for a route one of their
roles lists (``access/roles.py``), else 403 with a line the UI shows. Services may call
everything. Prefect's CSRF protection and CORS stay as they are, inside this layer.

For a person the layer also stamps who acts (``access/stamping.py``) and records who opened
which case's run or page (``access/audit.py``).
"""

from __future__ import annotations

import base64
import hmac
import logging
from typing import Any
from urllib.parse import quote

from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Router
from starlette.types import ASGIApp, Receive, Scope, Send

from access.audit import AccessAudit
from access.roles import Policy, RouteTable
from access.settings import AccessSettings
from access.signin import SignIn, live_session, page
from access.stamping import Stamping, refuse

log = logging.getLogger("cpo.access")
OPEN = frozenset({"/api/health", "/api/ready"})
DOCS = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})
SERVICE = "service"
COOKIE = "cpo_session"


class Principal:
    def __init__(self, person: str | None, roles: tuple[str, ...]) -> None:
        self.person, self.roles = person, roles

    @property
    def is_service(self) -> bool:
        return self.person is None


class Gateway:
    def __init__(
        self,
        prefect: ASGIApp,
        settings: AccessSettings,
        policy: Policy,
        routes: RouteTable,
        signin: SignIn | None,
        stamping: Stamping,
        audit: AccessAudit,
    ) -> None:
        self.prefect, self.settings, self.policy, self.routes = prefect, settings, policy, routes
        self.stamping, self.audit = stamping, audit
        self.signin = Router(signin.routes()) if signin else None
        self.app = SessionMiddleware(
            self.inner, secret_key=settings.session_secret, session_cookie=COOKIE,
            max_age=int(settings.idle_minutes * 60), same_site="lax",
            https_only=settings.secure_cookie,
        )  # fmt: skip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":  # Prefect's own start-up and services
            await self.prefect(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def inner(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        if path in OPEN or _preflight(scope):
            return await self.prefect(scope, receive, send)
        if path.startswith("/auth/"):
            return await (self.signin or _no_sign_in)(scope, receive, send)
        principal = self.principal(HTTPConnection(scope))
        if principal is None:
            return await self.unsigned(scope, receive, send)
        if principal.is_service:
            return await self.prefect(scope, receive, send)
        await self.for_person(principal, scope, receive, send)

    def principal(self, connection: HTTPConnection) -> Principal | None:
        header = connection.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            return self.service(header[6:])
        found = live_session(connection.session)
        return Principal(*found) if found else None

    def service(self, encoded: str) -> Principal | None:
        expected = self.settings.service_credential
        try:
            given = base64.b64decode(encoded, validate=True).decode()
        except ValueError:
            return None
        if expected and hmac.compare_digest(given.encode(), expected.encode()):
            return Principal(None, (SERVICE,))
        return None

    async def unsigned(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4401})
            return
        if _navigation(scope) and self.signin is not None:
            target = scope["path"] + (f"?{scope['query_string'].decode()}" if scope.get(
                "query_string") else "")  # fmt: skip
            response: Response = RedirectResponse(f"/auth/sign-in?next={quote(target)}", 302)
        else:
            detail = "Not signed in, or the session has ended: sign in again at /auth/sign-in"
            response = JSONResponse({"detail": detail}, status_code=401)
        await response(scope, receive, send)

    async def for_person(self, who: Principal, scope: Scope, receive: Receive, send: Send) -> None:
        path, method = scope["path"], scope.get("method", "GET")
        if not who.roles:
            return await page("No access", "<p>You are signed in, but none of your groups gives "
                              "a role here. Ask your administrator.</p>"
                              "<p><a href='/auth/sign-out'>Sign out</a></p>", 403)(
                scope, receive, send)  # fmt: skip
        if scope["type"] == "websocket":  # the UI's live logs and events: read like the rest
            route = f"GET {path.removeprefix('/api')}"
        elif path.startswith("/api/"):
            route = self.routes.route(method, path.removeprefix("/api")) or f"{method} {path}"
        elif path in DOCS:
            route = f"GET {path}"
        else:  # the UI's own pages and files: any role
            return await self.prefect(scope, receive, send)
        if not self.policy.allows(who.roles, route):
            return await refuse(scope, receive, send, f"{', '.join(who.roles)} may not call "
                                f"{route}: ask for a role that allows it")  # fmt: skip
        await self.stamping.forward(who.person or "", who.roles, route, scope, receive, send,
                                    self.audit)  # fmt: skip


async def _no_sign_in(scope: Scope, receive: Receive, send: Send) -> None:
    await page("Sign-in is not configured", "<p>Set CPO_OIDC_ISSUER and the settings beside "
               "it (README, Sign-in and roles).</p>", 404)(scope, receive, send)  # fmt: skip


def _navigation(scope: Scope) -> bool:
    """A page the browser navigates to (not the UI's own API calls, not a file it loads)."""
    headers = dict(scope.get("headers") or [])
    accept = headers.get(b"accept", b"").decode()
    return scope.get("method") == "GET" and "text/html" in accept


def _preflight(scope: Scope) -> bool:
    """A CORS preflight: no credentials by design; Prefect's CORS middleware answers it."""
    headers = dict(scope.get("headers") or [])
    return scope.get("method") == "OPTIONS" and b"access-control-request-method" in headers


def build(prefect: ASGIApp, settings: AccessSettings, policy: Policy, routes: RouteTable,
          store_url: str | None, **client_kwargs: Any) -> Gateway:  # fmt: skip
    """The gateway for one server: Authlib's client only if a provider is configured."""
    from access.signin import oidc_client

    signin = None
    if settings.provider is not None:
        client = oidc_client(settings.provider, **client_kwargs)
        signin = SignIn(settings, policy, client)
    audit = AccessAudit(store_url)
    return Gateway(prefect, settings, policy, routes, signin, Stamping(policy, prefect), audit)
