"""Calendar invitations: one stable UID per meeting, SEQUENCE up on reschedule, CANCEL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from pydantic import ValidationError

from notifications.invites import MeetingInvite, MeetingKind, invite_attachment, invite_ics

LONDON = ZoneInfo("Europe/London")
STAMP = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def core_group(**changes: object) -> MeetingInvite:
    fields: dict[str, object] = {
        "case_reference": "CP-2025-0012",
        "meeting": "cg-2",
        "kind": MeetingKind.CORE_GROUP,
        "starts_at": datetime(2025, 4, 1, 10, 0, tzinfo=LONDON),
        "location": "Borough Hall, room 3",
        "organiser": "lp@example.org",
        "attendees": ("school@example.org", "health@example.org"),
    }
    fields.update(changes)
    return MeetingInvite.model_validate(fields)


def event_of(ics: bytes) -> tuple[Calendar, Any]:
    calendar = Calendar.from_ical(ics)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_an_invite_is_a_request_with_the_meeting_in_utc() -> None:
    calendar, event = event_of(invite_ics(core_group(), STAMP))
    assert calendar["METHOD"] == "REQUEST"
    assert event["UID"] == "CP-2025-0012.cg-2@cp-orchestrator"
    assert event["SEQUENCE"] == 0
    assert event["STATUS"] == "CONFIRMED"
    assert event["DTSTART"].dt == datetime(2025, 4, 1, 9, 0, tzinfo=UTC)  # BST
    assert event["DTEND"].dt - event["DTSTART"].dt == timedelta(hours=2)
    assert event["SUMMARY"] == "[CP-2025-0012] Core group meeting cg-2"
    attendees = [str(a) for a in event["ATTENDEE"]]
    assert attendees == ["mailto:school@example.org", "mailto:health@example.org"]


def test_a_reschedule_keeps_the_uid_and_raises_the_sequence() -> None:
    moved = core_group(starts_at=datetime(2025, 4, 8, 14, 0, tzinfo=LONDON), revision=1)
    _, first = event_of(invite_ics(core_group(), STAMP))
    _, second = event_of(invite_ics(moved, STAMP))
    assert second["UID"] == first["UID"]
    assert second["SEQUENCE"] == 1


def test_a_cancellation_is_method_cancel_with_a_higher_sequence() -> None:
    calendar, event = event_of(invite_ics(core_group(revision=1, cancelled=True), STAMP))
    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 2


def test_the_same_invite_gives_the_same_bytes() -> None:
    assert invite_ics(core_group(), STAMP) == invite_ics(core_group(), STAMP)


def test_a_review_conference_cites_its_rules() -> None:
    review = core_group(meeting="rcpc-1", kind=MeetingKind.REVIEW_CONFERENCE)
    _, event = event_of(invite_ics(review, STAMP))
    assert event["SUMMARY"] == "[CP-2025-0012] Review child protection conference rcpc-1"
    assert "Rule: R-T7, R-T8" in str(event["DESCRIPTION"])


def test_a_meeting_time_without_a_zone_is_rejected() -> None:
    with pytest.raises(ValidationError, match="time zone"):
        core_group(starts_at=datetime(2025, 4, 1, 10, 0))


def test_the_attachment_names_the_case_and_meeting() -> None:
    attachment = invite_attachment(core_group(cancelled=True), STAMP)
    assert attachment.name == "CP-2025-0012-cg-2.ics"
    assert attachment.mimetype == "text/calendar"
    assert b"METHOD:CANCEL" in attachment.content
    assert attachment.content.startswith(b"BEGIN:VCALENDAR")
