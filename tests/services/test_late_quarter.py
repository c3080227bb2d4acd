"""The short version of ``python -m scripts.late_quarter``: weeks of the demo caseload with a
third of its events recorded 1 to 5 working days late, delivered to a webhook on 127.0.0.1.
No notice is sent twice and no rung after the entry that met it (R-E1, R-G3)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from scripts.late_quarter import failures, run


def test_weeks_of_late_entries_send_nothing_twice_and_no_rung_after_its_entry(
    tmp_path: Path,
) -> None:
    figures = run(days=15, start=date(2027, 1, 4), share=1 / 3, seed=7, folder=tmp_path)
    assert failures(figures) == []
    assert figures.late >= figures.events // 5  # late entries were made...
    assert figures.sent_then_met_late > 0  # ... some after their obligation's rung went out
    assert figures.delivered > 100 and figures.posts == figures.delivered
