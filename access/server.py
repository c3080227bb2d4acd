"""The gateway for Prefect's server app, from the server's environment: what
``scripts/prefect_server.py`` wraps every app Prefect creates in."""

from __future__ import annotations

import os
from typing import Any

from access.gateway import DOCS, Gateway, build
from access.roles import RouteTable, load_policy
from access.settings import from_environment


def gateway_for(prefect_app: Any, **client_kwargs: Any) -> Gateway:
    """``prefect_app`` (Prefect's FastAPI app: UI and ``/api``) behind sign-in and roles."""
    settings = from_environment()
    store_url = os.environ.get("CPO_DATABASE_URL")
    if settings.provider is not None and not store_url:
        raise RuntimeError("CPO_DATABASE_URL: the store takes the access audit of who signs in")
    policy = load_policy(settings.roles_file)
    return build(prefect_app, settings, policy, route_table(prefect_app), store_url,
                 **client_kwargs)  # fmt: skip


def route_table(prefect_app: Any) -> RouteTable:
    """Every route of Prefect's API (its own OpenAPI document), and its docs' pages."""
    api = RouteTable.from_openapi(prefect_app.api_app.openapi())
    return RouteTable([*api.routes, *(f"GET {path}" for path in DOCS)])
