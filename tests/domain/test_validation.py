"""Bad input is rejected with the field and the rule, and changes nothing (R-G3)."""

from __future__ import annotations

import copy

import pytest

from domain.errors import RejectedEvent
from domain.events import (
    ActionItem,
    ActionSet,
    AgencyReportReceived,
    CoreGroupHeld,
    CoverEnded,
    Member,
    MemberRole,
    MemberWithdrew,
    MinutesCirculated,
    Outcome,
    PlanEnded,
    PlanEndReason,
    ReviewBroughtForward,
    VisitLine,
    VisitMade,
)
from domain.history import CaseHistory
from domain.state import apply, fold, to_history
from tests.domain.builders import MEMBERS, case, cg, d, icpc, rcpc

OPEN = [icpc("2026-12-01", "2026-12-08")]
HELD = [*OPEN, cg("2026-12-08", "cg-p0-1", "2027-01-05")]


def rejected(events, bad, profile="england") -> RejectedEvent:
    state = fold(case(*events, profile=profile))
    before = copy.deepcopy(to_history(state))
    snapshot = copy.deepcopy(state.__dict__)
    with pytest.raises(RejectedEvent) as caught:
        apply(state, bad)
    assert to_history(state) == before  # a rejected event leaves the state identical
    assert state.__dict__ == snapshot
    return caught.value


def ok(events, good, profile="england") -> None:
    apply(fold(case(*events, profile=profile)), good)


