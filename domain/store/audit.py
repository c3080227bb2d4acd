"""The audit log (R-G2): who recorded or acknowledged what on which case (written with the
event, in its transaction), who opened a case or imported it, who opened which case's run
or page in the UI (the sign-in layer, ``access/audit.py``), and what is not an event of a
case: a return or report written, a child's personal facts set, read or exported. Who, when,
what, which file; append-only (the migration's triggers refuse an update or a delete
whoever connects)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from domain.events import EscalationAcknowledged, Event
from domain.people import person_id
from domain.store.common import StoreBase
from domain.store.tables import AuditRow


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    path: str | None
    detail: dict[str, Any]


def audit_values(
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    path: str | None = None,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One audit row, for a writer that records it inside its own transaction."""
    person_id(actor, "actor")  # R-G2: a person's or a service's id, never a typed name
    return {
        "at": at, "actor": actor, "action": action, "subject": subject[:255], "path": path,
        "detail": detail or {},
    }  # fmt: skip


def recorded_entry(
    at: datetime, actor: str, reference: str, seq: int, event: Event, source: object
) -> dict[str, Any]:
    """The audit row of an event recorded: who recorded (or acknowledged) what, and where."""
    action = "acknowledged" if isinstance(event, EscalationAcknowledged) else "recorded"
    detail = {"seq": seq, "type": event.type, "source": str(getattr(source, "value", source))}
    return audit_values(at, actor, action, reference, detail=detail)


class AuditMixin(StoreBase):
    def record_audit(
        self,
        actor: str,
        action: str,
        subject: str,
        path: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> AuditEntry:
        """Append one entry, stamped by the store's clock."""
        values = audit_values(self._clock(), actor, action, subject, path, detail)
        with self._db.writing() as session:
            found = session.scalar(insert(AuditRow).values(**values).returning(AuditRow.id))
        return AuditEntry(id=int(found or 0), **values)

    def audit_log(
        self,
        action: str | None = None,
        limit: int = 100,
        *,
        actor: str | None = None,
        reference: str | None = None,
    ) -> list[AuditEntry]:
        """The latest entries, newest first; ``action`` keeps one kind (``cin_census``...),
        ``actor`` one person's, ``reference`` one case's."""
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if action is not None:
            query = query.where(AuditRow.action == action)
        if actor is not None:
            query = query.where(AuditRow.actor == actor)
        if reference is not None:
            case = f"case {reference}"  # a child's facts: "case REF child c1"
            query = query.where(
                (AuditRow.subject == reference) | (AuditRow.subject == case)
                | AuditRow.subject.startswith(f"{case} ", autoescape=True)
            )  # fmt: skip
        with self._db.reading() as session:
            return [
                AuditEntry(r.id, r.at, r.actor, r.action, r.subject, r.path, dict(r.detail))
                for r in session.scalars(query)
            ]
