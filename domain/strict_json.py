"""JSON from outside (a case history file, an event on the command line, a child's facts),
read strictly, so what reaches the models is exactly what the person wrote (R-G3):

- UTF-8 text (a byte-order mark is allowed), at most ``MAX_BYTES``;
- a key given twice in one object is refused: the standard library keeps the last one
  silently, so ``{"on": "2026-12-01", "on": "2031-01-01"}`` would record a day nobody saw;
- ``NaN`` and ``Infinity`` are refused (not JSON, though Python reads them);
- nesting at most ``MAX_DEPTH`` deep: no file of ours nests deeper than a dozen, and 60,000
  nested brackets must be an error, not a crash.

Every refusal is a ``BadJson`` whose message says what is wrong and where.
"""

from __future__ import annotations

import json
from typing import Any

MAX_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 32


class BadJson(ValueError):
    """Input that is not the JSON it should be: the message says why, in one line."""


def decode(raw: bytes) -> str:
    """UTF-8 text from ``raw`` (with or without a byte-order mark)."""
    if len(raw) > MAX_BYTES:
        raise BadJson(f"larger than {MAX_BYTES // (1024 * 1024)} MiB")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadJson(f"not UTF-8 text (byte {error.start}: {raw[error.start]:#04x})") from None


def loads(text: str) -> Any:
    """The value ``text`` holds, read strictly (see the module's docstring)."""
    if len(text) > MAX_BYTES:
        raise BadJson(f"larger than {MAX_BYTES // (1024 * 1024)} MiB")
    try:
        found = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise BadJson(f"not valid JSON ({error.msg}, line {error.lineno})") from None
    except RecursionError:
        raise BadJson(f"nested more than {MAX_DEPTH} deep") from None
    except BadJson:
        raise
    except ValueError:  # Python refuses to read an integer of more than 4,300 digits
        raise BadJson("not valid JSON (a number too long to read)") from None
    _depth(found)
    return found


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise BadJson(f"the key {key!r} appears twice in one object: give each key once")
        found[key] = value
    return found


def _no_constant(name: str) -> Any:
    raise BadJson(f"{name} is not a JSON number")


def _depth(value: Any) -> None:
    """Refuse nesting deeper than ``MAX_DEPTH`` (level by level: no recursion to overflow)."""
    level = [value] if isinstance(value, dict | list) else []
    depth = 0
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            raise BadJson(f"nested more than {MAX_DEPTH} deep")
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]
