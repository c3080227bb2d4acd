"""Late entries (R-G3): an event recorded after later ones takes its place in the case's story.

Every rule that depends on order is checked with the late event in its place: a late entry
that is valid there is accepted whatever was recorded after it; one that would leave a later
event invalid is refused naming that event and its rule. The journal is the order things
were recorded in; the fold is the order they happened in.
"""

from __future__ import annotations

from datetime import datetime, time

import pytest

from domain.errors import RejectedEvent
from domain.events import (
    AgencyReportReceived,
    CoreGroupCancelled,
    Event,
    EventVoided,
    MemberWithdrew,
    MinutesCirculated,
    PlanEnded,
    PlanEndReason,
    ReviewBooked,
    ReviewBroughtForward,
    VisitMade,
)
from domain.ladder import LONDON, Status
from domain.obligations import view
from domain.state import fold, journal
from tests.domain.builders import at, case, cg, d, find, icpc, rcpc

OPEN = icpc("2026-12-01", "2026-12-08")


def visit(on: str, visitor: str = "sw", **changes: object) -> VisitMade:
    return VisitMade(on=d(on), visitor=visitor, children_seen=("c1",), **changes)  # type: ignore[arg-type]


def record_late(recorded: list[Event], late: Event) -> None:
    """``late`` recorded after ``recorded`` (journal order), dated before some of them."""
    fold(case(*recorded, late), new_from=len(recorded))


VALID = [
    pytest.param(
        [OPEN, visit("2026-12-10")],
        cg("2026-12-08", "cg-p0-1", "2027-01-05"),
        id="core-group-typed-up-after-a-later-visit",
    ),
    pytest.param(
        [OPEN, visit("2026-12-10"), cg("2026-12-08", "cg-p0-1", "2027-01-05")],
        MinutesCirculated(on=d("2026-12-09"), meeting="cg-p0-1"),
        id="minutes-of-a-late-core-group-before-a-later-visit",
    ),
    pytest.param(
        [OPEN, visit("2026-12-03"), visit("2026-12-17")],
        visit("2026-12-10", "hv"),
        id="a-visit-between-two-others",
    ),
    pytest.param(
        [OPEN, cg("2026-12-08", "cg-p0-1", "2027-01-05"), visit("2027-03-05")],
        rcpc("2027-03-01", "2027-03-08"),
        id="a-review-conference-before-a-later-visit",
    ),
    pytest.param(
        [OPEN, ReviewBooked(on=d("2026-12-20"), date=d("2027-02-20"))],
        ReviewBooked(on=d("2026-12-10"), date=d("2027-02-26")),
        id="an-earlier-booking-of-the-review",
    ),
    pytest.param(
        [OPEN, visit("2026-12-21")],
        PlanEnded(on=d("2026-12-22"), reason=PlanEndReason.LEFT_UK, recorded_by="tm"),
        id="plan-ended-after-the-last-event",
    ),
]


@pytest.mark.parametrize(("recorded", "late"), VALID)
def test_a_late_entry_valid_in_its_place_is_accepted(recorded: list[Event], late: Event) -> None:
    record_late(recorded, late)
    state = fold(case(*recorded, late))
    assert [e.on for e in state.events] == sorted(e.on for e in state.events)  # as it happened
    assert journal(state)[-1] == late  # ... and the journal as it was recorded


