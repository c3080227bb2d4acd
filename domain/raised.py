"""A one-off notice, and one event as the notices see it (``domain.notices``,
``domain.event_notices``): where it is in the journal, and what it did to the calendars."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.case import Booking, BookingChange, CaseState
from domain.dispatch import RecipientRole
from domain.ladder import Clock
from domain.rulebook import NOTICES, NoticeRule

# Words a notice's title or action may name, and that are not the Notice's own fields.
WORDS = ("date", "deadline", "label", "hours", "with_whom")


@dataclass(frozen=True, slots=True)
class Notice:
    key: str
    rule: str
    template: str
    title: str
    subject: str
    action: str
    on: date
    fires_at: datetime
    roles: tuple[RecipientRole, ...]
    meeting_date: date | None = None
    invite: Booking | None = None


@dataclass(frozen=True, slots=True)
class Raised:
    """One event as the notices see it: where it is, and what it did to the calendars."""

    state: CaseState
    clock: Clock
    index: int
    event: Any

    def notice(self, name: str, subject: str, **fields: Any) -> Notice:
        rule: NoticeRule = NOTICES[name]
        words = {k: fields.pop(k) for k in WORDS if k in fields}
        cited = fields.pop("rule", rule.rule)
        return Notice(
            key=fields.pop("key", f"{cited}:e{self.index}"),
            rule=cited,
            template=rule.template,
            title=rule.title.format(**words),
            subject=subject,
            action=rule.action.format(**words),
            on=self.event.on,
            fires_at=self.clock.moment(self.event.on),
            roles=fields.pop("roles", rule.roles),
            **fields,
        )

    def changes(self) -> list[BookingChange]:
        return self.state.booking_changes.get(self.index, [])
