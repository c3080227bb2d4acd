"""Every scheduled core group and review conference reaches its members as an .ics invitation:
one UID per meeting, SEQUENCE up when it moves (R-M6, R-E3), CANCEL when it is cancelled
(R-T16) or the plan ends first (R-LC2). Derived by the domain, delivered from the real store
to a real SMTP server."""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar

from domain.dispatch import Dispatch, MeetingRef, RecipientRole
from domain.events import (
    CoreGroupCancelled,
    CoreGroupRescheduled,
    CoreGroupScheduled,
    Event,
    PlanEnded,
    PlanEndReason,
    ReviewBroughtForward,
)
from domain.history import CaseHistory
from domain.ladder import LONDON
from domain.obligations import view
from domain.store.database import Database
from domain.store.repository import CaseRepository
from notifications.invites import contact_emails, meeting_attachments
from notifications.notifier import Notifier
from notifications.render import render
from services.delivery import deliver_notices
from tests.domain.builders import MEMBERS, at, case, cg, d, icpc, rcpc
from tests.notifications.conftest import SmtpReceiver

CANCELLED_AT = datetime(2026, 10, 19, 10, 0, tzinfo=LONDON)


def life_of_a_plan() -> list[Event]:
    """An ICPC books CG 1 and the first review; CG 1 moves, is cancelled, is set again; at
    CG 1 the next date is agreed; a CG is booked; the review is brought forward; the plan
    ends before the later meetings."""
    return [
        icpc("2026-10-05", "2026-10-16"),
        CoreGroupRescheduled(on=d("2026-10-08"), meeting="cg-p0-1", date=d("2026-10-19")),
        CoreGroupCancelled(on=d("2026-10-19"), meeting="cg-p0-1", at=CANCELLED_AT),
        CoreGroupRescheduled(on=d("2026-10-20"), meeting="cg-p0-1", date=d("2026-10-21")),
        cg("2026-10-21", "cg-p0-1", "2026-11-18"),
        CoreGroupScheduled(on=d("2026-10-22"), meeting="cg-e1", date=d("2026-12-09")),
        ReviewBroughtForward(
            on=d("2026-10-23"), to=d("2026-11-27"), authorised_by="tm", reason="Incident"
        ),
        PlanEnded(on=d("2026-11-10"), reason=PlanEndReason.LEFT_UK, recorded_by="tm"),
    ]


def invitations(history: CaseHistory) -> list[Dispatch]:
    """Every dispatch carrying a calendar entry, as the wakes on each event's day saw them."""
    found: dict[str, Dispatch] = {}
    for event in history.events:
        for dispatch in view(history, at(event.on.isoformat(), 12)).dispatches:
            if dispatch.invite is not None:
                found.setdefault(dispatch.idempotency_key, dispatch)
    return sorted(found.values(), key=lambda x: (x.fires_at, x.idempotency_key))


def entries(dispatches: list[Dispatch]) -> list[tuple[str, str, str, int, bool]]:
    refs: list[tuple[str, MeetingRef]] = [(x.template, x.invite) for x in dispatches if x.invite]
    return [(t, r.meeting, r.on.isoformat(), r.revision, r.cancelled) for t, r in refs]


def test_each_meeting_keeps_one_entry_that_moves_cancels_and_ends_with_the_plan() -> None:
    assert entries(invitations(case(*life_of_a_plan()))) == [
        # The ICPC books the first CG (R-T1) and the first review, 3 months on (R-T7).
        ("meeting_invite", "cg-p0-1", "2026-10-16", 0, False),
        ("meeting_invite", "rcpc-1", "2027-01-05", 0, False),
        ("rescheduled", "cg-p0-1", "2026-10-19", 1, False),  # R-M6: same entry, updated
        ("inquorate", "cg-p0-1", "2026-10-19", 1, True),  # R-T16: CANCEL, SEQUENCE 2
        ("rescheduled", "cg-p0-1", "2026-10-21", 3, False),  # set again: above the CANCEL
        ("meeting_invite", "cg-p0-1-next-1", "2026-11-18", 0, False),  # R-M7
        ("meeting_invite", "cg-e1", "2026-12-09", 0, False),
        ("review_brought_forward", "rcpc-1", "2026-11-27", 1, False),  # R-E3
        # R-LC2: the plan ended; what was still to come is cancelled.
        ("meeting_cancelled", "cg-e1", "2026-12-09", 0, True),
        ("meeting_cancelled", "cg-p0-1-next-1", "2026-11-18", 0, True),
        ("meeting_cancelled", "rcpc-1", "2026-11-27", 1, True),
    ]