BAD = [
    pytest.param(
        [], cg("2026-12-08", "cg-p0-1"), "type", "R-LC1", id="first-event-not-a-conference"
    ),
    pytest.param(
        [], icpc("2026-12-01", lead_professional=None), "lead_professional", "R-G3", id="no-lp"
    ),
    pytest.param(
        [], icpc("2026-12-01", lead_professional="hv"), "lead_professional", "R-G3", id="lp-not-lp"
    ),
    pytest.param([], icpc("2026-12-01", team_manager=None), "team_manager", "R-LC1", id="no-tm"),
    pytest.param([], icpc("2026-12-01", children=()), "children", "R-LC1", id="no-children"),
    pytest.param([], icpc("2026-12-01", outcomes=()), "outcomes", "R-LC1", id="no-outline-plan"),
    pytest.param([], icpc("2026-12-08", "2026-12-01"), "first_cg_on", "R-G3", id="cg-before-icpc"),
    pytest.param(
        [],
        icpc("2026-12-01", strategy_discussion_on=d("2026-12-02")),
        "strategy_discussion_on",
        "R-T0",
        id="strategy-after-icpc",
    ),
    pytest.param(
        [],
        icpc("2026-12-01", members=(*MEMBERS, MEMBERS[0])),
        "members",
        "R-G3",
        id="duplicate-member",
    ),
    pytest.param(
        OPEN, cg("2026-11-30", "cg-p0-1", "2027-01-05"), "on", "R-G3", id="dates-out-of-order"
    ),
    pytest.param(
        OPEN,
        cg("2026-12-08", "cg-p0-1", "2027-01-05", minute_taker="sw"),
        "minute_taker",
        "R-M2",
        id="chair-takes-minutes",
    ),
    pytest.param(
        OPEN,
        cg("2026-12-08", "cg-p0-1", "2027-01-05", chair="x1"),
        "chair",
        "R-M1",
        id="unknown-chair",
    ),
    pytest.param(
        OPEN,
        cg("2026-12-08", "cg-p0-1", "2027-01-05", minute_taker="x1"),
        "minute_taker",
        "R-G3",
        id="unknown-minute-taker",
    ),
    pytest.param(
        OPEN,
        CoreGroupHeld(
            on=d("2026-12-08"),
            meeting="cg-p0-1",
            chair="sw",
            minute_taker="hv",
            next_dates=(d("2027-01-05"),),
            attendance={"present": ["gh1"]},
        ),
        "attendance.present",
        "R-G3",
        id="unknown-attendee",
    ),
    pytest.param(
        OPEN,
        cg("2026-12-08", "cg-p0-1", "2027-01-05", outcomes=(Outcome(id="o2", text="New"),)),
        "outcomes",
        "R-P1",
        id="outcome-removed",
    ),
    pytest.param(
        OPEN,
        cg("2026-12-08", "cg-p0-1", "2027-01-05", outcomes=(Outcome(id="o1", text="Changed"),)),
        "outcomes",
        "R-P1",
        id="outcome-changed",
    ),
    pytest.param(
        OPEN, cg("2026-12-08", "cg-p0-1"), "next_dates", "R-M7", id="first-cg-sets-no-dates"
    ),
    pytest.param(
        OPEN,
        cg("2026-12-08", "cg-p0-1", "2026-12-07"),
        "next_dates",
        "R-M7",
        id="next-date-in-the-past",
    ),
    pytest.param(HELD, cg("2026-12-09", "cg-p0-1"), "meeting", "R-G3", id="cg-held-twice"),
    pytest.param(
        OPEN,
        MinutesCirculated(on=d("2026-12-09"), meeting="cg-p0-1"),
        "meeting",
        "R-T5",
        id="minutes-before-cg",
    ),
    pytest.param(
        HELD,
        VisitMade(on=d("2026-12-09"), visitor="sw", children_seen=("c9",)),
        "children_seen",
        "R-V1",
        id="unknown-child",
    ),
    pytest.param(
        HELD,
        VisitMade(on=d("2026-12-09"), visitor="sw", children_seen=("c1",), no_access=True),
        "children_seen",
        "R-V1",
        id="no-access-sees-a-child",
    ),
    pytest.param(
        HELD,
        VisitMade(on=d("2026-12-09"), visitor="sw", seen_alone=("c1",)),
        "seen_alone",
        "R-V1",
        id="alone-but-not-seen",
    ),
    pytest.param(
        HELD,
        AgencyReportReceived(on=d("2026-12-09"), member="mum"),
        "member",
        "R-T9",
        id="report-from-a-parent",
    ),
    pytest.param(
        HELD,
        AgencyReportReceived(on=d("2026-12-09"), member="nb1"),
        "member",
        "R-T9",
        id="report-from-unknown",
    ),
    pytest.param(
        HELD,
        ReviewBroughtForward(
            on=d("2026-12-09"), to=d("2027-01-04"), authorised_by="sw", reason="Incident"
        ),
        "authorised_by",
        "R-E3",
        id="bring-forward-without-tm",
    ),
    pytest.param(
        HELD,
        ReviewBroughtForward(
            on=d("2026-12-09"), to=d("2027-06-04"), authorised_by="tm", reason="Incident"
        ),
        "to",
        "R-E3",
        id="bring-forward-later",
    ),
    pytest.param(
        HELD,
        PlanEnded(on=d("2026-12-09"), reason=PlanEndReason.TURNED_18, recorded_by="sw"),
        "recorded_by",
        "R-LC2a",
        id="plan-ended-without-tm",
    ),
    pytest.param(
        HELD,
        PlanEnded(on=d("2026-12-09"), reason=PlanEndReason.CONFERENCE, recorded_by="tm"),
        "reason",
        "R-LC2",
        id="plan-ended-as-conference",
    ),
    pytest.param(
        HELD,
        ActionSet(on=d("2026-12-09"), action=ActionItem(id="a1", owner="hv", due=d("2026-12-01"))),
        "actions.due",
        "R-P2",
        id="action-due-in-the-past",
    ),
    pytest.param(
        HELD,
        ActionSet(on=d("2026-12-09"), action=ActionItem(id="a1", owner="gh1", due=d("2026-12-21"))),
        "actions.owner",
        "R-P2",
        id="action-without-owner",
    ),
    pytest.param(
        HELD, MemberWithdrew(on=d("2026-12-09"), member="sw"), "member", "R-G3", id="lp-withdraws"
    ),
    pytest.param(
        HELD, CoverEnded(on=d("2026-12-09")), "type", "R-E5", id="cover-ends-without-cover"
    ),
    pytest.param(
        [*HELD, rcpc("2027-02-26", decision="end")],
        AgencyReportReceived(on=d("2027-03-01"), member="hv"),
        "type",
        "R-LC2",
        id="event-on-a-closed-case",
    ),
    pytest.param(
        [],
        icpc("2026-12-01", visiting_matrix=(VisitLine(member="sw", every_weeks=6),)),
        "visiting_matrix.authorised_by",
        "R-V4",
        id="lp-visits-reduced-without-tm",
    ),
]


