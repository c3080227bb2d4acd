"""Every R-T timescale under every profile that changes it (docs/rules.md §2, §7).

Dates sit around Christmas and New Year, Easter, Scotland's 2 January and month
ends; each expected date was counted by hand from the bank holiday tables.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from domain.events import (
    AgreementSigned,
    AssessmentStarted,
    CategoryOfAbuse,
    Child,
    ConcernConfirmed,
    ConcernRaised,
    CoreGroupCancelled,
    MinutesCirculated,
)
from domain.ladder import LONDON, Status
from tests.domain.builders import at, case, cg, d, due_of, find, icpc, obligations, rcpc


@pytest.mark.parametrize(
    ("profile", "icpc_on", "expected"),
    [
        ("england", "2026-12-14", "2026-12-30"),
        ("england", "2026-12-21", "2027-01-07"),
        ("wales", "2026-12-21", "2027-01-07"),
        ("highland", "2026-12-21", "2027-01-05"),  # 7 WD, 1, 2 and 4 January closed
        ("procedures-001", "2026-12-21", "2027-01-07"),
    ],
)
def test_r_t1_first_core_group_within_n_working_days(profile, icpc_on, expected):
    history = case(icpc(icpc_on), profile=profile)
    assert due_of(history, "R-T1:p0:cg1", icpc_on) == expected


@pytest.mark.parametrize(
    ("profile", "previous_cg", "expected"),
    [
        ("england", "2026-11-30", "2026-12-24"),  # 4 weeks: Mon 28th is Boxing Day observed
        ("bedford", "2026-11-30", "2026-12-24"),
        ("west-midlands", "2026-11-30", "2026-12-24"),
        ("luton", "2026-11-20", "2026-12-31"),  # 6 weeks lands on New Year's Day
        ("wales", "2026-11-20", "2026-12-31"),
    ],
)
def test_r_t3_core_groups_at_most_every_p_weeks_before_the_review(profile, previous_cg, expected):
    first = d(previous_cg)
    events = [icpc((first.replace(day=first.day - 3)).isoformat(), previous_cg)]
    manager = profile == "luton"
    events.append(
        cg(previous_cg, "cg-p0-1", "2027-01-04", "2027-01-11", chair="tm" if manager else "sw")
    )
    history = case(*events, profile=profile)
    assert due_of(history, "R-T3:p0:cg2", previous_cg) == expected


@pytest.mark.parametrize(
    ("profile", "expected"),
    [("england", "2026-12-24"), ("highland", "2027-01-08"), ("luton", "2027-01-08")],
)
def test_r_t4_core_groups_after_a_review(profile, expected):
    # Review on Mon 2026-11-30: 4 weeks -> Mon 28 Dec (closed) -> Thu 24 Dec; 6 weeks -> Mon 11 Jan,
    # counted from the first core group after the review (Fri 27 Nov + 6 weeks = Fri 8 Jan).
    chair = "tm" if profile == "luton" else "sw"
    history = case(
        icpc("2026-08-28", "2026-09-04"),
        cg("2026-09-04", "cg-p0-1", "2026-09-25", "2026-10-16", chair=chair),
        cg("2026-09-25", "cg-2"),
        cg("2026-10-16", "cg-3"),
        cg("2026-11-06", "cg-4"),
        rcpc("2026-11-27", "2026-11-27"),
        cg("2026-11-27", "cg-p1-1", "2026-12-18", "2027-01-04"),
        profile=profile,
    )
    assert due_of(history, "R-T4:p1:cg2", "2026-11-27") == expected


@pytest.mark.parametrize(
    ("profile", "expected_met"),
    [("england", Status.MET), ("highland", Status.OVERDUE)],
)
def test_r_t2_core_groups_needed_before_the_first_review(profile, expected_met):
    history = case(
        icpc("2026-10-05", "2026-10-12"),
        cg("2026-10-12", "cg-p0-1", "2026-11-09", "2026-12-07"),
        cg("2026-11-09", "cg-2"),
        profile=profile,
    )
    found = find(obligations(history, "2027-01-05"), "R-T2")
    # 2 WD before the review on Tuesday 5 January 2027, New Year's Day between (and 4 January
    # in Scotland): its missed rung falls on the review's eve, before the review discharges it.
    assert found.due.isoformat() == ("2026-12-31" if profile == "england" else "2026-12-30")
    assert found.status is expected_met


@pytest.mark.parametrize(
    ("profile", "held", "expected"),
    [
        ("england", "2026-12-22", "2026-12-31"),
        ("bedford", "2026-12-22", "2026-12-31"),
        ("procedures-001", "2026-12-22", "2026-12-29"),
        ("west-midlands", "2026-12-22", "2027-01-08"),
        ("highland", "2026-12-22", "2026-12-31"),
        ("england", "2027-03-24", "2027-04-02"),  # Good Friday and Easter Monday
        ("highland", "2027-03-24", "2027-04-01"),  # Scotland keeps Easter Monday open
    ],
)
def test_r_t5_minutes_circulated_within_m_working_days(profile, held, expected):
    history = case(
        icpc(held, held), cg(held, "cg-p0-1", "2027-06-01", "2027-06-02"), profile=profile
    )
    assert due_of(history, "R-T5:cg-p0-1", held) == expected


def test_r_t6_signed_agreement_within_s_working_days_of_circulation_in_luton():
    history = case(
        icpc("2026-12-15", "2026-12-18"),
        cg("2026-12-18", "cg-p0-1", "2027-01-29", chair="tm"),
        MinutesCirculated(on=d("2026-12-22"), meeting="cg-p0-1"),
        AgreementSigned(on=d("2026-12-23"), member="hv", meeting="cg-p0-1"),
        profile="luton",
    )
    found = obligations(history, "2027-01-04")
    assert find(found, "R-T6:cg-p0-1:sch1").due.isoformat() == "2026-12-31"
    assert find(found, "R-T6:cg-p0-1:sch1").status is Status.OVERDUE
    assert find(found, "R-T6:cg-p0-1:hv").status is Status.MET


def test_r_t6_is_off_outside_luton():
    history = case(
        icpc("2026-12-15", "2026-12-18"),
        cg("2026-12-18", "cg-p0-1", "2027-01-15"),
        MinutesCirculated(on=d("2026-12-22"), meeting="cg-p0-1"),
    )
    assert not [o for o in obligations(history, "2027-01-04").obligations if o.rule == "R-T6"]


@pytest.mark.parametrize(
    ("icpc_on", "expected"),
    [
        ("2026-11-30", "2027-02-26"),  # 3 months: 28 Feb 2027 (a Sunday) -> Fri 26th
        ("2026-09-25", "2026-12-24"),  # Christmas Day -> Thu 24th
        ("2026-10-05", "2027-01-05"),
        ("2027-02-03", "2027-04-30"),  # 3 May 2027 is a bank holiday (Monday)
    ],
)
def test_r_t7_first_review_within_3_months(icpc_on, expected):
    assert due_of(case(icpc(icpc_on)), "R-T7:p0", icpc_on) == expected


def test_r_t8_later_reviews_within_6_months_clamped_to_month_end():
    history = case(
        icpc("2026-06-01", "2026-06-08"),
        cg("2026-06-08", "cg-p0-1", "2026-07-06"),
        rcpc("2026-08-31", "2026-09-07"),
    )
    assert due_of(history, "R-T8:p1", "2026-09-01") == "2027-02-26"


@pytest.mark.parametrize(
    ("profile", "report_due", "tm_escalation"),
    [("england", "2026-12-24", "2026-12-30"), ("highland", "2026-12-23", "2026-12-29")],
)
def test_r_t9_and_r_t10_reports_before_the_review_are_chased_then_escalated(
    profile, report_due, tm_escalation
):
    history = case(icpc("2026-10-05", "2026-10-12"), profile=profile)
    found = find(obligations(history, report_due), "R-T9:p0:hv")
    assert found.due.isoformat() == report_due
    assert found.rung is not None and found.rung.value == "chase"
    assert found.next_rung_at == at(tm_escalation, 8)
    later = find(obligations(history, tm_escalation), "R-T9:p0:hv")
    assert later.rung is not None and later.rung.value == "escalation_tm"


@pytest.mark.parametrize(
    ("profile", "plan_start", "rule", "expected"),
    [
        ("england", "2026-12-01", "R-T11", "2026-12-29"),
        ("england", "2026-11-20", "R-T12", "2026-12-18"),
        ("luton", "2026-11-20", "R-T12", "2026-12-31"),  # 6 weeks -> New Year's Day -> 31st
    ],
)
def test_r_t11_and_r_t12_the_child_is_seen_and_seen_alone(profile, plan_start, rule, expected):
    history = case(icpc(plan_start), profile=profile)
    assert due_of(history, f"{rule}:c1:{plan_start}", plan_start) == expected


def test_r_t11_a_conference_may_set_visits_more_often():
    child = Child(id="c1", category=CategoryOfAbuse.PHY, seen_every_weeks=2)
    history = case(icpc("2026-12-01", children=(child,)))
    assert due_of(history, "R-T11:c1:2026-12-01", "2026-12-01") == "2026-12-15"


def test_r_t13_bedroom_seen_between_conferences_only_in_luton():
    luton = case(icpc("2026-10-05", "2026-10-12"), profile="luton")
    assert due_of(luton, "R-T13:p0:c1", "2026-10-05") == "2026-12-31"  # 2 WD before the review
    england = obligations(case(icpc("2026-10-05", "2026-10-12")), "2026-10-05")
    assert not [o for o in england.obligations if o.rule == "R-T13"]


@pytest.mark.parametrize(
    ("profile", "expected"),
    [("england", "2027-01-07"), ("luton", "2026-12-21"), ("wales", "2027-01-04")],
)
def test_r_t14_assessment_completed_within_x_working_days(profile, expected):
    history = case(
        icpc("2026-11-02", "2026-11-09"),
        AssessmentStarted(on=d("2026-11-02"), assessment="a1", child="c1"),
        profile=profile,
    )
    assert due_of(history, "R-T14:a1", "2026-11-02") == expected


def test_r_t15_a_concern_is_confirmed_in_writing_within_48_hours():
    raised = datetime(2026, 12, 24, 10, 0, tzinfo=LONDON)
    history = case(
        icpc("2026-12-01", "2026-12-08"),
        ConcernRaised(on=d("2026-12-24"), concern="k1", member="sch1", at=raised),
    )
    before = find(obligations(history, "2026-12-26", hour=9), "R-T15:k1")
    after = find(obligations(history, "2026-12-26", hour=11), "R-T15:k1")
    assert before.due_at == datetime(2026, 12, 26, 10, 0, tzinfo=LONDON)
    assert (before.status, after.status) == (Status.DUE, Status.OVERDUE)
    assert after.rung is not None and after.rung.value == "missed"


def test_r_t15_a_second_confirmation_never_makes_a_met_one_late():
    raised = datetime(2026, 12, 24, 10, 0, tzinfo=LONDON)
    history = case(
        icpc("2026-12-01", "2026-12-08"),
        ConcernRaised(on=d("2026-12-24"), concern="k1", member="sch1", at=raised),
        ConcernConfirmed(on=d("2026-12-24"), concern="k1", at=raised + timedelta(hours=2)),
        ConcernConfirmed(on=d("2026-12-29"), concern="k1", at=raised + timedelta(days=5)),
    )
    found = find(obligations(history, "2026-12-30"), "R-T15:k1")
    assert (found.status, found.met_on, found.late) == (Status.MET, d("2026-12-24"), False)


def test_r_t16_an_inquorate_meeting_needs_a_new_date_within_24_hours():
    cancelled = datetime(2026, 12, 23, 15, 0, tzinfo=LONDON)
    history = case(
        icpc("2026-12-14", "2026-12-23"),
        CoreGroupCancelled(on=d("2026-12-23"), meeting="cg-p0-1", at=cancelled),
    )
    found = find(
        obligations(history, "2026-12-24", hour=16), f"R-T16:cg-p0-1:{cancelled.isoformat()}"
    )
    assert found.due_at == datetime(2026, 12, 24, 15, 0, tzinfo=LONDON)
    assert found.status is Status.OVERDUE


def test_r_t17_the_final_core_group_records_a_recommendation():
    base = [icpc("2026-10-05", "2026-10-12"), cg("2026-10-12", "cg-p0-1", "2026-11-09")]
    without = find(obligations(case(*base), "2027-01-05"), "R-T17:p0")
    assert without.due.isoformat() == "2026-12-31" and without.status is Status.OVERDUE
    made = case(*base, cg("2026-12-14", "cg-2", recommendation="Continue the plan"))
    assert find(obligations(made, "2027-01-05"), "R-T17:p0").status is Status.MET


def test_r_t0_the_initial_conference_within_15_working_days_of_the_strategy_discussion():
    history = case(icpc("2026-12-23", strategy_discussion_on=d("2026-12-01")))
    found = find(obligations(history, "2026-12-23"), "R-T0")
    assert found.due.isoformat() == "2026-12-22"
    assert found.status is Status.MET and found.late
