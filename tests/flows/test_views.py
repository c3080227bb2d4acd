"""The saved views of the case runs: one tag each, a window of a hundred years, as the old
UI's Runs page saves a search (its filters read back into the page's own filter)."""

from __future__ import annotations

from flows.views import saved_search, views


def test_each_view_is_one_tag_and_each_team_has_its_overdue_and_due_this_week() -> None:
    found = views(["team-east", "team-west"])
    assert found["Open cases"] == "open-case" and found["Overdue cases"] == "overdue"
    assert found["team-east: overdue cases"] == "overdue:team-east"
    assert found["team-west: due this week"] == "due-this-week:team-west"
    assert len(found) == 3 + 2 * 2


def test_a_saved_search_filters_by_its_tag_over_a_hundred_years() -> None:
    search = saved_search("Open cases", "open-case")
    by_property = {f["property"]: f["value"] for f in search["filters"]}
    assert by_property == {"tag": ["open-case"], "range": {"type": "span", "seconds": -3153600000}}
    assert all(f["object"] == "flowRun" for f in search["filters"])
