"""The escalation ladder (R-E1, R-E6), notices and what goes to the outbox."""

from __future__ import annotations

from datetime import datetime

import pytest

from domain.dispatch import RecipientRole, Rung
from domain.events import (
    CoreGroupCancelled,
    CoreGroupRescheduled,
    CoverStarted,
    EscalationAcknowledged,
    Member,
    MemberRole,
    MinutesCirculated,
    PlanEnded,
    PlanEndReason,
    ReviewBroughtForward,
    RiskRaised,
    VisitMade,
)
from domain.ladder import LONDON, Status
from tests.domain.builders import at, case, cg, d, find, icpc, obligations

BASE = [icpc("2026-12-14", "2026-12-22"), cg("2026-12-22", "cg-p0-1", "2027-01-19")]
MINUTES = "R-T5:cg-p0-1"  # due Thu 2026-12-31


@pytest.mark.parametrize(
    ("as_of", "status", "rung"),
    [
        ("2026-12-23", Status.UPCOMING, None),
        ("2026-12-29", Status.DUE, Rung.REMINDER),  # 2 WD before the due date
        ("2026-12-31", Status.DUE, Rung.REMINDER),
        ("2027-01-04", Status.OVERDUE, Rung.MISSED),  # the next working day
        ("2027-01-06", Status.OVERDUE, Rung.ESCALATION_TM),  # 2 WD later
        ("2027-01-11", Status.OVERDUE, Rung.ESCALATION_FINAL),  # 3 WD after that
    ],
)
def test_each_rung_falls_on_its_working_day(as_of, status, rung):
    found = find(obligations(case(*BASE), as_of), MINUTES)
    assert (found.status, found.rung) == (status, rung)


def test_a_rung_falls_at_the_start_of_the_business_day():
    assert find(obligations(case(*BASE), "2027-01-04", hour=7), MINUTES).rung is Rung.REMINDER
    assert find(obligations(case(*BASE), "2027-01-04", hour=8), MINUTES).rung is Rung.MISSED


def test_recording_the_event_meets_the_obligation_and_stops_the_ladder():
    history = case(*BASE, MinutesCirculated(on=d("2027-01-05"), meeting="cg-p0-1"))
    found = find(obligations(history, "2027-01-20"), MINUTES)
    assert found.status is Status.MET and found.late and found.rung is Rung.MISSED
    assert found.next_rung_at is None


def test_an_acknowledged_escalation_does_not_climb_on_its_own():
    acknowledged = EscalationAcknowledged(on=d("2027-01-07"), obligation=MINUTES, by="tm")
    found = find(obligations(case(*BASE, acknowledged), "2027-01-20"), MINUTES)
    assert found.rung is Rung.ESCALATION_TM and found.status is Status.OVERDUE


def test_only_the_current_rung_of_an_open_obligation_is_dispatched():
    found = obligations(case(*BASE), "2027-01-06")
    minutes = [x for x in found.dispatches if x.obligation == MINUTES]
    assert [x.rung for x in minutes] == [Rung.ESCALATION_TM]
    assert minutes[0].idempotency_key == f"CP-0001|{MINUTES}|escalation_tm"
    roles = {r.role for r in minutes[0].recipients}
    assert roles == {RecipientRole.TEAM_MANAGER, RecipientRole.LEAD_PROFESSIONAL}


def test_the_final_rung_goes_to_the_head_of_service_or_the_conference_chair():
    england = obligations(case(*BASE), "2027-01-11").dispatches
    final = next(x for x in england if x.obligation == MINUTES)
    assert RecipientRole.HEAD_OF_SERVICE in {r.role for r in final.recipients}
    highland = obligations(case(*BASE, profile="highland"), "2027-01-12").dispatches
    final = next(x for x in highland if x.obligation == MINUTES)
    assert final.rung is Rung.ESCALATION_FINAL
    assert RecipientRole.CONFERENCE_CHAIR in {r.role for r in final.recipients}


def test_while_cover_is_in_force_the_lps_notices_go_to_the_cover_worker():
    cover = CoverStarted(
        on=d("2027-01-04"),
        cover=Member(id="cv1", role=MemberRole.LEAD_PROFESSIONAL, contact="json://127.0.0.1/cover"),
    )
    found = obligations(case(*BASE, cover), "2027-01-04")
    missed = next(x for x in found.dispatches if x.obligation == MINUTES)
    lead = next(r for r in missed.recipients if r.role is RecipientRole.LEAD_PROFESSIONAL)
    assert (lead.member, lead.contact) == ("cv1", "json://127.0.0.1/cover")


def test_the_next_wake_is_the_earliest_future_rung():
    found = obligations(case(*BASE), "2026-12-23")
    assert found.next_wake == at("2026-12-29", 8)


