"""Calendar invitations (.ics) for every scheduled core group and review conference.

Pure functions: a ``MeetingInvite`` in, iCalendar bytes out. The UID is stable per
(case, meeting), so a calendar updates the same entry: SEQUENCE rises with each
reschedule (R-M6) and a cancellation (R-M5, R-T16) is METHOD:CANCEL with a higher
SEQUENCE still. Summaries carry the case reference only (R-G1).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

from icalendar import Calendar, Event, vCalAddress, vText
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.dispatch import Dispatch, MeetingKind, RecipientRole
from notifications.notifier import Attachment

PRODID = "-//cp-orchestrator//child protection meetings//EN"
UID_DOMAIN = "cp-orchestrator"


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
    # A time when one was agreed; else the day as an all-day entry (the case records dates).
    starts_at: datetime | None = None
    on: date | None = None
    duration: timedelta = timedelta(hours=2)
    location: str = ""  # the venue; a family home is written as "home visit" (R-G1)
    revision: int = Field(default=0, ge=0)  # times rescheduled (R-M6)
    cancelled: bool = False
    organiser: str | None = None  # email address of the LP (or cover worker, R-E5)
    attendees: tuple[str, ...] = ()  # members' email addresses

    @field_validator("starts_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("starts_at must carry a time zone (Europe/London)")
        return value

    @model_validator(mode="after")
    def _when(self) -> MeetingInvite:
        if (self.starts_at is None) == (self.on is None):
            raise ValueError("give exactly one of starts_at (a time) or on (an all-day date)")
        return self

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
    if invite.starts_at is not None:
        event.add("dtstart", invite.starts_at.astimezone(UTC))
        event.add("dtend", (invite.starts_at + invite.duration).astimezone(UTC))
    elif invite.on is not None:  # DTSTART;VALUE=DATE, DTEND the next day (RFC 5545 3.6.1)
        event.add("dtstart", invite.on)
        event.add("dtend", invite.on + timedelta(days=1))
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


def dispatch_invite(dispatch: Dispatch) -> MeetingInvite | None:
    """The calendar entry a notice carries (``Dispatch.invite``), addressed to its members."""
    ref = dispatch.invite
    if ref is None:
        return None
    organiser = [
        email
        for recipient in dispatch.recipients
        if recipient.member is not None and recipient.member == dispatch.owner
        for email in contact_emails(recipient.contact)
    ]
    attendees = sorted(
        {
            email
            for recipient in dispatch.recipients
            if recipient.role is RecipientRole.MEMBER
            for email in contact_emails(recipient.contact)
        }
    )
    return MeetingInvite(
        case_reference=dispatch.case_reference,
        meeting=ref.meeting,
        kind=ref.kind,
        on=ref.on,
        revision=ref.revision,
        cancelled=ref.cancelled,
        organiser=organiser[0] if organiser else None,
        attendees=tuple(attendees),
    )


def meeting_attachments(dispatch: Dispatch) -> Sequence[Attachment]:
    """``attachments_for`` for delivery: the .ics of a notice that books, moves or cancels
    a meeting; DTSTAMP is when the notice fired, so a retry sends the very same file."""
    invite = dispatch_invite(dispatch)
    return [invite_attachment(invite, dispatch.fires_at)] if invite else []


def contact_emails(contact: str | None) -> list[str]:
    """Email addresses in an apprise mail URL (``mailto://user@host`` or ``?to=``), else none.

    Only for the invitation's ATTENDEE lines; the notice itself goes to the URL as it is.
    """
    if not contact or not contact.startswith(("mailto://", "mailtos://")):
        return []
    parts = urlsplit(contact)
    targets = parse_qs(parts.query).get("to", [])
    found = [t for value in targets for t in value.replace(";", ",").split(",") if "@" in t]
    path = unquote(parts.path.strip("/"))
    if "@" in path:
        found.append(path)
    if not found and parts.username and parts.hostname:
        found.append(f"{unquote(parts.username)}@{parts.hostname}")
    return [address.strip() for address in found]
