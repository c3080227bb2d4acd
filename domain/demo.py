"""The demo caseload: about 40 synthetic cases at different stages, relative to a given day.

Stages: new (just out of the ICPC), mid-plan, overdue minutes (escalated to the TM),
reports missing before a review (chased), an unacknowledged escalation (the final rung),
and an ended plan. Half the mid-plan cases and half of those near their review have it
booked two weeks before its deadline (R-T7, R-T8), so reports are chased before the day
booked. Pure: the same ``today`` gives the same cases.
"""

from __future__ import annotations

from datetime import date, timedelta

from domain.calendar import WorkingDayCalendar
from domain.child_facts import ChildFacts
from domain.events import (
    ConferenceDecision,
    ConferenceHeld,
    ConferenceKind,
    CoreGroupHeld,
    EpisodeClosure,
    Event,
    ReviewBooked,
)
from domain.history import CaseHistory
from domain.profiles import calendar_for, load_profile, profile_names
from domain.synthetic import TEAMS, synthetic_facts, synthetic_history
from domain.timescales import add_months, review_deadline

STAGES = ("new", "mid_plan", "overdue_minutes", "reports_missing", "unacknowledged", "ended")


def demo_caseload(today: date, count: int = 40) -> list[CaseHistory]:
    profiles = profile_names()
    return [
        demo_case(today, index, STAGES[index % len(STAGES)], profiles[index % len(profiles)])
        for index in range(count)
    ]


def demo_facts(cases: list[CaseHistory]) -> dict[str, tuple[ChildFacts, ...]]:
    """Invented personal facts for every demo child, by case reference (for the returns)."""
    return {case.reference: synthetic_facts(case, 10_000 + n) for n, case in enumerate(cases)}


def demo_case(today: date, index: int, stage: str, profile: str) -> CaseHistory:
    calendar = calendar_for(load_profile(profile))
    reference = f"CP-DEMO-{index + 1:03d}"
    seed = 10_000 + index

    def window(days_back: int, days_short: int = 0) -> CaseHistory:
        start, end = today - timedelta(days=days_back), today - timedelta(days=days_short)
        return synthetic_history(
            seed, reference, start=start, end=end, profile_name=profile, assessments=True
        )

    if stage == "new":
        start = calendar.subtract(today, 2)
        history = synthetic_history(
            seed, reference, start=start, end=start + timedelta(days=1), profile_name=profile,
            assessments=True,
        )  # fmt: skip
    elif stage == "mid_plan":
        history = window(150)
    elif stage == "reports_missing":
        history = window((today - add_months(today + timedelta(days=6), -3)).days)
    elif stage in ("overdue_minutes", "unacknowledged"):
        held = calendar.subtract(today, 8 if stage == "overdue_minutes" else 14)
        history = _append(window(70, 22), _core_group(held, today, profile))
    else:  # ended: the final review conference decides to end the plan
        ended = ConferenceHeld(
            on=calendar.subtract(today, 10),
            kind=ConferenceKind.REVIEW,
            decision=ConferenceDecision.END,
            chair="ch-1",
            # the episode: stepped down to a child-in-need plan, or closed (RC7)
            closure=EpisodeClosure.CIN_CONTINUES if index % 2 else EpisodeClosure.SERVICES_CEASED,
        )
        history = _append(window(200, 30), ended)
    if stage in ("mid_plan", "reports_missing") and index % 4 < 2:
        history = _book_review(history, calendar)
    return history.model_copy(update={"team": TEAMS[index % len(TEAMS)]})


def _book_review(history: CaseHistory, calendar: WorkingDayCalendar) -> CaseHistory:
    """Book the next review two weeks (10 WD) before its deadline, two working days after
    the conference that set it: a booking inside the timescale."""
    conferences = [e for e in history.events if isinstance(e, ConferenceHeld)]
    last = conferences[-1]
    deadline = review_deadline(load_profile(history.profile), calendar, last.on,
                               len(conferences) - 1)  # fmt: skip
    on, day = calendar.add(last.on, 2), calendar.subtract(deadline, 10)
    if day <= on or history.events[-1].on < on:
        return history
    booking = ReviewBooked(on=on, date=day, chair_agreed=True)  # 003 §1.4.12
    events = [e for e in history.events if e.on <= on] + [booking]
    events += [e for e in history.events if e.on > on]
    return history.model_copy(update={"events": tuple(events)})


def _core_group(held: date, today: date, profile: str) -> CoreGroupHeld:
    dates = load_profile(profile).cg_dates_set_at_first_cg
    return CoreGroupHeld(
        on=held,
        meeting="cg-d1",
        chair="tm",
        minute_taker="hv",
        next_dates=tuple(today + timedelta(weeks=2 * k) for k in range(1, dates + 1)),
    )


def _append(history: CaseHistory, event: Event) -> CaseHistory:
    return history.model_copy(update={"events": (*history.events, event)})
