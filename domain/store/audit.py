"""The audit log of what is not an event of a case (R-G2): a return or report written, a
child's personal facts set, read or exported. Who, when, what, which file; append-only (the
migration's triggers refuse an update or a delete whoever connects)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from domain.store.actors import actor as check_actor
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
    return {
        "at": at, "actor": actor, "action": action, "subject": subject[:255], "path": path,
        "detail": detail or {},
    }  # fmt: skip


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
        check_actor(actor, "actor")
        values = audit_values(self._clock(), actor, action, subject, path, detail)
        with self._db.writing() as session:
            found = session.scalar(insert(AuditRow).values(**values).returning(AuditRow.id))
        return AuditEntry(id=int(found or 0), **values)

    def audit_log(self, action: str | None = None, limit: int = 100) -> list[AuditEntry]:
        """The latest entries, newest first; ``action`` keeps one kind (``cin_census``...)."""
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if action is not None:
            query = query.where(AuditRow.action == action)
        with self._db.reading() as session:
            return [
                AuditEntry(r.id, r.at, r.actor, r.action, r.subject, r.path, dict(r.detail))
                for r in session.scalars(query)
            ]