def test_the_ics_follows_the_entry_and_the_notice_names_no_child() -> None:
    sequences: dict[str, list[tuple[int, str, str]]] = {}
    for dispatch in invitations(case(*life_of_a_plan())):
        [attachment] = meeting_attachments(dispatch)
        calendar = Calendar.from_ical(attachment.content)
        [event] = calendar.walk("VEVENT")
        uid = str(event["UID"])
        assert uid.startswith(f"{dispatch.case_reference}.") and uid.endswith("@cp-orchestrator")
        assert event.decoded("DTSTART") == dispatch.meeting_date  # an all-day entry
        sequences.setdefault(uid, []).append(
            (int(str(event["SEQUENCE"])), str(calendar["METHOD"]), str(event["STATUS"]))
        )
        assert "sw@example.test" in str(event.get("ATTENDEE"))  # the LP's own mail address
        notice = render(dispatch)
        for text in (notice.text, notice.html, attachment.content.decode()):
            assert "Alex" not in text and "NEG" not in text and "Parent Name" not in text
    for uid, seen in sequences.items():
        numbers = [sequence for sequence, _, _ in seen]
        assert numbers == sorted(set(numbers)), f"{uid}: SEQUENCE must rise, got {numbers}"
    assert sequences["CP-0001.cg-p0-1@cp-orchestrator"] == [
        (0, "REQUEST", "CONFIRMED"),
        (1, "REQUEST", "CONFIRMED"),
        (2, "CANCEL", "CANCELLED"),
        (3, "REQUEST", "CONFIRMED"),
    ]
    assert sequences["CP-0001.rcpc-1@cp-orchestrator"][-1] == (2, "CANCEL", "CANCELLED")


def test_invitations_go_to_members_and_the_review_also_to_the_chair() -> None:
    by_meeting = {
        x.invite.meeting: x
        for x in invitations(case(*life_of_a_plan()))
        if x.invite and x.template == "meeting_invite"
    }
    members = {r.member for r in by_meeting["cg-p0-1"].recipients}
    assert members == {m.id for m in MEMBERS}
    assert {r.role for r in by_meeting["rcpc-1"].recipients} == {
        RecipientRole.MEMBER,
        RecipientRole.CONFERENCE_CHAIR,
    }


def test_an_invitation_reaches_a_members_inbox_once_per_change(
    database: Database, notify_config: object, smtp: SmtpReceiver
) -> None:
    school = "sch1@example.org"  # a member with her own mail address; sw (the LP) too
    members = tuple(
        m.model_copy(update={"contact": smtp.url(f"{m.id}@example.org")})
        if m.id in {"sw", "sch1"}
        else m
        for m in MEMBERS
    )
    events = life_of_a_plan()
    history = case(icpc("2026-10-05", "2026-10-16", members=members))
    notifier = Notifier.from_config(notify_config)  # type: ignore[arg-type]
    first = at("2026-10-05", 12)
    store = CaseRepository(database, clock=lambda: first)
    store.open_case(history, recorded_by="admin", source="import", as_of=first)
    deliver_notices(store, first, notifier=notifier)
    for seq, event in enumerate(events[1:], start=1):
        moment = at(event.on.isoformat(), 12)
        store.append(
            "CP-0001", event, expected_seq=seq, recorded_by="admin", source="cli", as_of=moment
        )
        deliver_notices(store, moment, notifier=notifier)
        deliver_notices(store, moment + timedelta(hours=1), notifier=notifier)  # nothing twice

    got = []
    for mail in smtp.to(school):
        for ics in mail.parts("text/calendar"):
            calendar = Calendar.from_ical(ics)
            [entry] = calendar.walk("VEVENT")
            meeting = str(entry["UID"]).split(".")[1].split("@")[0]
            got.append((meeting, int(str(entry["SEQUENCE"]))))
    assert sorted(got) == sorted(
        [
            ("cg-p0-1", 0),
            ("rcpc-1", 0),
            ("cg-p0-1", 1),
            ("cg-p0-1", 2),
            ("cg-p0-1", 3),
            ("cg-p0-1-next-1", 0),
            ("cg-e1", 0),
            ("rcpc-1", 1),
            ("cg-p0-1-next-1", 1),
            ("cg-e1", 1),
            ("rcpc-1", 2),
        ]
    )
    assert all("Alex" not in m.message.as_string() for m in smtp.to(school))


def test_a_review_that_ends_the_plan_early_cancels_only_the_meetings_after_it() -> None:
    history = case(
        icpc("2026-10-05", "2026-10-16"),
        cg("2026-10-16", "cg-p0-1", "2026-11-13", "2026-12-11"),
        rcpc("2026-12-01", decision="end"),  # before the review's booked date (5 Jan 2027)
    )
    cancelled = [
        (x.invite.meeting, x.invite.on.isoformat())
        for x in invitations(history)
        if x.invite and x.invite.cancelled
    ]
    assert cancelled == [("cg-p0-1-next-2", "2026-12-11")]  # not rcpc-1: it was just held


def test_contact_emails_reads_apprise_mail_urls() -> None:
    assert contact_emails("mailto://127.0.0.1:2525?from=a@b.org&to=x@y.org,z@y.org") == [
        "x@y.org",
        "z@y.org",
    ]
    assert contact_emails("mailtos://user:secret@example.org") == ["user@example.org"]
    assert contact_emails("json://127.0.0.1/hook") == []
    assert contact_emails(None) == []