BREAKS_A_LATER_EVENT = [
    pytest.param(
        [OPEN, AgencyReportReceived(on=d("2026-12-15"), member="hv")],
        MemberWithdrew(on=d("2026-12-10"), member="hv"),
        1,
        "member",
        "R-T9",
        id="a-withdrawal-before-the-members-report",
    ),
    pytest.param(
        [OPEN, visit("2026-12-15")],
        PlanEnded(on=d("2026-12-10"), reason=PlanEndReason.LEFT_UK, recorded_by="tm"),
        1,
        "type",
        "R-LC2",
        id="the-plan-ended-before-a-later-visit",
    ),
    pytest.param(
        [OPEN, cg("2026-12-15", "cg-p0-1", "2027-01-12")],
        cg("2026-12-08", "cg-p0-1", "2027-01-05"),
        1,
        "meeting",
        "R-G3",
        id="the-same-core-group-held-earlier",
    ),
    pytest.param(
        [OPEN, ReviewBooked(on=d("2026-12-20"), date=d("2027-02-20"))],
        ReviewBroughtForward(
            on=d("2026-12-10"), to=d("2027-02-10"), authorised_by="tm", reason="an incident"
        ),
        1,
        "date",
        "R-T7",
        id="a-review-brought-forward-before-a-later-booking-past-it",
    ),
    pytest.param(
        [OPEN, MinutesCirculated(on=d("2026-12-10"), meeting="cg-p0-1")],
        cg("2026-12-12", "cg-p0-1", "2027-01-05"),
        1,
        "meeting",
        "R-T5",
        id="minutes-recorded-before-the-meeting-they-follow",
    ),
]


@pytest.mark.parametrize(("recorded", "late", "broken", "field", "rule"), BREAKS_A_LATER_EVENT)
def test_a_late_entry_that_would_leave_a_later_event_invalid_is_refused_naming_it(
    recorded: list[Event], late: Event, broken: int, field: str, rule: str
) -> None:
    with pytest.raises(RejectedEvent) as refused:
        record_late(recorded, late)
    assert (refused.value.index, refused.value.field, refused.value.rule) == (broken, field, rule)


PLAIN_REFUSALS = [
    pytest.param(cg("2026-11-30", "cg-p0-1"), "on", "R-G3", id="before-the-case-opened"),
    pytest.param(
        cg("2026-12-08", "cg-p0-1", chair="sw", minute_taker="sw"), "minute_taker", "R-M2",
        id="chair-takes-the-minutes-at-that-meeting",
    ),
    pytest.param(
        CoreGroupCancelled(
            on=d("2026-12-08"), meeting="cg-p0-1",
            at=datetime.combine(d("2026-12-09"), time(10), LONDON),
        ),
        "at", "R-G3", id="cancelled-on-another-day-than-recorded",
    ),
    pytest.param(
        EventVoided(on=d("2026-12-09"), voids=3, reason="x", authorised_by="tm"),
        "voids", "R-G3", id="voids-an-event-recorded-after-it",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("late", "field", "rule"), PLAIN_REFUSALS)
def test_a_late_entry_breaking_its_own_rule_in_its_place_is_refused(
    late: Event, field: str, rule: str
) -> None:
    recorded: list[Event] = [OPEN, visit("2026-12-10")]
    with pytest.raises(RejectedEvent) as refused:
        record_late(recorded, late)
    assert (refused.value.index, refused.value.field, refused.value.rule) == (2, field, rule)


def test_a_core_group_recorded_late_meets_its_deadline_as_if_recorded_on_the_day() -> None:
    on_time = case(OPEN, cg("2026-12-08", "cg-p0-1", "2027-01-05"), visit("2026-12-10"))
    late = case(OPEN, visit("2026-12-10"), cg("2026-12-08", "cg-p0-1", "2027-01-05"))
    as_of = at("2026-12-20")
    first, second = view(on_time, as_of), view(late, as_of)
    assert find(second, "R-T1:p0:cg1").status is Status.MET
    assert find(second, "R-T1:p0:cg1").met_on == d("2026-12-08")
    assert [(o.key, o.status, o.rung) for o in first.obligations] == [
        (o.key, o.status, o.rung) for o in second.obligations
    ]


def test_a_view_of_the_past_leaves_out_what_had_not_happened_without_renumbering() -> None:
    """Known by a day, a journal out of date order keeps its numbers: a correction made by
    then still voids the event it names, not another."""
    typo = visit("2026-12-20")
    history = case(
        OPEN, typo, visit("2026-12-05"),
        EventVoided(on=d("2026-12-07"), voids=2, reason="wrong day", authorised_by="tm"),
    )  # fmt: skip
    state = fold(history, known_by=d("2026-12-10"))
    assert state.voided == {2: typo}
    assert [e.on for e in state.events] == [d("2026-12-01"), d("2026-12-05"), d("2026-12-07")]
