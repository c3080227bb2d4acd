"""What an entry must be when it is recorded, beyond its shape (R-G1, R-G3).

Checked of the events being recorded only (a file imported or validated, a manual step, a
case opened: ``check_entries``), never again of an event already in the journal, nor by the
returns, so a rule added here never stops a case in the store from loading or waking:

- **the reference is in the authority's shape** when a case is opened
  (``domain.references``), and **ids are opaque** (``OPAQUE_ID_PATTERN``): a name cannot
  pass as a member's, a child's or a meeting's id, so it cannot reach a notice, a run's
  parameters or a log (R-G1). An id the case's journal already names (recorded before the
  rule) may still be named;
- **text hides nothing** (``domain.text.hidden``): no bidirectional override, no invisible
  character, no control character, no line break in what is one line;
- **days are plausible**: no event before the calendar's first year or in its last; a day an
  event names (a next core group, an action's due date, the strategy discussion) within a
  year of the day it happened; a child on a plan born at most 18 years before the conference
  and no later than it (a pre-birth conference: within 40 weeks after it).
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from domain.calendar import FIRST_YEAR, LAST_YEAR
from domain.errors import RejectedEvent
from domain.events import (
    OPAQUE_ID_PATTERN,
    OPAQUE_ID_RULE,
    ConferenceHeld,
    ConferenceKind,
    Event,
    _Kind,
)
from domain.history import CaseHistory
from domain.references import check_reference
from domain.text import hidden

FIRST_DAY = date(FIRST_YEAR, 1, 1)
LAST_DAY = date(LAST_YEAR - 1, 12, 31)  # a year of deadlines after it stays in the calendar
A_YEAR = timedelta(days=366)
PREGNANCY = timedelta(days=280)  # 40 weeks (CIN 8606)
CHILDHOOD_YEARS = 18  # R-LC2a: a plan ends when the child turns 18
OPAQUE_ID = re.compile(OPAQUE_ID_PATTERN)

Leaf = tuple[str, str, Any]  # where, what kind ("id", "line", "text", "day"), the value


def check_entries(history: CaseHistory, new_from: int = 0) -> None:
    """Refuse the events being recorded (from ``new_from``) whose ids, text or days are not
    plausible, or a new case whose reference is not in the authority's shape; the refusal
    names the event's index, the field and the rule."""
    events = history.events
    if new_from == 0:
        check_reference(history.reference)
    known: set[str] | None = None
    for index, event in enumerate(events[new_from:], start=new_from):
        for where, kind, value in leaves(event):
            if kind == "id" and not OPAQUE_ID.fullmatch(value):
                known = known if known is not None else known_ids(events[:new_from])
                if value not in known:
                    raise RejectedEvent(where, "R-G1", f"{value!r} is not an opaque id: "
                                        f"{OPAQUE_ID_RULE}", index)  # fmt: skip
            problem = hidden(value, kind == "text") if kind in ("line", "text") else None
            if problem is not None:
                raise RejectedEvent(where, "R-G3", problem, index)
            if kind == "day":
                _plausible_day(event, where, value, index)


def known_ids(events: Sequence[Event]) -> set[str]:
    """Every id the case's journal already names: a case recorded before ids had to be
    opaque goes on naming its members, children and meetings as it did."""
    return {value for event in events for _, kind, value in leaves(event) if kind == "id"}


def refuse_the_future(events: tuple[Event, ...], today: date, new_from: int = 0) -> None:
    """R-G3: nothing is recorded as having happened after today (one event dated in 2062
    would make every real event after it look out of order, and lock the case). Only the
    events being recorded, from ``new_from``: a view of the past is not a recording."""
    if not events:
        raise RejectedEvent("events", "R-LC1", "a case opens with its initial conference")
    for index, event in enumerate(events[new_from:], start=new_from):
        if event.on > today:
            raise RejectedEvent(
                "on", "R-G3", f"{event.on} is after today ({today}): record it on its day", index
            )


