"""What the case flow puts in the outbox, and what notifications render and deliver.

A ``Dispatch`` is a pure value derived from obligations and notices: the case
reference and what is due. A child's name and category travel only in ``personal``,
and only when the profile names a secure channel for them (R-G1).
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


# The ladder's order (R-E1, R-T10): the later in this list, the worse the drift.
RUNG_ORDER: tuple[Rung, ...] = (
    Rung.REMINDER,
    Rung.CHASE,
    Rung.MISSED,
    Rung.ESCALATION_TM,
    Rung.ESCALATION_FINAL,
)


class RecipientRole(StrEnum):
    OWNER = "owner"
    LEAD_PROFESSIONAL = "lead_professional"  # the cover worker while cover is in force (R-E5)
    TEAM_MANAGER = "team_manager"
    HEAD_OF_SERVICE = "head_of_service"
    CONFERENCE_CHAIR = "conference_chair"
    QA_MANAGER = "qa_manager"
    MEMBER = "member"  # every current core group member (R-T16, R-M6)


class MeetingKind(StrEnum):
    CORE_GROUP = "core_group"
    REVIEW_CONFERENCE = "review_conference"


class MeetingRef(BaseModel):
    """The meeting a notice invites to, moves or cancels: its calendar entry (.ics).

    ``revision`` counts the times it was moved (the invite's SEQUENCE, R-M6); a cancelled
    meeting (R-T16, or the plan ended) sends METHOD:CANCEL with a higher SEQUENCE still.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    meeting: str
    kind: MeetingKind
    on: date
    revision: int = 0
    cancelled: bool = False


class ChildDetails(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    category: str  # the latest category of abuse (NEG, PHY, SAB, EMO, MUL)


class PersonalDetails(BaseModel):
    """What R-G1 keeps out of notices unless the profile allows it on a secure channel.

    Present on a dispatch only when the case's profile names such channels; delivery
    renders it only for endpoints tagged with one of ``channels`` in the apprise
    configuration. Every other endpoint gets the notice without it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    channels: tuple[str, ...]
    children: tuple[ChildDetails, ...]


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
    meeting_date: date | None = None  # the meeting a notice is about (CG / RCPC)
    invite: MeetingRef | None = None  # send its calendar invitation with the notice
    personal: PersonalDetails | None = None  # R-G1: only for the profile's secure channels

    @property
    def idempotency_key(self) -> str:
        return idempotency_key(self.case_reference, self.obligation, self.rung)


def idempotency_key(case_reference: str, obligation: str, rung: str) -> str:
    return f"{case_reference}|{obligation}|{rung}"
