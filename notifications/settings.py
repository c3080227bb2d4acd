"""The notifications' settings, read from the environment: light to import (no apprise), so
a command that only needs to name them stays quick."""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import quote

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


UI_URL_ENV = "CPO_UI_URL"  # the Prefect UI people open, for links in notices and artifacts
DEFAULT_UI_URL = "http://127.0.0.1:4200"


def ui_url(environ: Mapping[str, str] | None = None) -> str:
    return (os.environ if environ is None else environ).get(UI_URL_ENV, DEFAULT_UI_URL).rstrip("/")


def case_link(reference: str, environ: Mapping[str, str] | None = None) -> str:
    """Every run of a case on the Runs page (a link that outlives any one run)."""
    return f"{ui_url(environ)}/runs?flow-run-search={quote(reference, safe='')}"


def run_link(flow_run_id: str, environ: Mapping[str, str] | None = None) -> str:
    """One flow run's page."""
    return f"{ui_url(environ)}/runs/flow-run/{flow_run_id}"
