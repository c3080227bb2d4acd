"""Use cases: the sector's returns and the timeliness report, written once for ``cpo returns``
and the ``reports`` flow.

Each reads every case from the store (``CaseRepository.case_records``, a batch at a time),
builds its file with ``returns/``, writes it for its owner only (0600) and records in the
audit log who wrote what, when and which file, with the file's digest (R-G2). What a caller
gets back (``Written``) is all Prefect may ever hold: the kind, the path, the period and
counts, the cases it could not read; never a child, not even an id (R-G1).
"""

from __future__ import annotations

import hashlib
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from importlib import metadata
from pathlib import Path

import platformdirs

from domain.calendar import calendar_of
from domain.people import person_id
from domain.store import CaseRepository
from domain.store.private_files import open_private
from domain.timescales import LONDON, add_months
from returns.annex_a import list7, write_csv, write_xlsx
from returns.cin_census import CensusYear, census
from returns.cin_xml import purpose, write_census
from returns.plans import Note, Skipped, all_plans
from returns.reconcile import extract_year, read_extract, reconcile
from returns.reconcile_report import render_html
from returns.reconcile_report import write_csv as write_reconciliation_csv
from returns.report import render_report
from returns.timeliness import Timeliness, timeliness

CIN_CENSUS, ANNEX_A, TIMELINESS = "cin_census", "annex_a_list7", "timeliness_report"
RECONCILIATION = "census_reconciliation"
REPORT_MONTHS = 12
REPORTS_DIR_ENV = "CPO_REPORTS_DIR"


def reports_folder() -> Path:
    """Where the monthly reports go: ``CPO_REPORTS_DIR``, else the user's data folder."""
    found = os.environ.get(REPORTS_DIR_ENV)
    return Path(found) if found else Path(platformdirs.user_data_dir("cpo")) / "reports"


@dataclass(frozen=True)
class Written:
    kind: str
    path: Path
    subject: str
    counts: dict[str, int]
    without_facts: tuple[tuple[str, str], ...] = ()  # (case, child id): record their facts
    skipped: tuple[str, ...] = ()  # cases whose history no longer validates
    detail: dict[str, object] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()  # by case and child id: what the file could not say for sure
    said: str = ""  # what the file is, as it says of itself


def release() -> str:
    try:
        return metadata.version("cp-orchestrator")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def write_cin_census(
    store: CaseRepository,
    year: str,
    out: Path,
    *,
    la_code: str,
    requested_by: str,
    generated_at: datetime,
    provisional: bool = False,
    placeholders: bool = False,
) -> Written:
    """The CIN census's child protection modules for ``year`` (``2026-27``). A year that has
    not ended is refused unless asked for as ``provisional`` (what is known today); the
    referral's fields are filled only with ``placeholders``, and the file says so."""
    person_id(requested_by, "requested_by")  # refused before a file of personal data exists
    census_year = CensusYear.parse(year)
    today = generated_at.astimezone(LONDON).date()
    if today <= census_year.end and not provisional:
        raise ValueError(
            f"the census year {census_year.label} ends on {census_year.end}: "
            "ask for it as provisional (--provisional)"
        )
    as_of = min(today, census_year.end)
    found = census(all_plans(store.case_records(), as_of), census_year, as_of)
    subject = f"CIN census {census_year.label}" + (" (provisional)" if found.provisional else "")
    serial = 1 + sum(e.subject == subject for e in store.audit_log(CIN_CENSUS, limit=10_000))
    with open_private(out) as handle:
        write_census(
            found, handle, la_code=la_code, serial=serial,
            generated_at=generated_at.astimezone(LONDON), release=release(),
            placeholders=placeholders,
        )  # fmt: skip
    counts = {"children": len(found.children), "plans": found.plans,
              "other_nations": found.other_nations}  # fmt: skip
    written = _recorded(
        store, CIN_CENSUS, out, subject, counts, found.without_facts, found.skipped, requested_by
    )
    return replace(written, notes=tuple(found.notes), said=purpose(found, placeholders))


