"""Errors the store raises, beside the domain's own ``RejectedEvent``."""

from __future__ import annotations

from domain.errors import DomainError


class StoreError(DomainError):
    """Base class of the store's errors."""


class CaseNotFound(StoreError):
    def __init__(self, reference: str) -> None:
        self.reference = reference
        super().__init__(f"no case with reference {reference!r}")


class CaseExists(StoreError):
    def __init__(self, reference: str) -> None:
        self.reference = reference
        super().__init__(f"a case with reference {reference!r} is already recorded")


class ConcurrencyConflict(StoreError):
    """Someone else recorded on the case since the writer read it: reload and retry."""

    def __init__(self, reference: str, expected_seq: int, actual_seq: int | None) -> None:
        self.reference = reference
        self.expected_seq = expected_seq
        self.actual_seq = actual_seq
        now = f"it is now at {actual_seq}" if actual_seq is not None else "another writer got there"
        super().__init__(
            f"case {reference!r} changed since it was read: expected event {expected_seq}, "
            f"{now}; reload the case and try again"
        )


class OutboxEntryNotFound(StoreError):
    def __init__(self, idempotency_key: str) -> None:
        self.idempotency_key = idempotency_key
        super().__init__(f"no outbox entry with key {idempotency_key!r}")


class DigestNotFound(StoreError):
    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"no daily digest with key {key!r}")


def database_refusal(error: BaseException) -> tuple[bool, str] | None:
    """What a database error means for people, without its SQL (which can hold what was
    typed): (transient, the database's own first line); None if not a database error."""
    from sqlalchemy.exc import DBAPIError

    if not isinstance(error, DBAPIError):
        return None
    if is_transient(error):
        return True, type(error.orig).__name__
    text = str(error.orig or "").strip()
    return False, text.splitlines()[0] if text else type(error.orig).__name__


def is_transient(error: BaseException) -> bool:
    """A lock timeout or a dropped connection: worth another try, unlike a rejected event or
    a conflict (which a retry would only repeat)."""
    from sqlalchemy.exc import OperationalError

    return isinstance(error, OperationalError)
