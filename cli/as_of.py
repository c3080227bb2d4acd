"""``--as-of`` for every ``cpo`` command: one reading of a date or date-time.

The same rules as the flows' (``flows/clock_source.py``): empty means now; a bare date
means midday in London, after every profile's business day has started; a date-time
without an offset is London time.
"""

from __future__ import annotations

from datetime import datetime

from cli.errors import BadInput
from flows.clock_source import as_of_moment


def parse_as_of(value: str | None) -> datetime:
    try:
        return as_of_moment(value)
    except ValueError as exc:
        raise BadInput(f"--as-of: {value!r} is not a date (YYYY-MM-DD) or date-time") from exc
