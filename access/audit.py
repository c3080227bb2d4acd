"""Who opened which case, in the store's append-only audit log (R-G2), and the store's word
on an acknowledgement before the UI sends it (R-E6).

Written before Prefect answers: if the audit cannot be written, the case is not shown (503).
The UI asks for an open run every few seconds; one entry per person, case and kind of view
every ``WINDOW_SECONDS`` is enough to say who looked, and keeps the log readable.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from functools import cached_property
from typing import Any

import anyio

log = logging.getLogger("cpo.access")
WINDOW_SECONDS = 600


class AuditUnavailable(RuntimeError):
    """The store could not take the audit entry: the view is refused."""


class AccessAudit:
    def __init__(self, store_url: str | None) -> None:
        self.store_url = store_url
        self._last: dict[tuple[str, str, str], float] = {}

    @cached_property
    def store(self) -> Any:
        from domain.store import CaseRepository, Database

        return CaseRepository(Database.from_url(self.store_url))

    async def opened(self, person: str, action: str, reference: str) -> None:
        if self.store_url is None:
            return
        key, now = (person, action, reference), time.monotonic()
        if now - self._last.get(key, -WINDOW_SECONDS) < WINDOW_SECONDS:
            return
        try:
            await anyio.to_thread.run_sync(self.store.record_audit, person, action, reference)
        except Exception as error:
            log.error("the access audit could not be written: %s", type(error).__name__)
            raise AuditUnavailable(str(type(error).__name__)) from error
        self._last[key] = now

    async def acknowledgement_refused(self, reference: str, person: str, key: str) -> str | None:
        """None if ``person`` may acknowledge ``key`` on the case now; else why not."""
        if self.store_url is None:
            return None
        from domain.errors import RejectedEvent
        from services.cases import check_acknowledger

        def check() -> str | None:
            try:
                check_acknowledger(self.store, reference, person, key, now_utc())
            except RejectedEvent as refused:
                return str(refused)
            return None

        return await anyio.to_thread.run_sync(check)


def now_utc() -> datetime:
    from datetime import UTC

    return datetime.now(UTC)
