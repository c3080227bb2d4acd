"""The case history file round-trips exactly."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from domain.history import dumps_history, load_history, loads_history
from domain.synthetic import synthetic_history
from tests.domain.builders import case, cg, icpc


@pytest.mark.parametrize("seed", [0, 1, 7, 42])
def test_a_history_file_round_trips_byte_for_byte(seed, tmp_path):
    text = dumps_history(synthetic_history(seed, f"CP-{seed:04d}"))
    path = tmp_path / "case.json"
    path.write_text(text, encoding="utf-8")
    assert dumps_history(load_history(path)) == text
    assert loads_history(text) == synthetic_history(seed, f"CP-{seed:04d}")


def test_the_format_is_a_header_and_typed_events_in_order():
    payload = json.loads(
        dumps_history(
            case(icpc("2026-12-01", "2026-12-08"), cg("2026-12-08", "cg-p0-1", "2027-01-05"))
        )
    )
    assert list(payload)[:3] == ["reference", "profile", "team"]
    assert [e["type"] for e in payload["events"]] == ["conference_held", "core_group_held"]
    assert payload["events"][1]["next_dates"] == ["2027-01-05"]


def test_an_unknown_event_type_is_refused_with_its_position():
    text = dumps_history(case(icpc("2026-12-01", "2026-12-08"))).replace(
        '"conference_held"', '"party_held"'
    )
    with pytest.raises(ValidationError, match=r"events\.0"):
        loads_history(text)


def test_an_unknown_field_is_refused():
    payload = json.loads(dumps_history(case(icpc("2026-12-01", "2026-12-08"))))
    payload["events"][0]["nickname"] = "x"
    with pytest.raises(ValidationError, match="nickname"):
        loads_history(json.dumps(payload))
