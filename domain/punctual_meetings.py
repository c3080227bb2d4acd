"""The conferences and core groups of a case run to time (``domain.punctual``): each review
on or before its deadline, booked, booked again or brought forward (R-T7, R-T8, R-E3); each
core group inside its deadline (R-T1 to R-T4), its next dates set at the first (R-M7), its
minutes, agreements and copies on time (R-T5, R-T6, R-P5, R-T20), its recommendation at the
last before the review (R-T17), apologies with reports (R-M3); every report for the review
and its copy to the family (R-T9, R-T19)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from domain.case import first_core_group
from domain.events import (
    AgencyReportReceived,
    AgreementSigned,
    ApologiesSent,
    Attendance,
    ConferenceDecision,
    ConferenceHeld,
    ConferenceKind,
    CoreGroupCancelled,
    CoreGroupHeld,
    CoreGroupRescheduled,
    CoreGroupScheduled,
    EpisodeClosure,
    FamilyShare,
    MinutesCirculated,
    ReviewBooked,
    ReviewBroughtForward,
    RiskDecided,
    RiskDecision,
    RiskRaised,
    SharedWithFamily,
)
from domain.punctual_case import Case, cadence_day, review_day
from domain.timescales import LONDON, add_weeks


@dataclass
class Review:
    """How a period's review comes about: its day, and the events that set or move it."""

    day: date
    at_conference: date | None = None  # ``review_on``
    events: list[object] = field(default_factory=list)


@dataclass
class Meeting:
    id: str
    day: date
    booked_on: date | None  # the day its date was set, if it was booked ahead


def periods(case: Case, opening: ConferenceHeld) -> None:
    """Every conference period from the opening conference until the plan or the case ends."""
    rng, period, conference = case.rng, 0, opening.on
    plan = _review(case, conference, period)
    case.journal.add(opening.model_copy(update={"review_on": plan.at_conference}), rank=0)
    first = Meeting(first_core_group(0), opening.first_cg_on or conference, conference)
    while True:
        for event in plan.events:
            case.journal.add(event, rank=1)  # type: ignore[arg-type]
        carry = _core_groups(case, period, conference, plan.day, first)
        _reports(case, period, conference, plan.day)
        if plan.day >= case.stop:
            return
        case.conferences.append(conference)
        case.reviews.append(plan.day)
        if period >= 1 and rng.random() < 0.12:
            case.stop = plan.day
            case.closing = ConferenceHeld(
                on=plan.day, kind=ConferenceKind.REVIEW, decision=ConferenceDecision.END,
                chair="ch-1", closure=EpisodeClosure.CIN_CONTINUES,
            )  # fmt: skip
            return
        period, conference = period + 1, plan.day
        plan = _review(case, conference, period)
        first = carry or Meeting(first_core_group(period), case.after(conference, 2, 8), conference)
        case.journal.add(
            ConferenceHeld(
                on=conference, kind=ConferenceKind.REVIEW, decision=ConferenceDecision.CONTINUE,
                chair="ch-1", first_cg_on=first.day, review_on=plan.at_conference,
            ),
            rank=0,
        )  # fmt: skip


def _review(case: Case, conference: date, period: int) -> Review:
    """On its deadline or just before; booked (sometimes twice, the chair agreeing, 003
    §1.4.12), or brought forward by the TM on a risk (R-E2, R-E3, 003 §1.4.14)."""
    rng, profile = case.rng, case.profile
    deadline, day = review_day(case, conference, period)
    at_conference = day if profile.review_set_at_conference else None
    mode = rng.choices(("deadline", "booked", "rebooked", "forward"), (4, 3, 2, 2 if period else 0))
    if mode[0] == "forward":
        moved = case.before(deadline, 20, 35)
        decided = case.before(moved, 25, 30)
        if decided > case.calendar.add(conference, 5):
            return Review(moved, at_conference, _forward(decided, moved))
    if mode[0] == "booked" and at_conference is None:
        return Review(day, None, [ReviewBooked(on=case.after(conference, 1, 3), date=day)])
    if mode[0] == "rebooked":
        first = at_conference or case.before(deadline, 0, 2)
        events: list[object] = []
        if at_conference is None:
            events.append(ReviewBooked(on=case.after(conference, 1, 3), date=first))
        events.append(ReviewBooked(on=case.after(conference, 6, 12), date=day, chair_agreed=True))
        return Review(day, at_conference, events)
    if at_conference is not None:
        return Review(day, at_conference)
    return Review(deadline)  # held on its deadline: nothing counts from another day


