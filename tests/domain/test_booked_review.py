"""The review conference as booked (R-T7, R-T8): what counts back from the review counts back
from the day it is booked for; its deadline stays the outer bound, and what escalates.

ICPC on Wednesday 2 September 2026: the first review is due by Wednesday 2 December (3
months). Counted by hand from the bank holiday tables: 5 working days before 2 December is
25 November in England and Wales and 24 November in Scotland (St Andrew's Day, Monday 30
November); 5 working days before Wednesday 18 November is 11 November everywhere.
"""

from __future__ import annotations

import pytest

from domain.dispatch import Rung
from domain.errors import RejectedEvent
from domain.events import ReviewBooked
from domain.ladder import Status
from domain.state import fold
from tests.domain.builders import at, case, cg, d, find, icpc, obligations, rcpc

PROFILES = ["england", "bedford", "procedures-001", "highland", "luton", "west-midlands", "wales"]
UNBOOKED_CHASE = {"highland": "2026-11-24"}  # else 2026-11-25
UNBOOKED_TM = {"highland": "2026-11-26"}  # else 2026-11-27
BOOKED_ON = "2026-11-18"


def booked(on: str, day: str) -> ReviewBooked:
    return ReviewBooked(on=d(on), date=d(day))


def opening(profile: str) -> list:
    chair = "tm" if profile == "luton" else "sw"
    first = cg("2026-09-09", "cg-p0-1", "2026-10-07", "2026-11-04", chair=chair)
    return [icpc("2026-09-02", "2026-09-09"), first]


def chase_of(history, as_of: str, member: str = "hv"):
    return find(obligations(history, as_of), f"R-T9:p0:{member}")


def rung_days(obligation) -> list[tuple[str, str]]:
    return [(rung.value, moment.date().isoformat()) for rung, moment in obligation.schedule]


@pytest.mark.parametrize("profile", PROFILES)
def test_with_no_booking_everything_counts_back_from_the_deadline(profile: str) -> None:
    history = case(*opening(profile), profile=profile)
    report = chase_of(history, "2026-09-10")
    assert report.due.isoformat() == UNBOOKED_CHASE.get(profile, "2026-11-25")
    assert rung_days(report)[:2] == [
        ("chase", UNBOOKED_CHASE.get(profile, "2026-11-25")),
        ("escalation_tm", UNBOOKED_TM.get(profile, "2026-11-27")),
    ]
    assert find(obligations(history, "2026-09-10"), "R-T7:p0").due.isoformat() == "2026-12-02"


@pytest.mark.parametrize("profile", PROFILES)
def test_a_booking_inside_the_timescale_moves_reports_chase_recommendation_and_core_groups(
    profile: str,
) -> None:
    history = case(*opening(profile), booked("2026-09-10", BOOKED_ON), profile=profile)
    found = obligations(history, "2026-09-10")
    for member in ("hv", "sch1"):
        report = find(found, f"R-T9:p0:{member}")
        assert report.due.isoformat() == "2026-11-11"  # R-T9: 5 WD before the booked day
        # R-T10: chased 5 WD before, the TM 2 WD later, then the final rung 3 WD after that.
        assert rung_days(report) == [
            ("chase", "2026-11-11"),
            ("escalation_tm", "2026-11-13"),
            ("escalation_final", "2026-11-18"),
        ]
    assert find(found, "R-T17:p0").due.isoformat() == "2026-11-16"  # 2 WD before the review
    assert find(found, "R-T2").due.isoformat() == "2026-11-16"
    deadline = find(found, "R-T7:p0")
    assert deadline.due.isoformat() == "2026-12-02"  # the deadline stays the outer bound
    assert found.review is not None
    assert (found.review.deadline.isoformat(), str(found.review.booked)) == (
        "2026-12-02", BOOKED_ON,
    )  # fmt: skip


@pytest.mark.parametrize("profile", PROFILES)
def test_the_booking_sends_the_review_invitation_again_on_its_new_day(profile: str) -> None:
    history = case(*opening(profile), booked("2026-09-10", BOOKED_ON), profile=profile)
    found = obligations(history, "2026-09-10", hour=9)
    [invite] = [d for d in found.dispatches if d.obligation == "invite:rcpc-1:e2"]
    assert invite.rule == "R-T7" and invite.invite is not None
    assert (invite.invite.on.isoformat(), invite.invite.revision) == (BOOKED_ON, 1)
    assert invite.invite.meeting == "rcpc-1"  # the same calendar entry (UID), SEQUENCE up


@pytest.mark.parametrize("profile", PROFILES)
def test_booking_again_moves_them_again_and_the_old_days_chase_never_fires(profile: str) -> None:
    events = [
        *opening(profile),
        booked("2026-09-10", BOOKED_ON),
        booked("2026-11-05", "2026-11-25"),
    ]
    history = case(*events, profile=profile)
    on_old_day = obligations(history, "2026-11-12")  # the day after the old chase day
    assert find(on_old_day, "R-T9:p0:hv").rung is None
    assert not [x for x in on_old_day.dispatches if x.rung is Rung.CHASE]
    on_new_day = obligations(history, "2026-11-18")
    assert find(on_new_day, "R-T9:p0:hv").rung is Rung.CHASE
    chases = [x for x in on_new_day.dispatches if x.rung is Rung.CHASE]
    assert sorted(x.obligation for x in chases) == ["R-T9:p0:hv", "R-T9:p0:sch1"]
    moved = [x for x in obligations(history, "2026-11-05").dispatches if x.invite]
    assert [(x.invite.on.isoformat(), x.invite.revision) for x in moved if x.invite] == [
        ("2026-11-25", 2)
    ]


