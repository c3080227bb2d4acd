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


# Prefect's Runs pages list only the past 7 days by default, on a run's start time (the old
# UI) or its expected start (the new one), and a case run keeps its first start across every
# wake: links that find a case, however old, carry a window of their own.
ALL_TIME_V1 = "type=span&seconds=-3153600000"  # the past 100 years
ALL_TIME_V2 = "start=2000-01-01T00:00:00.000Z&end=2100-01-01T00:00:00.000Z"


def case_link(reference: str, environ: Mapping[str, str] | None = None) -> str:
    """Every run of a case, whenever it started, on the Runs page (a link that outlives any
    one run: a healed case gets a new run). The old UI: its run page has the resume form."""
    return f"{ui_url(environ)}/runs?flow-run-search={quote(reference, safe='')}&{ALL_TIME_V1}"


def case_link_v2(reference: str, environ: Mapping[str, str] | None = None) -> str:
    """The same in Prefect's new UI."""
    search = quote(reference, safe="")
    return f"{ui_url(environ)}/v2/runs?flow-run-search={search}&{ALL_TIME_V2}"


def view_link(tag: str, environ: Mapping[str, str] | None = None) -> str:
    """The runs carrying ``tag`` (``open-case``, ``overdue:team-east``...), whenever they
    started, in the old UI (which combines tags as "all")."""
    return f"{ui_url(environ)}/runs?tag={quote(tag, safe='')}&{ALL_TIME_V1}"


def view_link_v2(tag: str, environ: Mapping[str, str] | None = None) -> str:
    """The same in the new UI (which combines tags as "any": one tag per view)."""
    return f"{ui_url(environ)}/v2/runs?tags={quote(tag, safe='')}&{ALL_TIME_V2}"


def run_link(flow_run_id: str, environ: Mapping[str, str] | None = None) -> str:
    """One flow run's page."""
    return f"{ui_url(environ)}/runs/flow-run/{flow_run_id}"
