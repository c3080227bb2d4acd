"""The store's own settings (table ``store_settings``, migration 0007), each written once.

``mode``: a store is **real** unless marked as a **simulation**'s when it was made (``cpo db
upgrade --simulation`` on an empty store, ``cpo simulate``'s copy, the tests' stores). On a
real store every record, import and manual step takes today from the clock, whatever
``as_of`` it is given (R-G3: nothing is recorded as having happened after today, and when a
thing was recorded comes from the clock); on a simulation's, ``as_of`` is the simulation's
day, so a two-year case can be played in seconds.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.exc import DBAPIError

from domain.store.database import Database
from domain.store.errors import StoreError
from domain.store.tables import CaseRow, StoreSettingRow

MODE = "mode"
SIMULATION = "simulation"


def is_simulation(database: Database) -> bool:
    """Whether the store is marked as a simulation's (an older store without the table is
    real)."""
    try:
        with database.reading() as session:
            found = session.scalar(select(StoreSettingRow.value).where(StoreSettingRow.key == MODE))
    except DBAPIError:
        return False
    return found == SIMULATION


def mark_simulation(database: Database, now: datetime, *, copy: bool = False) -> None:
    """Mark the store as a simulation's. Only an empty store may be marked, or ``copy``: a copy
    made for a simulation (``cpo simulate``), which is never the record itself."""
    if is_simulation(database):
        return
    with database.writing() as session:
        cases = session.scalar(select(func.count()).select_from(CaseRow)) or 0
        if cases and not copy:
            raise StoreError(
                f"this store holds {cases} case(s): a real store is never made a simulation's "
                "(cpo simulate works on a copy)"
            )
        session.execute(insert(StoreSettingRow).values(key=MODE, value=SIMULATION, set_at=now))
