"""The notifications' settings, read from the environment: light to import (no apprise), so
a command that only needs to name them stays quick."""

from __future__ import annotations

import os
from collections.abc import Mapping

CONFIG_ENV = "CPO_NOTIFY_CONFIG"  # the apprise YAML file: routes by role and team
HOUR_ENV = "CPO_DIGEST_HOUR"  # when the team managers' daily digest goes, Europe/London
DEFAULT_HOUR = 8


def digest_hour(environ: Mapping[str, str] | None = None) -> int:
    """The hour (0-23, Europe/London) from ``CPO_DIGEST_HOUR``; a bad value is an error."""
    raw = (os.environ if environ is None else environ).get(HOUR_ENV, "").strip()
    if not raw:
        return DEFAULT_HOUR
    if not raw.isdigit() or not 0 <= int(raw) <= 23:
        raise ValueError(f"{HOUR_ENV}={raw!r}: give an hour from 0 to 23 (Europe/London)")
    return int(raw)
