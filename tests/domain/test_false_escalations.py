"""The defects that escalated what was not late, or said the wrong thing (issue "every
obligation ... not one false escalation"), each as a history that showed it.

ICPC on Monday 5 October 2026 (england unless said): R-T1 is due 10 WD later, on Monday 19
October; the first review (R-T7) by Tuesday 5 January 2027.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.dispatch import RecipientRole, Rung
from domain.errors import RejectedEvent
from domain.events import (
    ChildBorn,
    ConferenceKind,
    CoreGroupCancelled,
    CoreGroupScheduled,
    ReviewBroughtForward,
    VisitMade,
)
from domain.ladder import Status
from domain.obligations import derive
from domain.profiles import PROFILE_DIR, calendar_for, load_profile
from domain.state import fold
from domain.visits import statutory
from notifications.render import render
from tests.domain.builders import at, case, cg, d, find, icpc, obligations, rcpc

LATE = {Rung.MISSED, Rung.ESCALATION_TM, Rung.ESCALATION_FINAL}


def escalated(history, as_of: str) -> set[str]:
    """The obligations whose missed, TM or final rung has been reached as of ``as_of``."""
    found = obligations(history, as_of)
    return {o.key for o in found.obligations if o.rung in LATE}


def test_a_core_group_booked_before_the_review_and_held_after_it_is_the_next_periods():
    """000 and 001 tell core groups to book ahead: the last core group before the review
    books the first after it; the review conference sets that same day (R-LC1). Held after
    the review under the id it was booked with, it meets R-T4's first core group of the new
    period, and nothing climbs to the head of service."""
    history = case(
        icpc("2026-10-05", "2026-10-12"),
        cg("2026-10-12", "cg-p0-1", "2026-11-09"),
        cg("2026-11-09", "cg-p0-1-next-1", "2026-12-07"),
        cg("2026-12-07", "cg-2", "2027-01-11", recommendation="Continue"),
        rcpc("2027-01-04", "2027-01-11"),
        cg("2027-01-11", "cg-2-next-1", "2027-02-08"),
    )
    found = obligations(history, "2027-03-01")
    first = find(found, "R-T4:p1:cg1")
    assert first.status is Status.MET and first.met_on == d("2027-01-11")
    assert first.rung is None
    assert [m.id for m in fold(history).held_in_period(1)] == ["cg-2-next-1"]


def test_an_unborn_child_is_owed_no_visit_until_born_then_from_the_birth():
    """R-LC4: a pre-birth plan's child is not seen, nor seen alone, before birth; the visits
    fall due four weeks after the birth."""
    conference = icpc("2026-10-05", "2026-10-12", kind=ConferenceKind.PRE_BIRTH)
    before = case(conference, cg("2026-10-12", "cg-p0-1", "2026-11-09"))
    keys = {o.key for o in obligations(before, "2026-12-14").obligations}
    assert not [k for k in keys if k.startswith(("R-T11", "R-T12"))]
    born = case(*before.events, ChildBorn(on=d("2026-12-01"), child="c1"))
    seen = find(obligations(born, "2026-12-14"), "R-T11:c1:2026-12-01")
    alone = find(obligations(born, "2026-12-14"), "R-T12:c1:2026-12-01")
    assert (seen.due, alone.due) == (d("2026-12-29"), d("2026-12-29"))
    assert seen.status is Status.UPCOMING


def test_a_teachers_visit_is_a_sighting_not_the_lead_professionals_visit():
    """000: "The named Lead Professional must see ... alone at least every 4 weeks"; 003
    §1.4.6. A teacher's visit is recorded but meets neither R-T11 nor R-T12, and is not the
    child's last statutory visit (Annex A reads ``seen``)."""
    teacher = VisitMade(
        on=d("2026-10-20"), visitor="sch1", children_seen=("c1",), seen_alone=("c1",)
    )
    history = case(icpc("2026-10-05", "2026-10-12"), teacher)
    state = fold(history)
    assert not statutory(state, teacher)
    assert state.seen_alone.get("c1", []) == [] and state.seen.get("c1", []) == []
    assert state.sightings["c1"] == [d("2026-10-20")]
    assert find(obligations(history, "2026-11-06"), "R-T12:c1:2026-10-05").status is (
        Status.OVERDUE
    )


def test_bringing_the_review_forward_tells_the_conference_chair_and_moves_their_entry():
    """R-E3, 003 §1.4.12 and §1.4.14: the chair, invited to the review, gets the moved
    calendar entry (same meeting, a higher revision) as the members do."""
    forward = ReviewBroughtForward(
        on=d("2026-11-02"), to=d("2026-12-01"), authorised_by="tm", reason="incident"
    )
    found = obligations(case(icpc("2026-10-05", "2026-10-12"), forward), "2026-11-02", 12)
    [notice] = [x for x in found.dispatches if x.rule == "R-E3" and x.rung is Rung.NOTICE]
    assert RecipientRole.CONFERENCE_CHAIR in {r.role for r in notice.recipients}
    assert notice.invite is not None and notice.invite.meeting == "rcpc-1"
    assert (notice.invite.on, notice.invite.revision) == (d("2026-12-01"), 1)