def _forward(decided: date, moved: date) -> list[object]:
    at = datetime.combine(decided, time(10), LONDON)
    return [
        RiskRaised(on=decided, member="hv", summary="Risk not reduced"),
        RiskDecided(on=decided, by="tm", decision=RiskDecision.REVIEW_BROUGHT_FORWARD),
        ReviewBroughtForward(
            on=at.date(), to=moved, authorised_by="tm", reason="difficulty carrying out the plan",
            chair_agreed=True,
        ),
    ]  # fmt: skip


def _core_group_days(case: Case, period: int, first: date, review: date) -> list[date]:
    profile, weeks = case.profile, _weeks(case, period)
    days = [first]
    while True:
        nxt = cadence_day(case, days[-1], weeks)
        if nxt >= review:
            break
        # R-T2, R-T17: the last before the review is held by two working days before it
        nxt = min(nxt, case.calendar.subtract(review, 2))
        if nxt <= days[-1]:
            break
        days.append(nxt)
    need = profile.cgs_before_first_review
    if period == 0 and len(days) < need:  # R-T2: closer together, all in time
        eve = case.calendar.subtract(review, 2)
        gap = (eve - first).days // (need - 1)
        days = [first, *(case.working(first + timedelta(days=gap * k)) for k in range(1, need))]
    return days


def _core_groups(
    case: Case, period: int, conference: date, review: date, first: Meeting
) -> Meeting | None:
    """The period's core groups; returns the next period's first, if one was booked ahead."""
    need = case.profile.cg_dates_set_at_first_cg
    meetings = _booked(case, first, _core_group_days(case, period, first.day, review), need)
    carry: Meeting | None = None
    extra = need - (len(meetings) - 1)
    if extra > 0 or (case.rng.random() < 0.3 and review < case.stop):
        after = case.after(review, 2, 8)
        booker = meetings[0] if extra > 0 else meetings[-1]
        n = len(meetings) if extra > 0 else 1
        # R-M6: a date booked at the last core group is inside the deadline known that day
        # (a review brought forward after it was booked does not make a later date good)
        in_time = after <= add_weeks(case.calendar, booker.day, _weeks(case, period))
        if extra > 0 or in_time:
            carry = Meeting(f"{booker.id}-next-{n}", after, booker.day)
    weeks = _weeks(case, period)
    for k, meeting in enumerate(meetings):
        last = k == len(meetings) - 1
        booked = [m.day for m in meetings[k + 1 : k + 1 + need]] if k == 0 else []
        if carry is not None and k == 0 and extra > 0:  # R-M7: the dates run past the review
            weeks_on = (case.working(carry.day + timedelta(weeks=n)) for n in range(1, extra))
            booked = [*booked, carry.day, *weeks_on]
        elif carry is not None and last:
            booked = [carry.day]
        deadline = add_weeks(case.calendar, meetings[k - 1].day, weeks) if k else meeting.day
        _hold(case, period, meeting, k, tuple(booked), last, deadline)
    return carry


def _booked(case: Case, first: Meeting, days: list[date], need: int) -> list[Meeting]:
    """The first core group books the next ``need`` (R-M7); the rest are scheduled at the one
    before (R-M6 checks the date), or held without being booked."""
    meetings = [first]
    for n, day in enumerate(days[1:], start=1):
        if n <= need:
            meetings.append(Meeting(f"{first.id}-next-{n}", day, first.day))
        elif case.rng.random() < 0.5:
            booked_on = meetings[-1].day
            meeting = Meeting(case.next_id("cg-"), day, booked_on)
            case.journal.add(CoreGroupScheduled(on=booked_on, meeting=meeting.id, date=day), rank=2)
            meetings.append(meeting)
        else:
            meetings.append(Meeting(case.next_id("cg-"), day, None))
    return meetings


def _weeks(case: Case, period: int) -> int:
    profile = case.profile
    return (
        profile.cg_every_weeks_before_review if period == 0 else profile.cg_every_weeks_after_review
    )


def _hold(case: Case, period: int, meeting: Meeting, k: int, next_dates: tuple[date, ...],
          last: bool, deadline: date) -> None:  # fmt: skip
    """One core group: cancelled as inquorate and moved inside its deadline now and then
    (R-M5, R-T16, R-M6), then held, minuted and copied."""
    profile = case.profile
    if k >= 1 and meeting.booked_on is not None and not last and case.rng.random() < 0.1:
        meeting = _inquorate(case, meeting, deadline)
    day = meeting.day
    chair = "tm" if (k == 0 and period == 0 and profile.manager_chairs_first_cg) else "sw"
    if case.covering(day):
        chair = "tm"
    members = case.professionals_on(day)
    vice = None
    if k == 0 and profile.vice_chair:
        vice = "sch1" if "sch1" in members else "hv"
    case.journal.add(
        CoreGroupHeld(
            on=day, meeting=meeting.id, chair=chair, minute_taker="hv",
            attendance=_attendance(case, meeting, chair, members), next_dates=next_dates,
            recommendation="Continue the plan" if last else None, vice_chair=vice,
            contingency_plan="Placement with a relative"
            if k == 0 and profile.contingency_plan else None,
        ),
        rank=3,
    )  # fmt: skip
    _afterwards(case, period, meeting, k)