@pytest.mark.parametrize(("events", "bad", "field", "rule"), BAD)
def test_bad_input_names_the_field_and_the_rule(events, bad, field, rule):
    error = rejected(events, bad)
    assert (error.field, error.rule) == (field, rule)
    assert field in str(error) and rule in str(error)


def test_reducing_lp_visits_is_accepted_with_the_team_managers_authorisation():
    ok(
        [],
        icpc(
            "2026-12-01",
            visiting_matrix=(VisitLine(member="sw", every_weeks=6, authorised_by="tm"),),
        ),
    )


def test_luton_the_manager_chairs_the_first_core_group():
    error = rejected(OPEN, cg("2026-12-08", "cg-p0-1", "2027-01-05"), profile="luton")
    assert (error.field, error.rule) == ("chair", "R-M1")
    ok(OPEN, cg("2026-12-08", "cg-p0-1", "2027-01-05", chair="tm"), profile="luton")


def test_procedures_001_sets_two_dates_at_the_first_core_group():
    error = rejected(OPEN, cg("2026-12-08", "cg-p0-1", "2027-01-05"), profile="procedures-001")
    assert (error.field, error.rule) == ("next_dates", "R-M7")
    ok(OPEN, cg("2026-12-08", "cg-p0-1", "2027-01-05", "2027-02-02"), profile="procedures-001")


def test_r_t18_minutes_go_to_the_qa_manager_in_procedures_001():
    held = [*OPEN, cg("2026-12-08", "cg-p0-1", "2027-01-05", "2027-02-02")]
    error = rejected(
        held, MinutesCirculated(on=d("2026-12-09"), meeting="cg-p0-1"), profile="procedures-001"
    )
    assert (error.field, error.rule) == ("copied_to", "R-T18")
    ok(
        held,
        MinutesCirculated(on=d("2026-12-09"), meeting="cg-p0-1", copied_to=("qa_manager",)),
        profile="procedures-001",
    )


def test_a_core_group_may_add_outcomes_but_keeps_the_conferences():
    kept = (
        Outcome(id="o1", text="Alex is safe at home"),
        Outcome(id="o2", text="Alex attends school"),
    )
    ok(OPEN, cg("2026-12-08", "cg-p0-1", "2027-01-05", outcomes=kept))


def test_the_lp_absent_does_not_stop_a_core_group_chaired_by_a_nominated_member():
    ok(
        OPEN,
        cg(
            "2026-12-08",
            "cg-p0-1",
            "2027-01-05",
            chair="sch1",
            minute_taker="hv",
            attendance={"present": ["sch1", "hv", "mum"], "apologies": ["sw"]},
        ),
    )


def test_a_history_with_a_bad_event_names_its_index():
    history = CaseHistory(reference="CP-1", team="t", events=(*OPEN, cg("2026-12-08", "cg-p0-1")))
    with pytest.raises(RejectedEvent) as caught:
        fold(history)
    assert caught.value.index == 1 and str(caught.value).startswith("event 1: next_dates")


def test_a_new_member_joins_and_can_then_send_a_report():
    from domain.events import MemberJoined

    joined = MemberJoined(
        on=d("2026-12-09"), member=Member(id="pol1", role=MemberRole.PROFESSIONAL)
    )
    state = apply(fold(case(*HELD)), joined)
    apply(state, AgencyReportReceived(on=d("2026-12-10"), member="pol1"))


def test_a_rejection_survives_pickling_with_its_field_and_rule():
    import pickle

    error = RejectedEvent("minute_taker", "R-M2", "the chair never takes the minutes", 3)
    copy_ = pickle.loads(pickle.dumps(error))
    assert (copy_.field, copy_.rule, copy_.index, str(copy_)) == (
        "minute_taker",
        "R-M2",
        3,
        str(error),
    )