def test_an_escalation_names_the_profiles_acknowledgers(monkeypatch: pytest.MonkeyPatch):
    """R-E6: a profile that lets the LP acknowledge too says so in the notice (the notice
    reads the case's profile by name: here, one no file holds)."""
    from notifications import render as rendering

    history = case(icpc("2026-10-05", "2026-10-12"))
    policy = load_profile("england").model_copy(
        update={"acknowledgers": ("team_manager", "lead_professional")}
    )
    monkeypatch.setattr(rendering, "_profile", lambda dispatch: policy)
    view = derive(fold(history, policy), policy, calendar_for(policy), at("2026-10-23"))
    [tm_rung] = [x for x in view.dispatches if x.rung is Rung.ESCALATION_TM]
    text = render(tm_rung).text
    assert "the team manager (tm) or the lead professional (sw)" in text


@pytest.mark.parametrize("hours", [24, 48])
def test_the_inquorate_notice_says_the_profiles_hours(hours: int):
    """R-T16: "within 24 hours" is Bedford's figure; the notice says the profile's."""
    cancelled = CoreGroupCancelled(
        on=d("2026-10-12"), meeting="cg-p0-1", at=at("2026-10-12", 10), present=("sw",)
    )
    history = case(icpc("2026-10-05", "2026-10-12"), cancelled)
    policy = load_profile("england").model_copy(update={"inquorate_notice_hours": hours})
    view = derive(fold(history, policy), policy, calendar_for(policy), at("2026-10-12", 12))
    [notice] = [x for x in view.dispatches if x.template == "inquorate"]
    assert f"within {hours} hours" in notice.action


def test_the_vice_chair_stands_in_where_the_profile_appoints_one():
    """R-M1, 004: "Core Groups will appoint a vice chair ... to stand in when required"."""
    opening = icpc("2026-10-05", "2026-10-12")
    history = case(opening, cg("2026-10-12", "cg-p0-1", "2026-11-09"), profile="west-midlands")
    with pytest.raises(RejectedEvent, match=r"vice_chair.*R-M1"):
        fold(history, new_from=1)
    appointed = cg("2026-10-12", "cg-p0-1", "2026-11-09", vice_chair="sch1")
    chaired = cg("2026-11-09", "cg-p0-1-next-1", "2026-12-07", chair="sch1", minute_taker="hv")
    fold(case(opening, appointed, chaired, profile="west-midlands"), new_from=1)
    other = cg("2026-11-09", "cg-p0-1-next-1", "2026-12-07", chair="hv", minute_taker="sch1")
    with pytest.raises(RejectedEvent, match=r"chair.*vice chair \(sch1\).*R-M1"):
        fold(case(opening, appointed, other, profile="west-midlands"), new_from=1)
    fold(case(opening, appointed, other, profile="england"), new_from=1)  # 000: by agreement


def test_a_core_group_booked_before_any_was_held_cites_r_t1():
    """A core group scheduled in the ICPC's period before its first core group is held
    answers to R-T1's deadline, not R-T3's."""
    scheduled = CoreGroupScheduled(on=d("2026-10-06"), meeting="cg-a", date=d("2026-10-13"))
    found = obligations(case(icpc("2026-10-05", "2026-10-19"), scheduled), "2026-10-06", 12)
    [invite] = [x for x in found.dispatches if x.obligation == "invite:cg-a:e1"]
    assert invite.rule == "R-T1"


def test_luton_cites_the_section_that_states_its_visiting_figures():
    """003 §1.4.6 states "alone ... every six weeks" and the bedroom; §1.3.20 says four weeks."""
    lines = (PROFILE_DIR / "luton.toml").read_text(encoding="utf-8").splitlines()
    for field in ("seen_alone_every_weeks", "bedroom_between_conferences"):
        [line] = [x for x in lines if x.startswith(field)]
        assert "§1.4.6" in line and "§1.3.20" not in line, line


def test_a_case_run_to_time_around_a_review_escalates_nothing():
    """The whole story of the first defect, day by day for a year after it."""
    history = case(
        icpc("2026-10-05", "2026-10-12"),
        cg("2026-10-12", "cg-p0-1", "2026-11-09"),
        cg("2026-11-09", "cg-p0-1-next-1", "2026-12-07"),
        cg("2026-12-07", "cg-2", "2027-01-11", recommendation="Continue"),
        rcpc("2027-01-04", "2027-01-11"),
        cg("2027-01-11", "cg-2-next-1", "2027-02-08"),
    )
    day = d("2027-01-04")
    while day < d("2027-02-05"):
        assert not {k for k in escalated(history, day.isoformat()) if k.startswith("R-T4")}
        day += timedelta(days=1)


def test_a_history_recorded_before_the_fix_still_folds():
    """Filed under the period it was held in, a carried core group becomes that period's
    first, which sets the next dates (R-M7): checked when recorded, so a case already in the
    store (which filed it under the period it was booked in) folds as it did."""
    history = case(
        icpc("2026-10-05", "2026-10-12"),
        cg("2026-10-12", "cg-p0-1", "2026-11-09"),
        cg("2026-11-09", "cg-p0-1-next-1", "2026-12-07"),
        cg("2026-12-07", "cg-2", "2027-01-11", recommendation="Continue"),
        rcpc("2027-01-04", "2027-01-11"),
        cg("2027-01-11", "cg-2-next-1"),
        cg("2027-01-18", "cg-p1-1", "2027-02-15"),
    )
    assert [m.id for m in fold(history).held_in_period(1)] == ["cg-2-next-1", "cg-p1-1"]
    with pytest.raises(RejectedEvent, match=r"next_dates.*R-M7"):
        fold(history, new_from=5)
