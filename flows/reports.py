"""The monthly timeliness report: on the first working day of each month (prefect.yaml runs
it at 07:00 London on days 1 to 7, and it goes on only on the first working day, England's
bank holidays counted) and on demand from the UI.

It covers the twelve whole months before the month it runs in, writes the report's file
(``CPO_REPORTS_DIR``, for its owner only) through ``services.returns``, and publishes an
artifact saying where the file is. Only dates, counts and the file's path pass through
Prefect; never a child (R-G1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from pydantic.json_schema import SkipJsonSchema

from flows.clock_source import as_of_moment
from services.returns import (
    REPORT_MONTHS,
    Written,
    first_working_day_of_month,
    report_period,
    reports_folder,
)
from tasks.reports import publish_report_artifact, write_timeliness_report


class ReportSteps(Protocol):
    def write(self, start: date, end: date, out: Path, moment: datetime, by: str) -> Written: ...
    def publish(self, written: Written, start: date, end: date) -> None: ...


@dataclass(frozen=True)
class PrefectSteps:
    def write(self, start: date, end: date, out: Path, moment: datetime, by: str) -> Written:
        return write_timeliness_report(start, end, out, moment, by)

    def publish(self, written: Written, start: date, end: date) -> None:
        publish_report_artifact(written, start, end)


def monthly_report(
    as_of: str | None, months: int, scheduled: bool, requested_by: str, steps: ReportSteps
) -> dict[str, object]:
    """What one run does; a scheduled run on any other day than the month's first working
    day does nothing."""
    moment = as_of_moment(as_of)
    day = moment.date()
    if scheduled and not first_working_day_of_month(day):
        return {"written": False, "day": day.isoformat()}
    start, end = report_period(day, months)
    out = reports_folder() / f"timeliness-{end:%Y-%m}.html"
    written = steps.write(start, end, out, moment, requested_by)
    steps.publish(written, start, end)
    return {
        "written": True, "path": str(written.path), "from": start.isoformat(),
        "to": end.isoformat(), **written.counts,
    }  # fmt: skip


def report_name() -> str:
    return f"reports-{as_of_moment(flow_run.parameters.get('as_of')):%Y-%m-%d}"


@flow(name="reports", flow_run_name=report_name, persist_result=False)
def reports(
    as_of: str | None = None,
    months: int = REPORT_MONTHS,
    scheduled: bool = False,
    # Who asked: the schedule, or the person signed in (stamped by the sign-in layer, never
    # on the form).
    requested_by: SkipJsonSchema[str] = "reports-deployment",
) -> dict[str, object]:
    """The timeliness report for the ``months`` whole months before ``as_of``'s month (ISO
    date, Europe/London; empty means now). ``scheduled``: only on the month's first working
    day (what the schedule sets)."""
    outcome = monthly_report(as_of, months, scheduled, requested_by, PrefectSteps())
    logger = get_run_logger()
    if outcome["written"]:
        logger.info("Timeliness report written to %s", outcome["path"])
    else:
        logger.info("Not the first working day of the month: no report today.")
    return outcome