def _plausible_day(event: Event, where: str, value: date, index: int) -> None:
    day = value.date() if isinstance(value, datetime) else value
    if where == "on":
        if not FIRST_DAY <= day <= LAST_DAY:
            raise RejectedEvent("on", "R-G3", f"{day} is not a day this system can plan for "
                                f"({FIRST_DAY} to {LAST_DAY}): check the year", index)  # fmt: skip
    elif where.endswith("date_of_birth"):
        assert isinstance(event, ConferenceHeld)  # only a conference names a child's birth
        _plausible_birth(event, where, day, index)
    elif abs(day - event.on) > A_YEAR:
        raise RejectedEvent(
            where, "R-G3", f"{day} is more than a year from the day recorded ({event.on}): "
            "check the year", index,
        )  # fmt: skip


def _plausible_birth(event: ConferenceHeld, where: str, born: date, index: int) -> None:
    earliest = years_before(event.on, CHILDHOOD_YEARS)
    if born <= earliest:
        raise RejectedEvent(where, "R-LC2a", f"born {born}, the child would be 18 or over at "
                            f"the conference on {event.on}: a plan is for a child under 18",
                            index)  # fmt: skip
    unborn = event.kind is ConferenceKind.PRE_BIRTH
    latest = event.on + PREGNANCY if unborn else event.on
    if born > latest:
        why = (
            "more than 40 weeks after the pre-birth conference"
            if unborn
            else ("after the conference: only a pre-birth conference plans for an unborn child")
        )
        raise RejectedEvent(where, "R-G3", f"born {born}: {why}", index)


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def leaves(model: BaseModel, prefix: str = "") -> Iterator[Leaf]:
    """Every id, text and day ``model`` holds, with where it is (``children.id``)."""
    for name, annotation, kind in _fields(type(model)):
        yield from _walk(prefix + name, annotation, kind, getattr(model, name))


@cache
def _fields(model: type[BaseModel]) -> tuple[tuple[str, Any, str | None], ...]:
    return tuple(
        (name, field.annotation, next((m.name for m in field.metadata if isinstance(m, _Kind)),
                                      None))
        for name, field in model.model_fields.items()
    )  # fmt: skip


def _walk(where: str, annotation: Any, kind: str | None, value: Any) -> Iterator[Leaf]:
    if value is None:
        return
    if isinstance(value, BaseModel):
        yield from leaves(value, where + ".")
    elif isinstance(value, tuple | list):
        item = _item(annotation, 0)
        for element in value:
            yield from _walk(where, item, _mark(item), element)
    elif isinstance(value, dict):
        keys, values = _item(annotation, 0), _item(annotation, 1)
        for key, element in value.items():
            yield from _walk(where, keys, _mark(keys), key)
            yield from _walk(where, values, _mark(values), element)
    elif isinstance(value, date):
        yield where, "day", value
    elif isinstance(value, str):
        found = kind or _mark(annotation)
        if found is not None:
            yield where, found, value


def _mark(annotation: Any) -> str | None:
    """The kind marked on ``annotation`` (through ``Annotated`` and ``X | None``)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *metadata = get_args(annotation)
        found = next((m.name for m in metadata if isinstance(m, _Kind)), None)
        return found or _mark(base)
    if origin in (Union, types.UnionType):
        return next((m for m in map(_mark, get_args(annotation)) if m is not None), None)
    return None


def _item(annotation: Any, position: int) -> Any:
    """The type of a container's items (``tuple[X, ...]``: X; ``dict[K, V]``: K or V)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _item(get_args(annotation)[0], position)
    if origin in (Union, types.UnionType):
        containers = [a for a in get_args(annotation) if get_origin(a) is not None]
        return _item(containers[0], position) if containers else Any
    arguments = get_args(annotation)
    return arguments[position] if len(arguments) > position else Any
