"""Every notice as a manager reads it, plain text and HTML, and the daily digest: snapshots
kept in ``tests/notifications/snapshots/``. A change to any template shows here as a diff
to read before accepting it; ``CPO_UPDATE_SNAPSHOTS=1`` writes the new snapshots."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from domain.dispatch import Dispatch, MeetingKind, MeetingRef, Recipient, RecipientRole, Rung
from notifications.digest import OverdueItem, TeamDigest, render_digest
from notifications.render import TEMPLATE_NAMES, RenderedNotice, render

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("CPO_UPDATE_SNAPSHOTS") == "1"
RUNGS = {
    "reminder": Rung.REMINDER,
    "chase": Rung.CHASE,
    "missed": Rung.MISSED,
    "escalation": Rung.ESCALATION_TM,
    "unacknowledged": Rung.ESCALATION_FINAL,
}
MEETINGS = {"meeting_invite", "meeting_cancelled", "rescheduled", "inquorate",
            "review_brought_forward"}  # fmt: skip


def dispatch(template: str) -> Dispatch:
    """One realistic dispatch per template, member ids only (R-G1)."""
    rung = RUNGS.get(template, Rung.NOTICE)
    overdue = rung in {Rung.MISSED, Rung.ESCALATION_TM, Rung.ESCALATION_FINAL}
    invite = None
    if template in {"meeting_invite", "meeting_cancelled"}:
        invite = MeetingRef(meeting="rcpc-1", kind=MeetingKind.REVIEW_CONFERENCE,
                            on=date(2026, 12, 14), cancelled=template == "meeting_cancelled")  # fmt: skip
    return Dispatch(
        case_reference="CP-2026-0042", team="team-east", profile="england",
        obligation="R-T5:cg-p0-2", rule="R-T5", rung=rung, template=template,
        title="Core group minutes and plan circulated", subject="core group cg-p0-2",
        owner_role="minute_taker", owner="hv", due=date(2026, 11, 24),
        overdue_since=date(2026, 11, 25) if overdue else None,
        fires_at=datetime(2026, 11, 30, 8, tzinfo=UTC),
        action="Circulate the minutes and updated plan to all members",
        recipients=(Recipient(role=RecipientRole.TEAM_MANAGER, member="tm"),
                    Recipient(role=RecipientRole.HEAD_OF_SERVICE)),
        meeting_date=date(2026, 12, 14) if template in MEETINGS else None, invite=invite,
    )  # fmt: skip


def digest() -> TeamDigest:
    first = OverdueItem(
        case_reference="CP-2026-0042", obligation="R-T5:cg-p0-2", rule="R-T5",
        title="Core group minutes and plan circulated", subject="core group cg-p0-2",
        owner_role="minute_taker", owner="hv", due=date(2026, 11, 24),
        overdue_since=date(2026, 11, 25), rung="escalation_tm", acknowledged_on=date(2026, 11, 27),
    )  # fmt: skip
    seen = first.model_copy(update={"obligation": "R-T11:c1", "rule": "R-T11",
                                    "title": "Child seen", "subject": "child c1",
                                    "owner_role": "lead_professional", "owner": "sw",
                                    "overdue_since": date(2026, 11, 20), "rung": "escalation_final",
                                    "acknowledged_on": None})  # fmt: skip
    other = first.model_copy(update={"case_reference": "CP-2026-0007", "rung": "missed",
                                     "acknowledged_on": None,
                                     "overdue_since": date(2026, 11, 27)})  # fmt: skip
    return TeamDigest(team="team-east", day=date(2026, 12, 1), items=(first, seen, other))


def check(name: str, notice: RenderedNotice) -> None:
    for kind, body in (("txt", notice.text), ("html", notice.html)):
        path = SNAPSHOTS / f"{name}.{kind}"
        if UPDATE or not path.exists():
            assert UPDATE, f"no snapshot {path.name}: run with CPO_UPDATE_SNAPSHOTS=1 and read it"
            path.parent.mkdir(exist_ok=True)
            path.write_text(body)
        assert body == path.read_text(), f"{path.name} changed: read the diff, then update it"


@pytest.fixture(autouse=True)
def ui(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPO_UI_URL", "https://cpo.example.org")


@pytest.mark.parametrize("template", sorted(TEMPLATE_NAMES - {"digest"}))
def test_each_notice_reads_as_its_snapshot(template: str) -> None:
    check(template, render(dispatch(template)))


def test_the_escalation_beyond_the_tm_reads_as_its_snapshot() -> None:
    final = dispatch("escalation").model_copy(update={"rung": Rung.ESCALATION_FINAL})
    check("escalation_final", render(final))


def test_the_digest_reads_as_its_snapshot_grouped_by_case() -> None:
    check("digest", render_digest(digest()))
    check("digest_empty", render_digest(TeamDigest(team="team-west", day=date(2026, 12, 1))))
