"""Small builders for case histories in tests: ISO dates in, events out."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from domain.events import (
    CategoryOfAbuse,
    Child,
    ConferenceDecision,
    ConferenceHeld,
    ConferenceKind,
    CoreGroupHeld,
    EpisodeClosure,
    Event,
    Member,
    MemberRole,
    Outcome,
)
from domain.history import CaseHistory
from domain.ladder import LONDON, Obligation
from domain.obligations import CaseView, view

MEMBERS = (
    Member(
        id="sw",
        role=MemberRole.LEAD_PROFESSIONAL,
        agency="Children's social care",
        name="Sam Worker",
        contact="mailto://sw@example.test",
    ),
    Member(id="tm", role=MemberRole.TEAM_MANAGER, agency="Children's social care"),
    Member(id="hv", role=MemberRole.PROFESSIONAL, agency="Health visiting"),
    Member(id="sch1", role=MemberRole.PROFESSIONAL, agency="Education"),
    Member(id="mum", role=MemberRole.PARENT, name="Parent Name"),
)


def d(iso: str) -> date:
    return date.fromisoformat(iso)


def at(iso: str, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(d(iso), time(hour, minute), LONDON)


def icpc(on: str, first_cg: str | None = None, **changes: Any) -> ConferenceHeld:
    fields: dict[str, Any] = dict(
        on=d(on),
        kind=ConferenceKind.INITIAL,
        decision=ConferenceDecision.PLAN,
        children=(Child(id="c1", category=CategoryOfAbuse.NEG, name="Alex Example"),),
        outcomes=(Outcome(id="o1", text="Alex is safe at home"),),
        lead_professional="sw",
        team_manager="tm",
        chair="ch-1",
        members=MEMBERS,
        first_cg_on=d(first_cg or on),
    )
    fields.update(changes)
    return ConferenceHeld(**fields)


def rcpc(
    on: str,
    first_cg: str | None = None,
    decision: str = "continue",
    closure: EpisodeClosure | None = None,
) -> ConferenceHeld:
    """A review conference; one that ends the plan says the episode goes on as child in need
    unless ``closure`` says otherwise."""
    ending = decision == "end"
    return ConferenceHeld(
        on=d(on),
        kind=ConferenceKind.REVIEW,
        decision=ConferenceDecision(decision),
        chair="ch-1",
        first_cg_on=d(first_cg) if first_cg else None,
        closure=(closure or EpisodeClosure.CIN_CONTINUES) if ending else None,
    )


def cg(on: str, meeting: str, *next_dates: str, **changes: Any) -> CoreGroupHeld:
    fields: dict[str, Any] = dict(
        on=d(on),
        meeting=meeting,
        chair="sw",
        minute_taker="hv",
        next_dates=tuple(d(x) for x in next_dates),
    )
    fields.update(changes)
    return CoreGroupHeld(**fields)


def case(*events: Event, profile: str = "england", reference: str = "CP-0001") -> CaseHistory:
    return CaseHistory(reference=reference, profile=profile, team="team-north", events=events)


def obligations(history: CaseHistory, as_of: str, hour: int = 9) -> CaseView:
    return view(history, at(as_of, hour))


def find(found: CaseView, key: str) -> Obligation:
    matches = [o for o in found.obligations if o.key == key]
    assert matches, f"no obligation {key}; have {[o.key for o in found.obligations]}"
    return matches[0]


def due_of(history: CaseHistory, key: str, as_of: str) -> str:
    return find(obligations(history, as_of), key).due.isoformat()
