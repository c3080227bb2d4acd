"""The runs' labels: each open case's drift as of a moment, from the read model alone, beside
what its run on the Runs page was last labelled with (``run_labels``), so that the clock
relabels only the runs whose drift has changed (``services/run_labels.py`` says what a label
is; this module only stores it)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from domain.dispatch import Rung
from domain.ladder import LONDON
from domain.store.common import StoreBase
from domain.store.summaries import RUNG_COLUMNS
from domain.store.tables import (
    CaseRow,
    CaseStatus,
    CaseSummaryRow,
    OpenObligationRow,
    RunLabelRow,
)
from domain.summary import Drift, OpenObligation, drift

LABEL_BATCH = 2000  # cases read per query: a national caseload in a few dozen reads


@dataclass(frozen=True)
class CaseDrift:
    """An open case's drift as of a moment, its run, and the label its run last had."""

    reference: str
    team: str
    flow_run_id: str
    drift: Drift
    label: str | None  # None: never labelled, or labelled on another run


def _obligation(row: OpenObligationRow) -> OpenObligation:
    rungs: dict[Rung, datetime] = {
        rung: at for rung, column in RUNG_COLUMNS.items() if (at := getattr(row, column))
    }
    return OpenObligation(
        row.key, row.rule, row.title, row.subject, row.subject_kind, row.owner_role, row.owner,
        row.due, row.due_at, row.due_from, row.overdue_from, row.overdue_since,
        rungs=rungs, acknowledged_on=row.acknowledged_on,
    )  # fmt: skip


def _moments(row: OpenObligationRow) -> list[datetime]:
    """The moments at which an open obligation changes what its case's label says: its
    status and rungs, the day its due day comes within the week (the ``due-this-week``
    tag) and the day after it (the next deadline moves on)."""
    found = [row.overdue_from, *(getattr(row, c) for c in RUNG_COLUMNS.values())]
    if row.due_from is not None:
        found.append(row.due_from)
    for days in (-6, 1):
        day = row.due + timedelta(days=days)
        found.append(datetime(day.year, day.month, day.day, tzinfo=LONDON))
    return [moment for moment in found if moment is not None]


def _may_have_changed(
    label_as_of: datetime | None,
    summary: CaseSummaryRow | None,
    duties: Sequence[OpenObligationRow],
    as_of: datetime,
) -> bool:
    """Whether the case's label as of ``as_of`` may differ from the one it was given as of
    ``label_as_of``: never labelled, its read model rewritten since (an event or a wake), or
    one of its obligations' moments fell in between. A cheap screen: only these cases'
    drift is derived again and compared."""
    if label_as_of is None or summary is None or summary.as_of > label_as_of:
        return True
    return any(label_as_of < moment <= as_of for row in duties for moment in _moments(row))


class LabelsMixin(StoreBase):
    def drifts_as_of(self, as_of: datetime, batch: int = LABEL_BATCH) -> Iterator[CaseDrift]:
        """Every open case with a run whose label may have changed since it was given: its
        drift as of ``as_of`` (its open obligations' columns, as every view of many cases
        reads them) and its run's last label."""
        after = 0
        while True:
            with self._db.reading() as session:
                cases = self._open_cases(session, after, batch)
                if not cases:
                    return
                ids = [row.id for row, _, _, _ in cases]
                duties = session.scalars(
                    select(OpenObligationRow)
                    .where(OpenObligationRow.case_id.in_(ids))
                    .order_by(OpenObligationRow.case_id)
                )
                by_case = {k: list(g) for k, g in groupby(duties, key=lambda r: r.case_id)}
                for row, summary, label, label_as_of in cases:
                    own = by_case.get(row.id, [])
                    if label is not None and not _may_have_changed(
                        label_as_of, summary, own, as_of
                    ):
                        continue
                    review = (summary.review_deadline, summary.review_booked) if summary else ()
                    found = drift([_obligation(o) for o in own], as_of, *review)
                    yield CaseDrift(row.reference, row.team, str(row.flow_run_id), found, label)
            after = cases[-1][0].id

    def _open_cases(
        self, session: Session, after: int, batch: int
    ) -> Sequence[tuple[CaseRow, CaseSummaryRow | None, str | None, datetime | None]]:
        same_run = (RunLabelRow.case_id == CaseRow.id) & (
            RunLabelRow.flow_run_id == CaseRow.flow_run_id
        )
        query = (
            select(CaseRow, CaseSummaryRow, RunLabelRow.label, RunLabelRow.labelled_at)
            .outerjoin(CaseSummaryRow, CaseSummaryRow.case_id == CaseRow.id)
            .outerjoin(RunLabelRow, same_run)
            .where(
                CaseRow.id > after,
                CaseRow.status == CaseStatus.OPEN.value,
                CaseRow.flow_run_id.is_not(None),
            )
            .order_by(CaseRow.id)
            .limit(batch)
        )
        return [tuple(found) for found in session.execute(query)]  # type: ignore[misc]

    def record_labels(self, labels: Sequence[tuple[str, str, str]], as_of: datetime) -> None:
        """What these cases' runs are now labelled with: (reference, run id, label), the
        label their drift gives as of ``as_of``."""
        at = as_of
        for start in range(0, len(labels), LABEL_BATCH):
            self._record_labels(labels[start : start + LABEL_BATCH], at)

    def _record_labels(self, labels: Sequence[tuple[str, str, str]], at: datetime) -> None:
        if not labels:
            return
        with self._db.writing() as session:
            wanted = [reference for reference, _, _ in labels]
            found = session.execute(
                select(CaseRow.reference, CaseRow.id).where(CaseRow.reference.in_(wanted))
            )
            ids = {reference: case_id for reference, case_id in found}
            rows = [
                {"case_id": ids[ref], "flow_run_id": run, "label": label, "labelled_at": at}
                for ref, run, label in labels
                if ref in ids
            ]
            session.execute(delete(RunLabelRow).where(RunLabelRow.case_id.in_(ids.values())))
            session.execute(insert(RunLabelRow), rows)
