"""A back-dated manual step from the Prefect UI (R-G3): a visit made two working days ago,
entered after a later one, is recorded in its place in the case's story, the case is derived
again with it, and its recording lag shows on the case's timeline. On the ``make run``
stack, a real store: the step takes today from the clock, its ``on`` from the form.
"""

from __future__ import annotations

import json
import time
from datetime import date
from typing import Any

import pytest

from domain.profiles import calendar_for, load_profile
from tests.e2e.ui.conftest import SHOTS, Demo, browse, fill_step

pytestmark = pytest.mark.slow

# A mid-plan case (England's calendar, so never the demo's weeks-old case, CP-DEMO-002) that
# no other browser test records on.
REFERENCE = "CP-DEMO-026"


def case(demo: Demo) -> dict[str, Any]:
    return json.loads(demo.cpo("case", REFERENCE, "--json"))  # type: ignore[no-any-return]


def test_a_visit_typed_up_after_a_later_one_takes_its_place_and_the_case_is_derived_again(
    demo: Demo,
) -> None:
    from playwright.sync_api import sync_playwright

    found = case(demo)
    profile = json.loads(demo.cpo("cases", "--json"))
    [entry] = [c for c in profile if c["reference"] == REFERENCE]
    calendar = calendar_for(load_profile(entry["profile"]))
    today = date.today()
    earlier = calendar.subtract(calendar.previous_working_day(today), 2)
    demo.cpo("record", "visit", REFERENCE, "--json",
             json.dumps({"visitor": "sw", "children_seen": ["c1"]}))  # fmt: skip
    before = len(case(demo)["timeline"])
    assert before == len(found["timeline"]) + 1  # today's visit, recorded first
    visit = {"reference": REFERENCE, "on": earlier.isoformat(), "visitor": "sw",
             "children_seen": ["c1"], "seen_alone": ["c1"]}  # fmt: skip
    with sync_playwright() as playwright:
        browser, page = browse(playwright, demo, "admin")
        fill_step(demo, page, "record-visit", visit, "late-1-back-dated-visit")
        browser.close()
    deadline = time.monotonic() + 240
    after = case(demo)
    while time.monotonic() < deadline and len(after["timeline"]) == before:
        time.sleep(3)
        after = case(demo)
    while time.monotonic() < deadline and demo.case_runs()[REFERENCE]["state_type"] != "PAUSED":
        time.sleep(3)  # its run woken and asleep again: the tests after this one see it so
    late = after["timeline"][-1]  # last in the journal...
    assert (late["type"], late["on"]) == ("visit_made", earlier.isoformat())
    assert late["lag"] == calendar.between(earlier, today) > 0  # ... recorded days after
    seen_alone = [o for o in after["obligations"] if o["key"].startswith("R-T12:c1:")]
    assert earlier.isoformat() in {o["met_on"] for o in seen_alone}  # derived again with it
    assert f"R-T12:c1:{earlier.isoformat()}" in {o["key"] for o in seen_alone}
    assert (SHOTS / "late-1-back-dated-visit-form.png").exists()
