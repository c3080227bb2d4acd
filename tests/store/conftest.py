"""The repository under test, on whichever backend ``db_url`` is parametrised with."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.store.database import Database
from domain.store.repository import CaseRepository

RECORDED_AT = datetime(2025, 3, 4, 10, 30, tzinfo=UTC)


@pytest.fixture
def repository(database: Database) -> CaseRepository:
    return CaseRepository(database, clock=lambda: RECORDED_AT)
