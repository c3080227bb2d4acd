"""What the case flow puts in the outbox, and what notifications render and deliver.

A ``Dispatch`` is a pure value derived from obligations and notices: the case
reference and what is due, never a child's name, address or category (R-G1).
Its idempotency key (case, obligation, rung) is unique in the outbox, which is
what makes each rung fire exactly once (R-E1).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Rung(StrEnum):
    """The escalation ladder of R-E1, plus one-off notices."""

    REMINDER = "reminder"  # before it is due: the owner
    CHASE = "chase"  # R-T10: a missing agency report, N WD before the review
    MISSED = "missed"  # the owner and the LP
    ESCALATION_TM = "escalation_tm"  # the LP's team manager, after a grace period
    ESCALATION_FINAL = "escalation_final"  # head of service or conference chair (R-E6)
    NOTICE = "notice"  # a one-off notice raised by an event (R-T16, R-M6, R-V2, ...)


class RecipientRole(StrEnum):
    OWNER = "owner"
    LEAD_PROFESSIONAL = "lead_professional"  # the cover worker while cover is in force (R-E5)
    TEAM_MANAGER = "team_manager"
    HEAD_OF_SERVICE = "head_of_service"
    CONFERENCE_CHAIR = "conference_chair"
    QA_MANAGER = "qa_manager"
    MEMBER = "member"  # every current core group member (R-T16, R-M6)


class Recipient(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    role: RecipientRole
    member: str | None = None  # member id where the role is a case member
    contact: str | None = None  # that member's own apprise URL, if recorded


class Dispatch(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    case_reference: str
    team: str
    profile: str
    obligation: str  # obligation key, unique within the case, e.g. "R-T5:cg-2"
    rule: str  # rule ID the notice cites, e.g. "R-T5"
    rung: Rung
    template: str  # notifications/templates/<template>.txt.j2 and .html.j2
    title: str  # what is due, e.g. "Core group minutes circulated"
    subject: str  # what it is about, without personal data, e.g. "core group cg-2"
    owner_role: str
    owner: str | None
    due: date | None
    overdue_since: date | None
    fires_at: datetime
    action: str  # what to do, one line
    recipients: tuple[Recipient, ...]
    meeting_date: date | None = None  # for calendar invites (CG / RCPC)

    @property
    def idempotency_key(self) -> str:
        return idempotency_key(self.case_reference, self.obligation, self.rung)


def idempotency_key(case_reference: str, obligation: str, rung: str) -> str:
    return f"{case_reference}|{obligation}|{rung}"
