"""``prefect server start`` for the embedded default (SQLite), with writers that wait their turn.

Run as ``python -m scripts.prefect_server server start`` (any ``prefect`` arguments work).

Prefect 3.8.8 and 3.9.1 (``AioSqliteConfiguration.begin_transaction`` is the same in both)
open most server transactions on SQLite as ``BEGIN DEFERRED``: the transaction reads first
and asks for the write lock at its first write. When another connection has written in
between, SQLite refuses the upgrade at once with ``database is locked``
(``SQLITE_BUSY_SNAPSHOT``), without waiting on the 60 s ``busy_timeout`` Prefect sets,
and the API answers 503 (``tests/flows/test_prefect_server.py``, on the Prefect installed).
Prefect's own clients retry a 503; the UI does not. An admin who submitted a manual step
from the UI while case runs were waking saw "Something went wrong" and nothing was
recorded (measured on 3.8.8: 2 of 10, then 1 of 20 form submissions on the demo stack).

Here every transaction the server opens takes the write lock up front (``BEGIN IMMEDIATE``),
as this project's own store does on SQLite (``domain/store/database.py``): writers queue on
the busy timeout instead of failing. Reads outside a transaction are unchanged. On
PostgreSQL nothing changes: only Prefect's SQLite configuration is touched.

And Prefect's app is served behind the sign-in layer (``access/gateway.py``): people sign in
through the authority's OpenID Connect provider and act within their roles; services use the
service credential (``CPO_SERVICE_AUTH_STRING``; Prefect's own basic-auth setting, if given,
is taken as that and kept from Prefect, whose login page would stand in front of sign-in).
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any


def take_write_lock_up_front() -> None:
    from prefect.server.database import configurations

    sqlite = configurations.AioSqliteConfiguration
    if getattr(sqlite.begin_transaction, "immediate", False):
        return
    original = sqlite.begin_transaction

    @asynccontextmanager
    async def begin_transaction(
        self: Any, session: Any, with_for_update: bool = False
    ) -> AsyncGenerator[Any, None]:
        async with original(self, session, with_for_update=True) as transaction:
            yield transaction

    begin_transaction.immediate = True  # type: ignore[attr-defined]
    sqlite.begin_transaction = begin_transaction  # type: ignore[method-assign,assignment]


def behind_sign_in() -> None:
    """The app Prefect's server command serves comes wrapped in the sign-in layer."""
    from prefect.server.api import server

    if getattr(server.create_app, "behind_sign_in", False):
        return
    original = server.create_app

    def create_app(*args: Any, **kwargs: Any) -> Any:
        app = original(*args, **kwargs)
        # Only the app the server command serves (``final=True``): the server's own in-process
        # client (its automations' actions) calls ``create_app()`` for Prefect's app itself.
        if not kwargs.get("final"):
            return app
        from access.server import gateway_for

        return gateway_for(app)

    create_app.behind_sign_in = True  # type: ignore[attr-defined]
    server.create_app = create_app


def keep_basic_auth_from_prefect() -> None:
    """Before Prefect reads its settings: its basic-auth secret becomes the services'."""
    from access.settings import PREFECT_SERVER_AUTH, SERVICE_SETTING

    secret = os.environ.pop(PREFECT_SERVER_AUTH, None)
    if secret and not os.environ.get(SERVICE_SETTING):
        os.environ[SERVICE_SETTING] = secret


def main() -> None:
    keep_basic_auth_from_prefect()
    take_write_lock_up_front()
    behind_sign_in()
    from prefect.cli import app

    sys.argv[0] = "prefect"
    sys.exit(app())


if __name__ == "__main__":
    main()