def test_an_ended_plan_discharges_everything_and_the_case_never_wakes_again():
    ended = PlanEnded(on=d("2026-12-23"), reason=PlanEndReason.LEFT_UK, recorded_by="tm")
    found = obligations(case(*BASE, ended), "2027-02-01")
    assert {o.status for o in found.obligations} <= {Status.MET, Status.DISCHARGED}
    assert found.next_wake is None
    assert not [x for x in found.dispatches if x.rung is not Rung.NOTICE]


def test_bringing_the_review_forward_moves_every_deadline_that_hangs_on_it():
    history = case(icpc("2026-10-05", "2026-10-12"))
    before = obligations(history, "2026-11-02")
    moved = case(
        *history.events,
        ReviewBroughtForward(
            on=d("2026-11-02"), to=d("2026-11-20"), authorised_by="tm", reason="New incident"
        ),
    )
    after = obligations(moved, "2026-11-02")
    assert find(before, "R-T7:p0").due.isoformat() == "2027-01-05"
    assert find(after, "R-T7:p0").due.isoformat() == "2026-11-20"
    assert find(after, "R-T9:p0:hv").due.isoformat() == "2026-11-13"
    assert find(after, "R-T2").due.isoformat() == "2026-11-18"  # 2 WD before the review
    notice = next(x for x in after.dispatches if x.rule == "R-E3")
    assert notice.meeting_date.isoformat() == "2026-11-20"


@pytest.mark.parametrize(
    ("event", "rule", "template"),
    [
        (
            CoreGroupCancelled(
                on=d("2026-12-22"), meeting="cg-p0-1", at=datetime(2026, 12, 22, 10, tzinfo=LONDON)
            ),
            "R-T16",
            "inquorate",
        ),
        (RiskRaised(on=d("2026-12-22"), member="sch1", summary="x"), "R-E2", "risk_raised"),
        (
            VisitMade(
                on=d("2026-12-22"), visitor="sw", children_seen=("c1",), refused_seen_alone=True
            ),
            "R-V3",
            "seen_alone_refused",
        ),
    ],
)
def test_an_event_raises_its_notice_once_at_once(event, rule, template):
    found = obligations(case(icpc("2026-12-14", "2026-12-22"), event), "2026-12-22", hour=12)
    notices = [x for x in found.dispatches if x.rule == rule and x.rung is Rung.NOTICE]
    assert [x.template for x in notices] == [template]


def test_two_no_access_visits_in_a_row_alert_the_tm_and_the_core_group():
    first = VisitMade(on=d("2026-12-16"), visitor="sw", no_access=True)
    second = VisitMade(on=d("2026-12-17"), visitor="sw", no_access=True)
    one = obligations(case(icpc("2026-12-14", "2026-12-22"), first), "2026-12-17")
    two = obligations(case(icpc("2026-12-14", "2026-12-22"), first, second), "2026-12-17")
    assert not [x for x in one.dispatches if x.rule == "R-V2" and x.rung is Rung.NOTICE]
    alert = [x for x in two.dispatches if x.rule == "R-V2" and x.rung is Rung.NOTICE]
    assert len(alert) == 1
    # R-V2, 003 §1.4.8: the LP's manager and the other core group members (the LP among them)
    assert {r.role for r in alert[0].recipients} == {
        RecipientRole.TEAM_MANAGER,
        RecipientRole.MEMBER,
    }
    assert "sw" in {r.member for r in alert[0].recipients}


def test_a_rescheduled_core_group_past_its_deadline_is_reported_at_once():
    late = CoreGroupRescheduled(on=d("2026-12-16"), meeting="cg-p0-1", date=d("2027-01-15"))
    found = obligations(case(icpc("2026-12-14", "2026-12-22"), late), "2026-12-16")
    rescheduled = [x for x in found.dispatches if x.rule == "R-M6"]
    assert len(rescheduled) == 2  # the notice to members, and the breach to the TM and LP
    assert any("2026-12-30" in x.title for x in rescheduled)  # R-T1: 10 WD after the ICPC


def test_stale_notices_in_an_imported_history_are_not_sent():
    risk = RiskRaised(on=d("2026-12-16"), member="sch1")
    found = obligations(case(icpc("2026-12-14", "2026-12-22"), risk), "2027-02-16")
    assert not [x for x in found.dispatches if x.rule == "R-E2" and x.rung is Rung.NOTICE]


def test_notices_carry_no_names_or_categories():
    found = obligations(case(*BASE), "2027-01-11")
    text = " ".join(x.model_dump_json() for x in found.dispatches)
    assert "Alex" not in text and "Sam Worker" not in text and "NEG" not in text