def reconcile_census(
    store: CaseRepository,
    extract: Path,
    out: Path,
    *,
    requested_by: str,
    generated_at: datetime,
) -> Written:
    """The authority's census extract beside this record, child by child: every difference
    with both values, as CSV (``out``) and an HTML page beside it (``out`` with ``.html``),
    each written for its owner only and audited."""
    if out.suffix.lower() != ".csv":
        raise ValueError(f"{out.name}: the differences are written as .csv (and .html beside)")
    try:
        with extract.open("rb") as source:
            year = extract_year(source)
        today = generated_at.astimezone(LONDON).date()
        as_of = min(today, year.end)
        found = census(all_plans(store.case_records(), as_of), year, as_of)
        with extract.open("rb") as source:
            result = reconcile(read_extract(source), found)
    except ET.ParseError as error:
        raise ValueError(f"{extract.name}: not a CIN census XML file ({error})") from error
    with open_private(out) as handle:
        write_reconciliation_csv(result, handle)
    page = out.with_suffix(".html")
    html = render_html(result, extract.name, generated_at.astimezone(LONDON))
    with open_private(page) as handle:
        handle.write(html.encode("utf-8"))
    counts = {"children": result.children_compared, "differences": len(result.differences)}
    subject = f"CIN census {year.label} reconciled with {extract.name}"
    written = _recorded(
        store, RECONCILIATION, out, subject, counts, found.without_facts, found.skipped,
        requested_by,
    )  # fmt: skip
    return replace(written, notes=tuple(found.notes), said=f"the page: {page}")


def write_annex_a(store: CaseRepository, as_of: date, out: Path, *, requested_by: str) -> Written:
    """Annex A List 7 as of ``as_of``: CSV or workbook, by the file's suffix."""
    person_id(requested_by, "requested_by")
    writer = {".csv": write_csv, ".xlsx": write_xlsx}.get(out.suffix.lower())
    if writer is None:
        raise ValueError(f"{out.name}: Annex A is written as .csv or .xlsx")
    found = list7(all_plans(store.case_records(), as_of), as_of)
    with open_private(out) as handle:
        writer(found, handle)
    counts = {"rows": len(found.rows), "other_nations": found.other_nations}
    subject = f"Annex A List 7 as of {as_of.isoformat()}"
    written = _recorded(
        store, ANNEX_A, out, subject, counts, found.without_facts, found.skipped, requested_by
    )
    return replace(written, notes=tuple(found.notes))


def read_timeliness(
    store: CaseRepository, start: date, end: date, as_of: date | None = None
) -> Timeliness:
    """The figures as known on ``as_of`` (the report's day): nothing due after it is owed."""
    return timeliness(store.case_records(recorded_at=True), start, end, as_of)


def write_timeliness_report(
    store: CaseRepository,
    start: date,
    end: date,
    out: Path,
    *,
    requested_by: str,
    generated_at: datetime,
    figures: Timeliness | None = None,
) -> Written:
    """The timeliness report (HTML with its charts) for obligations due in the period
    (``figures``: already read for it)."""
    person_id(requested_by, "requested_by")
    figures = figures or read_timeliness(store, start, end, generated_at.astimezone(LONDON).date())
    with open_private(out) as handle:
        handle.write(render_report(figures, generated_at.astimezone(LONDON)).encode("utf-8"))
    subject = f"Timeliness {start.isoformat()} to {end.isoformat()}"
    counts = {"cases": figures.cases, "obligations": sum(t.owed for t in figures.tallies.values())}
    return _recorded(store, TIMELINESS, out, subject, counts, (), figures.skipped, requested_by)


def _recorded(
    store: CaseRepository,
    kind: str,
    out: Path,
    subject: str,
    counts: dict[str, int],
    without_facts: list[tuple[str, str]] | tuple[()],
    skipped: list[Skipped],
    requested_by: str,
) -> Written:
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    detail: dict[str, object] = {
        "counts": counts, "sha256": digest, "without_facts": len(without_facts),
        "skipped": [s.reference for s in skipped],
    }  # fmt: skip
    store.record_audit(requested_by, kind, subject, str(out.resolve()), detail)
    return Written(
        kind, out, subject, counts, tuple(without_facts), tuple(s.reference for s in skipped),
        detail,
    )  # fmt: skip


def report_period(day: date, months: int = REPORT_MONTHS) -> tuple[date, date]:
    """The ``months`` whole months before ``day``'s month: what the monthly report covers."""
    first_of_month = day.replace(day=1)
    return add_months(first_of_month, -months), date.fromordinal(first_of_month.toordinal() - 1)


def first_working_day_of_month(day: date) -> bool:
    """England's working days: the reports deployment runs on the first of each month."""
    calendar = calendar_of("england")
    if not calendar.is_working_day(day):
        return False
    return day.day == 1 or calendar.subtract(day, 1).month != day.month
