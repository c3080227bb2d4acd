"""The reports flow's decisions, with fakes for its two side effects: the report is written on
the month's first working day (England's bank holidays counted) or on demand, for the twelve
whole months before; and the artifact says where the file is, never what is in it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pytest

from flows.reports import monthly_report
from services.returns import Written, first_working_day_of_month, report_period
from tasks.reports import report_markdown


@dataclass
class FakeSteps:
    done: list[tuple[str, object]] = field(default_factory=list)

    def write(self, start: date, end: date, out: Path, moment: datetime, by: str) -> Written:
        self.done.append(("write", (start, end, out.name, by)))
        return Written("timeliness_report", out, "Timeliness", {"cases": 3, "obligations": 9})

    def publish(self, written: Written, start: date, end: date) -> None:
        self.done.append(("publish", written.path.name))


@pytest.mark.parametrize(
    ("day", "first"),
    [
        (date(2026, 12, 1), True),
        (date(2026, 12, 2), False),
        (date(2027, 1, 1), False),  # New Year's Day
        (date(2027, 1, 4), True),  # the Monday after it
        (date(2026, 8, 1), False),  # a Saturday
        (date(2026, 8, 3), True),
        (date(2027, 5, 4), True),  # 1 May a Saturday, 3 May a bank holiday
    ],
)
def test_the_first_working_day_of_the_month_counts_englands_bank_holidays(
    day: date, first: bool
) -> None:
    assert first_working_day_of_month(day) is first


def test_the_report_covers_the_twelve_whole_months_before() -> None:
    assert report_period(date(2026, 12, 1)) == (date(2025, 12, 1), date(2026, 11, 30))
    assert report_period(date(2027, 3, 15), months=3) == (date(2026, 12, 1), date(2027, 2, 28))


def test_a_scheduled_run_writes_on_the_first_working_day_and_says_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CPO_REPORTS_DIR", str(tmp_path))
    steps = FakeSteps()
    outcome = monthly_report("2027-01-04", 12, True, "reports-deployment", steps)
    assert steps.done == [
        ("write", (date(2026, 1, 1), date(2026, 12, 31), "timeliness-2026-12.html",
                   "reports-deployment")),
        ("publish", "timeliness-2026-12.html"),
    ]  # fmt: skip
    assert outcome == {
        "written": True, "path": str(tmp_path / "timeliness-2026-12.html"),
        "from": "2026-01-01", "to": "2026-12-31", "cases": 3, "obligations": 9,
    }  # fmt: skip


def test_a_scheduled_run_on_another_day_does_nothing_but_on_demand_always_writes() -> None:
    steps = FakeSteps()
    assert monthly_report("2027-01-05", 12, True, "x", steps) == {
        "written": False,
        "day": "2027-01-05",
    }
    assert steps.done == []
    monthly_report("2027-01-05", 12, False, "x", steps)
    assert [name for name, _ in steps.done] == ["write", "publish"]


def test_the_artifact_names_the_file_and_the_period_only(tmp_path: Path) -> None:
    written = Written("timeliness_report", tmp_path / "t.html", "T", {"cases": 3})
    text = report_markdown(written, date(2026, 1, 1), date(2026, 12, 31))
    assert str((tmp_path / "t.html").resolve()) in text
    assert "01 Jan 2026 to 31 Dec 2026" in text and "3 case(s)" in text
    assert "%" not in text  # no figures: the report stays in its file
