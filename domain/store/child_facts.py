"""The children's personal facts (``domain.child_facts``): written by ``cpo children set`` and
by a case file's ``child_facts`` section, each write checked by the domain against the case
and against the other cases that name the same child (the census's one child, one plan at a
time), and recorded in the audit log in the same transaction (R-G2). Never in Prefect (R-G1).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, exists, func, insert, select
from sqlalchemy.orm import Session, aliased

from domain.case import CaseState
from domain.child_facts import ChildFacts, check_facts, plans_overlap, sorted_facts
from domain.errors import RejectedFacts
from domain.state import fold
from domain.store.audit import audit_values
from domain.store.common import StoreBase, case_row, histories_of, history_of
from domain.store.tables import AuditRow, CaseRow, ChildFactsRow, Source

SET = "child_facts.set"
READ = "child_facts.read"


@dataclass(frozen=True)
class CaseKey:
    id: int
    reference: str


def write_child_facts(
    session: Session,
    case: CaseKey,
    state: CaseState,
    facts: Sequence[ChildFacts],
    *,
    recorded_by: str,
    source: Source,
    now: datetime,
) -> None:
    """Check and keep the facts as each child's next version, with one audit entry per child
    naming the fields given (never their values)."""
    if not facts:
        return
    for item in facts:
        check_facts(item, state)
    given = {item.child: item for item in facts}
    if len(given) != len(facts):
        raise RejectedFacts(facts[0].child, "child", "R-G3", "one set of facts per child")
    _one_id_per_child(session, case, given)
    _one_plan_at_a_time(session, case, state, given)
    _keep(session, case, facts, recorded_by, source, now)


def _keep(
    session: Session,
    case: CaseKey,
    facts: Sequence[ChildFacts],
    recorded_by: str,
    source: Source,
    now: datetime,
) -> None:
    """Each child's facts as its next version (R-G2: nothing recorded is ever rewritten)."""
    children = [item.child for item in facts]
    latest = dict(
        session.execute(
            select(ChildFactsRow.child, func.max(ChildFactsRow.version))
            .where(ChildFactsRow.case_id == case.id, ChildFactsRow.child.in_(children))
            .group_by(ChildFactsRow.child)
        ).all()
    )
    session.execute(
        insert(ChildFactsRow),
        [
            {
                "case_id": case.id, "child": item.child, "version": latest.get(item.child, 0) + 1,
                "la_child_id": item.la_child_id, "facts": item.model_dump(mode="json"),
                "recorded_by": recorded_by, "recorded_at": now, "source": source.value,
            }
            for item in facts
        ],
    )  # fmt: skip
    session.execute(
        insert(AuditRow),
        [
            audit_values(
                now,
                recorded_by,
                SET,
                f"case {case.reference} child {item.child}",
                detail={
                    "fields": sorted(k for k, v in item.model_dump().items() if v),
                    "version": latest.get(item.child, 0) + 1,
                },
            )  # fmt: skip
            for item in facts
        ],
    )


def current() -> ColumnElement[bool]:
    """Rows that are their child's latest version of the facts (no newer one is kept)."""
    newer = aliased(ChildFactsRow)
    return ~exists().where(
        newer.case_id == ChildFactsRow.case_id,
        newer.child == ChildFactsRow.child,
        newer.version > ChildFactsRow.version,
    )


def _one_id_per_child(session: Session, case: CaseKey, given: dict[str, ChildFacts]) -> None:
    """Two children of one case are two children of the census (CIN 8510)."""
    query = select(ChildFactsRow.child, ChildFactsRow.la_child_id).where(
        ChildFactsRow.case_id == case.id, current()
    )
    held = {child: la_child_id for child, la_child_id in session.execute(query)}
    ids = held | {child: item.la_child_id for child, item in given.items()}
    for child, item in given.items():
        twin = next((c for c, i in ids.items() if c != child and i == item.la_child_id), None)
        if twin is not None:
            raise RejectedFacts(
                child, "la_child_id", "R-G3", f"that is child {twin}'s id on this case (CIN 8510)"
            )


def _one_plan_at_a_time(
    session: Session, case: CaseKey, state: CaseState, given: dict[str, ChildFacts]
) -> None:
    """The same child on another case: its plans there and here may not overlap (CIN 8940)."""
    by_id = {item.la_child_id: child for child, item in given.items()}
    others = session.execute(
        select(ChildFactsRow.case_id, ChildFactsRow.child, ChildFactsRow.la_child_id).where(
            ChildFactsRow.la_child_id.in_(list(by_id)), ChildFactsRow.case_id != case.id, current()
        )
    ).all()
    if not others:
        return
    rows = list(session.scalars(select(CaseRow).where(CaseRow.id.in_({o[0] for o in others}))))
    histories = histories_of(session, rows)
    states = {row.id: fold(history) for row, history in zip(rows, histories, strict=True)}
    references = {row.id: row.reference for row in rows}
    for case_id, other_child, la_child_id in others:
        child = by_id[la_child_id]
        if plans_overlap(state.children[child], states[case_id].children[other_child]):
            raise RejectedFacts(
                child, "la_child_id", "R-G3",
                f"that child is on a plan in case {references[case_id]} at the same time "
                "(CIN 8940)",
            )  # fmt: skip


def facts_of(session: Session, case_ids: Iterable[int]) -> dict[int, tuple[ChildFacts, ...]]:
    """Every child's facts of these cases (the latest version), by case id, in child order."""
    found: dict[int, list[ChildFacts]] = {}
    query = select(ChildFactsRow.case_id, ChildFactsRow.facts).where(
        ChildFactsRow.case_id.in_(list(case_ids)), current()
    )
    for case_id, payload in session.execute(query):
        found.setdefault(case_id, []).append(ChildFacts.model_validate(payload))
    return {case_id: sorted_facts(tuple(items)) for case_id, items in found.items()}


class ChildFactsMixin(StoreBase):
    def set_child_facts(
        self,
        reference: str,
        facts: Sequence[ChildFacts],
        *,
        recorded_by: str,
        source: Source | str,
    ) -> None:
        """Check the facts against the case (RejectedFacts names the child, field and rule)
        and keep them, audited, in one transaction; nothing is written if one is refused."""
        with self._db.writing() as session:
            row = case_row(session, reference)
            state = fold(history_of(session, row))
            write_child_facts(
                session, CaseKey(row.id, row.reference), state, facts, recorded_by=recorded_by, source=Source(source),
                now=self._clock(),
            )  # fmt: skip

    def child_facts_of(self, reference: str, *, read_by: str | None) -> tuple[ChildFacts, ...]:
        """The case's children's facts. Shown to a person (``read_by``), the read is audited
        (R-G2); ``None`` only for the store's own comparisons, which show nothing."""
        with self._db.writing() as session:
            row = case_row(session, reference)
            found = facts_of(session, [row.id]).get(row.id, ())
            if read_by is not None and found:
                session.execute(
                    insert(AuditRow).values(
                        **audit_values(self._clock(), read_by, READ, f"case {reference}")
                    )
                )
        return found
