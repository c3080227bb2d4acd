"""Calendar invitations (.ics) for every scheduled core group and review conference.

Pure functions: a ``MeetingInvite`` in, iCalendar bytes out. The UID is stable per
(case, meeting), so a calendar updates the same entry: SEQUENCE rises with each
reschedule (R-M6) and a cancellation (R-M5, R-T16) is METHOD:CANCEL with a higher
SEQUENCE still. Summaries carry the case reference only (R-G1).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from icalendar import Calendar, Event, vCalAddress, vText
from pydantic import BaseModel, ConfigDict, Field, field_validator

from notifications.notifier import Attachment

PRODID = "-//cp-orchestrator//child protection meetings//EN"
UID_DOMAIN = "cp-orchestrator"


class MeetingKind(StrEnum):
    CORE_GROUP = "core_group"
    REVIEW_CONFERENCE = "review_conference"


_KIND_LABELS = {
    MeetingKind.CORE_GROUP: "Core group meeting",
    MeetingKind.REVIEW_CONFERENCE: "Review child protection conference",
}


class MeetingInvite(BaseModel):
    """One meeting as its members' calendars should show it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_reference: str = Field(min_length=1)
    meeting: str = Field(min_length=1)  # id within the case, e.g. "cg-2", "rcpc-1"
    kind: MeetingKind
    starts_at: datetime
    duration: timedelta = timedelta(hours=2)
    location: str = ""  # the venue; a family home is written as "home visit" (R-G1)
    revision: int = Field(default=0, ge=0)  # times rescheduled (R-M6)
    cancelled: bool = False
    organiser: str | None = None  # email address of the LP (or cover worker, R-E5)
    attendees: tuple[str, ...] = ()  # members' email addresses

    @field_validator("starts_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("starts_at must carry a time zone (Europe/London)")
        return value

    @property
    def uid(self) -> str:
        return invite_uid(self.case_reference, self.meeting)

    @property
    def sequence(self) -> int:
        # RFC 5546: a CANCEL must carry a higher SEQUENCE than the request it cancels.
        return self.revision + (1 if self.cancelled else 0)

    @property
    def method(self) -> str:
        return "CANCEL" if self.cancelled else "REQUEST"


def invite_uid(case_reference: str, meeting: str) -> str:
    return f"{case_reference}.{meeting}@{UID_DOMAIN}"


def _event(invite: MeetingInvite, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", invite.starts_at.astimezone(UTC))
    event.add("dtend", (invite.starts_at + invite.duration).astimezone(UTC))
    event.add("summary", f"[{invite.case_reference}] {_KIND_LABELS[invite.kind]} {invite.meeting}")
    event.add("status", "CANCELLED" if invite.cancelled else "CONFIRMED")
    if invite.location:
        event.add("location", invite.location)
    event.add("description", f"Case {invite.case_reference}. Rule: {_rule(invite.kind)}")
    if invite.organiser:
        event.add("organizer", vCalAddress(f"mailto:{invite.organiser}"))
    for address in invite.attendees:
        attendee = vCalAddress(f"mailto:{address}")
        attendee.params["ROLE"] = vText("REQ-PARTICIPANT")
        attendee.params["RSVP"] = vText("TRUE")
        event.add("attendee", attendee, encode=False)
    return event


def _rule(kind: MeetingKind) -> str:
    # R-T3/R-T4: core group frequency; R-T7/R-T8: review conference timescales.
    return "R-T3, R-T4" if kind is MeetingKind.CORE_GROUP else "R-T7, R-T8"


def invite_ics(invite: MeetingInvite, stamp: datetime) -> bytes:
    """The .ics for an invite; ``stamp`` (DTSTAMP) is an input so output is deterministic."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", invite.method)
    calendar.add_component(_event(invite, stamp))
    return bytes(calendar.to_ical())


def invite_attachment(invite: MeetingInvite, stamp: datetime) -> Attachment:
    """The .ics as an email attachment (``attachments_for`` in ``delivery.deliver_batch``)."""
    return Attachment(
        name=f"{invite.case_reference}-{invite.meeting}.ics",
        content=invite_ics(invite, stamp),
        mimetype="text/calendar",  # the METHOD is inside the .ics
    )
