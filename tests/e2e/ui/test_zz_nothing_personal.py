"""R-G1 after everything the other browser tests did on the ``make run`` stack: nothing
Prefect holds names a child or a member. Its file sorts last in the package on purpose: it
scans what the demo, the manual steps and the resume forms left behind.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.ui.conftest import Demo

pytestmark = pytest.mark.slow


def personal_strings(clone: Path) -> set[str]:
    """Every name, contact and date of birth the demo store holds (R-G1), and the children's
    ids of the authority, but not a date some case also records as an event's day."""
    from domain.store import CaseRepository, Database

    database = Database.from_url(f"sqlite:///{clone / '.cpo' / 'cases.sqlite3'}")
    personal: set[str] = set()
    days: set[str] = set()
    for record in CaseRepository(database).case_records():
        for event in record.history.events:
            days.add(event.on.isoformat())
            for person in [*getattr(event, "members", ()), *getattr(event, "children", ())]:
                personal |= {getattr(person, "name", ""), getattr(person, "contact", "")}
                if getattr(person, "date_of_birth", None):
                    personal.add(person.date_of_birth.isoformat())
        for facts in record.facts:
            personal.add(facts.la_child_id)
            for born in (facts.date_of_birth, facts.expected_birth_date):
                if born is not None:
                    personal.add(born.isoformat())
    database.dispose()
    # The demo's people: their names and e-mails stay at the identity provider (R-G1).
    from scripts.identity_provider import DEMO_USERS

    personal |= {user.name for user in DEMO_USERS}
    personal |= {f"{user.login}@demo.invalid" for user in DEMO_USERS}
    return {text for text in personal if len(text) >= 4} - days


def test_nothing_prefect_holds_names_a_child_or_a_member_after_every_step(demo: Demo) -> None:
    """R-G1: run names, parameters, tags, state messages, artifacts, logs, events, variables,
    deployments and blocks carry case references and ids only. Runs last in this package:
    after the demo, the manual steps and the resume form the tests above took."""
    personal = personal_strings(demo.clone)
    assert len(personal) > 40  # the demo's children and families have invented details
    held: dict[str, object] = {
        "flow runs": demo.every("/flow_runs/filter"),
        "task runs": demo.every("/task_runs/filter"),
        "artifacts": demo.every("/artifacts/filter"),
        "logs": demo.every("/logs/filter"),
        "deployments": demo.every("/deployments/filter"),
        "variables": demo.every("/variables/filter"),
        "blocks": demo.every("/block_documents/filter"),
        "automations": demo.post("/automations/filter", {}),
    }
    page = demo.post("/events/filter", {"limit": 50})
    events = list(page["events"])  # type: ignore[call-overload]
    while page["next_page"]:  # type: ignore[call-overload]
        page = demo.get(str(page["next_page"]))  # type: ignore[call-overload]
        events += page["events"]
    held["events"] = events
    assert len(held["flow runs"]) >= 40 and len(held["logs"]) > 100 and len(events) > 100  # type: ignore[arg-type]
    for kind, rows in held.items():
        text = json.dumps(rows)
        leaked = sorted(found for found in personal if found in text)
        assert not leaked, f"{kind} hold personal data: {leaked[:5]}"
