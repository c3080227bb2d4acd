"""The case reference in the authority's own shape (R-G1).

A reference names a case everywhere (the case run's name and parameters, every notice, the
calendar invitations), so it must never carry a person: ``Maryam.Okafor-2019-04-02`` or
``maryam.okafor@example.org`` is refused when a case is opened, whatever the command. The
shape is a setting, ``CPO_CASE_REFERENCE`` (a regular expression the whole reference must
match), with ``CPO_CASE_REFERENCE_EXAMPLE`` to show in a refusal; by default a prefix of
capitals and digits, an optional word of up to four capitals, then one to three numbers,
dash-separated: ``CP-2026-0042``, ``CP-DEMO-003``, ``BED-0001``.

A case already in the store keeps its reference: the check is made when a case is opened
(``domain.validation``), never when one is read back.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from domain.errors import DomainError, RejectedEvent

PATTERN_SETTING = "CPO_CASE_REFERENCE"
EXAMPLE_SETTING = "CPO_CASE_REFERENCE_EXAMPLE"
DEFAULT_PATTERN = r"[A-Z][A-Z0-9]{0,4}(-[A-Z]{1,4})?(-[0-9]{1,10}){1,3}"
DEFAULT_EXAMPLE = "CP-2026-0042"
# Whatever the authority's shape, what the store and a file's name keep (``domain.history``).
STORED = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./-]{0,63}")


class SettingError(DomainError):
    """A setting that cannot be used: the message names it and why."""


@dataclass(frozen=True)
class ReferenceShape:
    pattern: re.Pattern[str]
    example: str

    def fits(self, reference: str) -> bool:
        return bool(STORED.fullmatch(reference) and self.pattern.fullmatch(reference))

    @property
    def anchored(self) -> str:
        """The pattern as a JSON schema (a form) applies it: to the whole value."""
        return f"^(?:{self.pattern.pattern})$"


def reference_shape(environ: Mapping[str, str] | None = None) -> ReferenceShape:
    """The shape the settings give (``environ``: the process's environment by default)."""
    settings = os.environ if environ is None else environ
    given = settings.get(PATTERN_SETTING, "").strip()
    try:
        pattern = re.compile(given or DEFAULT_PATTERN)
    except re.error as error:
        raise SettingError(f"{PATTERN_SETTING}: not a regular expression ({error})") from None
    example = settings.get(EXAMPLE_SETTING, "").strip() or ("" if given else DEFAULT_EXAMPLE)
    return ReferenceShape(pattern, example)


def check_reference(reference: str, shape: ReferenceShape | None = None) -> None:
    """Refuse a new case's reference that is not in the authority's shape (R-G1)."""
    found = shape or reference_shape()
    if found.fits(reference):
        return
    like = f"like {found.example}; " if found.example else ""
    raise RejectedEvent(
        "reference",
        "R-G1",
        f"{reference!r} is not a case reference in this authority's shape ({like}the "
        f"setting {PATTERN_SETTING}): a reference names a case, never a person",
    )
