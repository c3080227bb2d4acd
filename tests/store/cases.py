"""Small valid case histories and dispatches for the store's tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from domain.dispatch import Dispatch, Recipient, RecipientRole, Rung
from domain.events import (
    Child,
    ConferenceDecision,
    ConferenceHeld,
    ConferenceKind,
    Member,
    MemberRole,
    Outcome,
    PlanEnded,
    PlanEndReason,
    VisitMade,
)
from domain.history import CaseHistory
from domain.store.outbox import OutboxEntry
from domain.store.repository import CaseRepository

ICPC_ON = date(2025, 3, 3)
AS_OF = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)
MEMBERS = (
    Member(id="lp", role=MemberRole.LEAD_PROFESSIONAL, agency="csc"),
    Member(id="tm", role=MemberRole.TEAM_MANAGER, agency="csc"),
    Member(id="hv", role=MemberRole.PROFESSIONAL, agency="health"),
    Member(id="mum", role=MemberRole.PARENT),
)


def icpc(on: date = ICPC_ON) -> ConferenceHeld:
    return ConferenceHeld(
        on=on,
        kind=ConferenceKind.INITIAL,
        decision=ConferenceDecision.PLAN,
        children=(Child(id="c1", category="NEG"),),
        outcomes=(Outcome(id="o1", text="Home conditions improve"),),
        lead_professional="lp",
        team_manager="tm",
        chair="ch-1",
        members=MEMBERS,
        first_cg_on=on + timedelta(days=10),
        cg_every_weeks=4,
        strategy_discussion_on=on - timedelta(days=14),
    )


def visit(on: date = ICPC_ON, visitor: str = "lp") -> VisitMade:
    return VisitMade(on=on, visitor=visitor, children_seen=("c1",), seen_alone=("c1",))


def plan_ended(on: date) -> PlanEnded:
    return PlanEnded(on=on, reason=PlanEndReason.LEFT_UK, recorded_by="tm")


def history(reference: str = "BED-0001", *events: object, team: str = "north") -> CaseHistory:
    chosen = events or (icpc(),)
    return CaseHistory.model_validate(
        {"reference": reference, "profile": "england", "team": team, "events": chosen}
    )


def dispatch(reference: str, obligation: str = "R-T5:cg-1", rung: Rung = Rung.REMINDER,
             fires_at: datetime = AS_OF) -> Dispatch:  # fmt: skip
    return Dispatch(
        case_reference=reference,
        team="north",
        profile="england",
        obligation=obligation,
        rule=obligation.split(":")[0],
        rung=rung,
        template="reminder",
        title="Core group minutes circulated",
        subject="core group cg-1",
        owner_role="lead_professional",
        owner="lp",
        due=fires_at.date(),
        overdue_since=None,
        fires_at=fires_at,
        action="Circulate the minutes",
        recipients=(Recipient(role=RecipientRole.OWNER, member="lp"),),
    )


def is_booking(key: str) -> bool:
    """An invitation row: opening ``history()`` books its first core group and review."""
    return "|invite:" in key


def outbox(repository: CaseRepository, reference: str = "BED-0001") -> list[OutboxEntry]:
    """The case's outbox without the invitations its opening wrote (tested on their own)."""
    return [e for e in repository.outbox_of(reference) if not is_booking(e.idempotency_key)]


def pending(repository: CaseRepository, as_of: datetime) -> list[OutboxEntry]:
    return [e for e in repository.outbox.due(as_of) if not is_booking(e.idempotency_key)]


@dataclass(frozen=True)
class Attempted:
    """A sender's outcome for one row, as the queues' ``record`` takes it."""

    idempotency_key: str
    delivered: bool
    attempted_at: datetime = AS_OF
    error: str | None = None
    next_attempt_at: datetime | None = None
    delivered_to: tuple[str, ...] = ()


def sent(key: str, at: datetime = AS_OF) -> Attempted:
    return Attempted(key, True, at)


def refused(
    key: str, error: str, retry_at: datetime | None, reached: tuple[str, ...] = ()
) -> Attempted:
    return Attempted(key, False, AS_OF, error, retry_at, reached)
