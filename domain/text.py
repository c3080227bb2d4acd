"""Free text as people type it: normalised, and never hiding what it says (R-G3).

Every text field is normalised to NFC when it is read (the same name typed on two keyboards
is the same name) and may never hold a NUL or another C0 control but a tab or a line break,
nor half of a surrogate pair: no store could keep those. When text is *recorded*, more is
refused (``hidden``): a bidirectional override that makes a line read differently from what
it holds, an invisible (zero-width, format) character, a C1 control, a line break in what
is one line. A journal written before that rule still loads: the check is made at recording
only (``domain.plausible``).
"""

from __future__ import annotations

import unicodedata

# Whitespace text may hold where it may run over several lines.
LINE_BREAKS = "\n"
TABS = "\t"
# Categories nobody types on purpose: controls (C0, DEL, C1), format characters (the
# bidirectional controls, zero-width spaces and joiners, the soft hyphen), surrogates,
# private use, unassigned code points, and the Unicode line and paragraph separators.
HIDDEN = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def normalised(value: str) -> str:
    """The text in NFC; refuses what no store can keep (ValueError names it)."""
    if value.isascii() and value.isprintable():  # most text: nothing to look at
        return value
    for character in value:
        code = ord(character)
        if (code < 32 and character not in "\t\n") or 0xD800 <= code <= 0xDFFF:
            raise ValueError(f"contains a control character ({_code(character)})")
    return unicodedata.normalize("NFC", value)


def hidden(value: str, multiline: bool) -> str | None:
    """What in ``value`` would hide what it says, in words; None if nothing does."""
    allowed = TABS + LINE_BREAKS if multiline else ""
    for character in value:
        if character in allowed or unicodedata.category(character) not in HIDDEN:
            continue
        return f"contains {_kind(character)} ({_code(character)})"
    return None


def _kind(character: str) -> str:
    if character in BIDI:
        return "a bidirectional control character, which makes text read otherwise than it is"
    category = unicodedata.category(character)
    if category == "Cc":
        return "a line break" if character in "\n\r" else "a control character"
    if category in ("Zl", "Zp"):
        return "a line break"
    if category == "Cf":
        return "an invisible (zero-width or format) character"
    return "a character that is not text"


def _code(character: str) -> str:
    return f"U+{ord(character):04X}"