def _inquorate(case: Case, meeting: Meeting, deadline: date) -> Meeting:
    """Cancelled as inquorate on its day, moved the same day to a date inside its deadline
    (R-M5, R-T16, R-M6)."""
    moved = case.after(meeting.day, 1, 2)
    if moved > deadline or moved >= case.stop:
        return meeting
    at = datetime.combine(meeting.day, time(10), LONDON)
    cancelled = CoreGroupCancelled(on=meeting.day, meeting=meeting.id, at=at, present=("sw",))
    case.journal.add(cancelled, rank=3)
    case.journal.add(CoreGroupRescheduled(on=meeting.day, meeting=meeting.id, date=moved), 3)
    return Meeting(meeting.id, moved, meeting.booked_on)


def _attendance(case: Case, meeting: Meeting, chair: str, professionals: list[str]) -> Attendance:
    """R-M3: a member who cannot come sends apologies ahead and a written report; R-M4: the
    family's absence and its reasons."""
    rng = case.rng
    apologies: tuple[str, ...] = ()
    if "sch1" in professionals and rng.random() < 0.2:
        apologies = ("sch1",)
        if meeting.booked_on is not None and meeting.booked_on < meeting.day:
            sent = max(meeting.booked_on, case.before(meeting.day, 1, 3))
            if sent < meeting.day:
                case.journal.add(ApologiesSent(on=sent, meeting=meeting.id, member="sch1"), rank=2)
    family_absent = rng.random() < 0.1
    present = {chair, "sw" if not case.covering(meeting.day) else "tm", *professionals}
    present -= set(apologies)
    if not family_absent:
        present.add("par1")
    return Attendance(
        present=tuple(sorted(present)), apologies=apologies, reports_received=apologies,
        absent=("par1",) if family_absent else (),
        family_absence_reasons={"par1": "unwell"} if family_absent else {},
    )  # fmt: skip


def _afterwards(case: Case, period: int, meeting: Meeting, k: int) -> None:
    """R-T5 the minutes; R-T6 the agreement (first of a period, 003); R-P5 the plan's copy to
    the family (003); R-T20 the minutes' copy to the family (002)."""
    profile, day = case.profile, meeting.day
    within = profile.minutes_within_wd
    copied = tuple(
        name for name, on in (("qa_manager", profile.minutes_to_qa_manager),
                              ("conference_chair", profile.minutes_to_conference_chair)) if on
    )  # fmt: skip
    minutes = case.after(day, 1, within)
    case.journal.add(MinutesCirculated(on=minutes, meeting=meeting.id, copied_to=copied), rank=6)
    if k == 0 and profile.signed_agreement:
        for member in case.members:
            signed = case.after(minutes, 1, profile.agreement_within_wd)
            if member in case.withdrawn and case.withdrawn[member] <= signed:
                continue  # left first: the agreement is no longer owed (R-T6)
            if case.joined.get(member, case.start) > minutes:
                continue
            case.journal.add(AgreementSigned(on=signed, member=member, meeting=meeting.id), rank=6)
    if k == 0 and profile.plan_to_family:
        case.journal.add(
            SharedWithFamily(on=case.after(day, 1, within), what=FamilyShare.PLAN), rank=6
        )
    if profile.minutes_to_family:
        case.journal.add(
            SharedWithFamily(
                on=case.after(day, 1, within), what=FamilyShare.MINUTES, meeting=meeting.id
            ),
            rank=6,
        )


def _reports(case: Case, period: int, conference: date, review: date) -> None:
    """R-T9: every professional's report before the review; R-T19: shared with the family."""
    due = case.calendar.subtract(review, case.profile.reports_before_review_wd)
    for member in case.professionals_on(due):
        earliest = max(case.calendar.add(conference, 1), case.joined[member])
        day = max(case.before(due, 0, 4), earliest)
        if day > due:
            continue
        case.journal.add(AgencyReportReceived(on=day, member=member), rank=6)
        case.journal.add(SharedWithFamily(on=day, what=FamilyShare.REPORT, member=member), rank=6)
