"""When a thing happened and when the store learned it (R-G2, R-G3).

An event's ``on`` is the day it happened; the journal row's ``recorded_at`` is when it was
recorded, from the store's clock, never from input. The difference is the event's
**recording lag**, in working days: a core group typed up the day after a later visit is
recorded 1 working day late, and takes its place in the case's story all the same (the
fold goes by ``on``). A late entry older than the profile's ``late_entry_reason_after_wd``
needs a reason, chosen from a short list (so no free text, and no name, reaches Prefect
through it: R-G1), which the journal keeps and the case page shows.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from domain.calendar import WorkingDayCalendar
from domain.errors import RejectedEvent
from domain.profiles import PolicyProfile


class LateReason(StrEnum):
    """Why an event is recorded long after it happened."""

    WRITTEN_UP_LATER = "written_up_later"  # typed up after the meeting or visit
    RECEIVED_LATE = "received_late"  # the record (minutes, a report) reached the recorder late
    RECORDED_ELSEWHERE_FIRST = "recorded_elsewhere_first"  # on paper or another system first
    SYSTEM_UNAVAILABLE = "system_unavailable"
    CORRECTION = "correction"  # recorded again after a mistake was voided (R-G3)
    IMPORTED = "imported"  # a case history file brought in from elsewhere


LATE_REASON_WORDS = {
    LateReason.WRITTEN_UP_LATER: "written up after the meeting or visit",
    LateReason.RECEIVED_LATE: "the record reached us late",
    LateReason.RECORDED_ELSEWHERE_FIRST: "recorded on paper or in another system first",
    LateReason.SYSTEM_UNAVAILABLE: "the system was unavailable",
    LateReason.CORRECTION: "recorded again after a mistake was voided",
    LateReason.IMPORTED: "imported from a case history file",
}


def recording_lag(calendar: WorkingDayCalendar, on: date, recorded_on: date) -> int:
    """Working days after ``on`` up to the day it was recorded (0: recorded on the day, or
    on the next working day's eve, such as a Saturday visit recorded on the Sunday)."""
    if recorded_on <= on:
        return 0
    return calendar.between(on, recorded_on)


def lag_words(lag: int) -> str:
    """ "recorded 3 working days later", as the timeline says it ("" when on time)."""
    if lag <= 0:
        return ""
    return f"recorded {lag} working day{'s' if lag != 1 else ''} later"


def check_late_entry(
    policy: PolicyProfile,
    on: date,
    today: date,
    reason: LateReason | None,
    index: int | None = None,
) -> int:
    """The event's lag as of ``today``; an entry later than the profile allows without a
    reason is refused (R-G3), naming the field to fill in. Returns the lag."""
    lag = recording_lag(policy.calendar, on, today)
    limit = policy.late_entry_reason_after_wd
    if lag > limit and reason is None:
        raise RejectedEvent(
            "late_reason",
            "R-G3",
            f"{on} was {lag} working days ago, more than {limit}: say why it is recorded "
            f"late ({', '.join(r.value for r in LateReason)})",
            index,
        )
    return lag
