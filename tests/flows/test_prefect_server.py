"""The embedded Prefect server's SQLite transactions (``scripts/prefect_server.py``).

Two transactions that each read then write, interleaved as a UI request and a waking case
run are on the demo stack: as Prefect ships (``BEGIN DEFERRED``), the one that read first
fails at once with "database is locked" (the API's 503); with the write lock taken up
front, the second waits its turn and both are written.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa
from prefect.server.database import configurations

from scripts.prefect_server import take_write_lock_up_front


async def interleaved(url: str) -> list[BaseException | None]:
    config = configurations.AioSqliteConfiguration(connection_url=url)
    engine = await config.engine()
    async with engine.begin() as connection:
        await connection.execute(sa.text("CREATE TABLE IF NOT EXISTS runs (name TEXT)"))
    first_read = asyncio.Event()
    second_done = asyncio.Event()

    async def first() -> None:
        session = await config.session(engine)
        async with session, config.begin_transaction(session):
            await session.execute(sa.text("SELECT count(*) FROM runs"))
            first_read.set()
            # The other writer commits here, or is made to wait for this one.
            with_timeout = asyncio.wait_for(second_done.wait(), timeout=0.5)
            await asyncio.gather(with_timeout, return_exceptions=True)
            await session.execute(sa.text("INSERT INTO runs VALUES ('ui')"))

    async def second() -> None:
        await first_read.wait()
        session = await config.session(engine)
        try:
            async with session, config.begin_transaction(session):
                await session.execute(sa.text("SELECT count(*) FROM runs"))
                await session.execute(sa.text("INSERT INTO runs VALUES ('wake')"))
        finally:
            second_done.set()

    outcomes = await asyncio.gather(first(), second(), return_exceptions=True)
    async with engine.connect() as connection:
        written = (await connection.execute(sa.text("SELECT count(*) FROM runs"))).scalar()
    await engine.dispose()
    assert written == sum(outcome is None for outcome in outcomes)
    return [outcome if isinstance(outcome, BaseException) else None for outcome in outcomes]


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A SQLite file, and Prefect's SQLite configuration as shipped again after the test
    (the launcher patches the class for good)."""
    sqlite = configurations.AioSqliteConfiguration
    monkeypatch.setattr(sqlite, "begin_transaction", sqlite.begin_transaction)
    return f"sqlite+aiosqlite:///{tmp_path / 'prefect.db'}"


def test_as_prefect_ships_the_transaction_that_read_first_fails_at_once(database: str) -> None:
    outcomes = asyncio.run(interleaved(database))
    assert outcomes[1] is None
    assert "database is locked" in str(outcomes[0])


def test_with_the_write_lock_up_front_both_transactions_are_written(database: str) -> None:
    take_write_lock_up_front()
    take_write_lock_up_front()  # twice is once
    assert asyncio.run(interleaved(database)) == [None, None]


def test_the_server_command_serves_prefect_behind_sign_in_and_its_own_client_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The app ``prefect server start`` serves (``final=True``) is wrapped in the sign-in layer;
    the server's in-process client (automations' actions) gets Prefect's own app."""
    from prefect.server.api import server

    from access.gateway import Gateway
    from scripts.prefect_server import behind_sign_in

    monkeypatch.setattr(server, "create_app", server.create_app)
    monkeypatch.delenv("CPO_OIDC_ISSUER", raising=False)
    behind_sign_in()
    behind_sign_in()  # twice is once
    assert isinstance(server.create_app(final=True, ignore_cache=True), Gateway)
    assert not isinstance(server.create_app(ignore_cache=True), Gateway)
