"""Errors the domain raises. Each names the field and the rule (R-G3)."""

from __future__ import annotations


class DomainError(Exception):
    """Base class of everything the domain rejects."""


class RejectedEvent(DomainError):
    """An event that would break a rule. Nothing is recorded when this is raised."""

    def __init__(self, field: str, rule: str, message: str, index: int | None = None) -> None:
        self.field = field
        self.rule = rule
        self.message = message
        self.index = index
        where = f"event {index}: " if index is not None else ""
        super().__init__(f"{where}{field}: {message} ({rule})")

    def __reduce__(self) -> tuple[type[RejectedEvent], tuple[str, str, str, int | None]]:
        # Survives pickling (a failed Prefect task's result), field and rule included.
        return (RejectedEvent, (self.field, self.rule, self.message, self.index))


class ProfileError(DomainError):
    """A policy profile file that cannot be loaded."""


class RejectedFacts(DomainError):
    """A child's personal facts that break a rule (R-G3). Nothing is recorded."""

    def __init__(self, child: str, field: str, rule: str, message: str) -> None:
        self.child = child
        self.field = field
        self.rule = rule
        self.message = message
        super().__init__(f"child {child}: {field}: {message} ({rule})")

    def __reduce__(self) -> tuple[type[RejectedFacts], tuple[str, str, str, str]]:
        return (RejectedFacts, (self.child, self.field, self.rule, self.message))
