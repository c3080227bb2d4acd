"""Saved views of the case runs in the Prefect UI: what operations staff open every morning,
whatever each case run's start time.

Prefect's Runs pages show the past 7 days by default, on a run's start time (the old UI) or
its expected start (the new one), and a case run keeps its first start across every wake: a
case opened eight days ago falls off the default list. Each view here carries a window of a
hundred years and filters by one of the tags the case runs carry (``services/run_labels.py``):
every open case, the overdue ones, those due this week, and each team's overdue cases; the
clock's runs carry none of these tags, so they stay out of the way.

- The old UI keeps saved searches on the server: ``install_views`` saves one per view (its
  Runs page's saved-filter menu lists them), replacing any of the same name.
- The new UI keeps saved filters in each browser only: the same views are its links
  (``notifications.settings.view_link_v2``), in the README and the caseload overview.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from notifications.settings import ALL_TIME_V1

SPAN_SECONDS = int(ALL_TIME_V1.rsplit("=", 1)[1])


def views(teams: Iterable[str]) -> dict[str, str]:
    """Each view's name and the one tag it shows."""
    found = {
        "Open cases": "open-case",
        "Overdue cases": "overdue",
        "Cases due this week": "due-this-week",
    }
    for team in sorted(teams):
        found[f"{team}: overdue cases"] = f"overdue:{team}"
        found[f"{team}: due this week"] = f"due-this-week:{team}"
    return found


def saved_search(name: str, tag: str) -> dict[str, Any]:
    """The old UI's saved search: its filters as the UI itself saves them."""
    return {
        "name": name,
        "filters": [
            {"object": "flowRun", "property": "tag", "type": "", "operation": "",
             "value": [tag]},
            {"object": "flowRun", "property": "range", "type": "", "operation": "",
             "value": {"type": "span", "seconds": SPAN_SECONDS}},
        ],
    }  # fmt: skip


async def install_views(client: Any, teams: Iterable[str]) -> list[str]:
    """Save every view in the old UI (``client``: Prefect's async client); returns the names."""
    found = (await client._client.post("/saved_searches/filter", json={"limit": 200})).json()
    ours = views(teams)
    for old in found:
        if old["name"] in ours:
            await client._client.delete(f"/saved_searches/{old['id']}")
    for name, tag in ours.items():
        response = await client._client.put("/saved_searches/", json=saved_search(name, tag))
        response.raise_for_status()
    return list(ours)