@pytest.mark.parametrize("profile", PROFILES)
def test_a_booking_past_the_deadline_is_refused_naming_r_t7(profile: str) -> None:
    with pytest.raises(RejectedEvent) as refused:
        fold(case(*opening(profile), booked("2026-09-10", "2026-12-03"), profile=profile))
    assert (refused.value.rule, refused.value.field) == ("R-T7", "date")
    assert "2026-12-02" in str(refused.value)


def test_a_later_reviews_booking_past_its_deadline_is_refused_naming_r_t8() -> None:
    events = [*opening("england"), rcpc("2026-12-02", "2026-12-09")]
    fold(case(*events, booked("2026-12-03", "2027-06-02")))  # 6 months: inside
    with pytest.raises(RejectedEvent) as refused:
        fold(case(*events, booked("2026-12-03", "2027-06-03")))
    assert refused.value.rule == "R-T8"


def test_a_booking_in_the_past_is_refused() -> None:
    with pytest.raises(RejectedEvent) as refused:
        fold(case(*opening("england"), booked("2026-09-10", "2026-09-09")))
    assert refused.value.field == "date"


def test_a_conference_may_book_the_next_review_itself() -> None:
    history = case(icpc("2026-09-02", "2026-09-09", review_on=d(BOOKED_ON)))
    assert find(obligations(history, "2026-09-03"), "R-T9:p0:hv").due.isoformat() == "2026-11-11"
    with pytest.raises(RejectedEvent) as refused:
        fold(case(icpc("2026-09-02", "2026-09-09", review_on=d("2026-12-04"))))
    assert (refused.value.field, refused.value.rule) == ("review_on", "R-T7")


@pytest.mark.parametrize("profile", PROFILES)
def test_a_booked_day_that_passes_with_no_review_is_missed_at_once_and_the_deadline_escalates(
    profile: str,
) -> None:
    history = case(*opening(profile), booked("2026-09-10", BOOKED_ON), profile=profile)
    before = obligations(history, "2026-11-19", hour=7)
    assert find(before, "R-T7:p0:booked").rung is None
    after = obligations(history, "2026-11-19", hour=8)  # the next working day's business hour
    missed = find(after, "R-T7:p0:booked")
    assert (missed.status, missed.rung) == (Status.OVERDUE, Rung.MISSED)
    assert rung_days(missed) == [("missed", "2026-11-19")]  # the missed rung alone
    deadline = find(after, "R-T7:p0")
    assert deadline.status is not Status.OVERDUE and deadline.rung is None
    later = obligations(history, "2026-12-07", hour=9)
    assert find(later, "R-T7:p0").rung is Rung.ESCALATION_TM  # the deadline escalates
    assert find(later, "R-T7:p0:booked").rung is Rung.MISSED  # and the booking never does


def test_a_review_held_on_the_booked_day_meets_both() -> None:
    history = case(
        *opening("england"), booked("2026-09-10", BOOKED_ON), rcpc(BOOKED_ON, "2026-11-25")
    )
    found = obligations(history, "2026-11-20")
    assert find(found, "R-T7:p0").status is Status.MET
    assert find(found, "R-T7:p0:booked").status is Status.MET
    assert not [x for x in found.dispatches if x.obligation.startswith("R-T7")]


def test_bringing_the_review_forward_moves_the_deadline_and_drops_the_booking() -> None:
    from domain.events import ReviewBroughtForward

    change = ReviewBroughtForward(
        on=d("2026-11-02"), to=d("2026-11-10"), authorised_by="tm", reason="new incident"
    )
    history = case(*opening("england"), booked("2026-09-10", BOOKED_ON), change)
    found = obligations(history, "2026-11-02")
    assert find(found, "R-T7:p0").due.isoformat() == "2026-11-10"
    assert "R-T7:p0:booked" not in {o.key for o in found.obligations}
    assert find(found, "R-T9:p0:hv").due.isoformat() == "2026-11-03"
    late = ReviewBroughtForward(
        on=d("2026-11-02"), to=d("2026-11-19"), authorised_by="tm", reason="not earlier"
    )
    with pytest.raises(RejectedEvent) as refused:  # not forward of the day booked
        fold(case(*opening("england"), booked("2026-09-10", BOOKED_ON), late))
    assert refused.value.rule == "R-E3"


def test_the_booking_changes_nothing_before_it_is_known() -> None:
    history = case(*opening("england"), booked("2026-10-01", BOOKED_ON))
    assert find(obligations(history, "2026-09-30"), "R-T9:p0:hv").due.isoformat() == "2026-11-25"
    assert at("2026-09-30").tzinfo is not None
