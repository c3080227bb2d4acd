"""The duties the five procedures state beyond the timescales, as tables: each owed where the
profile's procedures state it, met by what the procedures ask, and escalating when not.

ICPC on Monday 5 October 2026; the first core group on Monday 12 October. "1 WD after"
Wednesday 14 October is Thursday 15 October; the missed rung of a duty due that day falls on
Friday 16 October, the TM's on Tuesday 20 October (england's 2 WD).
"""

from __future__ import annotations

import pytest

from domain.dispatch import RecipientRole, Rung
from domain.errors import RejectedEvent
from domain.events import (
    AccessPlanAgreed,
    AgencyReportReceived,
    ApologiesSent,
    Attendance,
    CoreGroupScheduled,
    CoverEnded,
    CoverStarted,
    FamilyShare,
    Member,
    MemberJoined,
    MemberRole,
    MemberWithdrew,
    ReviewBooked,
    ReviewBroughtForward,
    RiskDecided,
    RiskDecision,
    RiskRaised,
    SharedWithFamily,
    VisitMade,
)
from domain.ladder import Status
from domain.obligations import derive
from domain.profiles import calendar_for, load_profile
from domain.state import fold
from domain.visits import statutory
from tests.domain.builders import at, case, cg, d, find, icpc, obligations, rcpc

PROFILES = ["england", "bedford", "procedures-001", "highland", "luton", "west-midlands", "wales"]
OPENING = icpc("2026-10-05", "2026-10-12")


def keys(history, as_of: str, prefix: str) -> set[str]:
    return {o.key for o in obligations(history, as_of).obligations if o.key.startswith(prefix)}


def notices(history, as_of: str, template: str):
    found = obligations(history, as_of, hour=12)
    return [x for x in found.dispatches if x.rung is Rung.NOTICE and x.template == template]


def no_access(on: str, visitor: str = "sw") -> VisitMade:
    return VisitMade(on=d(on), visitor=visitor, no_access=True)


def first_cg(profile: str = "england", **changes) -> object:
    """The ICPC's first core group; the manager chairs it under 003 (R-M1, §1.4.18)."""
    changes.setdefault("chair", "tm" if profile == "luton" else "sw")
    return cg("2026-10-12", "cg-p0-1", "2026-11-09", "2026-11-16", **changes)


# R-V5, R-V2: a visit without access -------------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
def test_a_visit_without_access_tells_the_manager_and_the_core_group_at_once(profile: str):
    """R-V5: 003 §1.4.8 "the appropriate LA children's social care manager should be
    informed, as well as other core group members"; 000: raised "immediately"."""
    history = case(OPENING, no_access("2026-10-14"), profile=profile)
    [notice] = notices(history, "2026-10-14", "access_failed")
    roles = {r.role for r in notice.recipients}
    assert roles == {RecipientRole.TEAM_MANAGER, RecipientRole.MEMBER}
    assert {"tm", "sw", "hv", "sch1", "mum"} <= {r.member for r in notice.recipients}
    police = "and the police" in notice.action
    assert police is (profile == "luton")  # 003 §1.4.8: the plan is agreed with the police


@pytest.mark.parametrize(
    ("profile", "rule"), [(p, "R-V2" if p == "luton" else "R-V5") for p in PROFILES]
)
def test_a_plan_of_action_is_owed_the_next_working_day(profile: str, rule: str):
    history = case(OPENING, no_access("2026-10-14"), profile=profile)
    owed = find(obligations(history, "2026-10-14"), f"{rule}:plan:e1")
    assert (owed.due, owed.owner) == (d("2026-10-15"), "sw")
    late = find(obligations(history, "2026-10-20"), f"{rule}:plan:e1")
    assert late.status is Status.OVERDUE and late.rung is Rung.ESCALATION_TM
    plan = AccessPlanAgreed(on=d("2026-10-15"), authorised_by="tm", with_police=True)
    met = find(obligations(case(*history.events, plan, profile=profile), "2026-10-20"), owed.key)
    assert met.status is Status.MET and met.rung is Rung.REMINDER  # never missed


def test_two_in_a_row_need_the_plan_with_the_police():
    """R-V2, 003 §1.5.2: a plan without the police does not meet it."""
    visits = (no_access("2026-10-14"), no_access("2026-10-15"))
    without = AccessPlanAgreed(on=d("2026-10-15"), authorised_by="tm")
    history = case(OPENING, *visits, without)
    found = obligations(history, "2026-10-19")
    assert find(found, "R-V5:plan:e1").status is Status.MET
    assert find(found, "R-V2:plan:e2").status is Status.OVERDUE
    police = AccessPlanAgreed(on=d("2026-10-16"), authorised_by="tm", with_police=True)
    again = obligations(case(*history.events, police), "2026-10-19")
    assert find(again, "R-V2:plan:e2").status is Status.MET


def test_the_plan_is_authorised_by_the_team_manager():
    """003 §1.4.9: "recorded and authorised by the appropriate ... manager"."""
    plan = AccessPlanAgreed(on=d("2026-10-14"), authorised_by="sw")
    with pytest.raises(RejectedEvent, match=r"authorised_by.*R-V5"):
        fold(case(OPENING, no_access("2026-10-14"), plan))


# Who counts for a statutory visit ---------------------------------------------------------

SEEN = dict(children_seen=("c1",), seen_alone=("c1",))


@pytest.mark.parametrize(
    ("visitor", "counts"),
    [("sw", True), ("cov1", True), ("hv", False), ("sch1", False), ("tm", False)],
)
def test_the_lp_or_the_cover_worker_makes_the_statutory_visit(visitor: str, counts: bool):
    cover = CoverStarted(
        on=d("2026-10-13"), cover=Member(id="cov1", role=MemberRole.LEAD_PROFESSIONAL)
    )
    visit = VisitMade(on=d("2026-10-14"), visitor=visitor, **SEEN)
    state = fold(case(OPENING, cover, visit))
    assert statutory(state, visit) is counts
    assert (state.seen_alone.get("c1", []) == [d("2026-10-14")]) is counts


def test_the_cover_workers_visits_count_only_while_cover_is_in_force():
    cover = CoverStarted(
        on=d("2026-10-13"), cover=Member(id="cov1", role=MemberRole.LEAD_PROFESSIONAL)
    )
    during = VisitMade(on=d("2026-10-14"), visitor="cov1", **SEEN)
    state = fold(case(OPENING, cover, during, CoverEnded(on=d("2026-10-16"))))
    assert statutory(state, during)
    after = VisitMade(on=d("2026-10-19"), visitor="cov1", **SEEN)
    assert not statutory(state, after)


def test_a_profile_may_name_statutory_visitors_and_count_other_sightings():
    visit = VisitMade(on=d("2026-10-14"), visitor="hv", **SEEN)
    history = case(OPENING, visit)
    visitors = load_profile("england").model_copy(update={"statutory_visitors": ("professional",)})
    assert fold(history, visitors).seen_alone["c1"] == [d("2026-10-14")]
    sightings = load_profile("england").model_copy(update={"sightings_count": True})
    view = derive(fold(history, sightings), sightings, calendar_for(sightings), at("2026-11-12"))
    assert {o.key for o in view.obligations if o.rule == "R-T11"} >= {"R-T11:c1:2026-10-14"}
    assert {o.key for o in view.obligations if o.rule == "R-T12"} == {"R-T12:c1:2026-10-05"}


def test_the_member_a_plan_agrees_makes_the_direct_contact_from_that_day():
    """003 §1.4.9: another core group agency's member may carry out the direct contact."""
    plan = AccessPlanAgreed(
        on=d("2026-10-15"), authorised_by="tm", with_police=True, direct_contact_by="hv"
    )
    before = VisitMade(on=d("2026-10-14"), visitor="hv", **SEEN)
    after = VisitMade(on=d("2026-10-16"), visitor="hv", **SEEN)
    state = fold(case(OPENING, no_access("2026-10-13"), before, plan, after))
    assert [statutory(state, before), statutory(state, after)] == [False, True]


# R-E2: risk not reduced --------------------------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
def test_the_team_managers_decision_is_owed_the_next_working_day(profile: str):
    """000: escalated to the LP's TM for a decision; 001 "without delay"; 003 §1.5.1."""
    risk = RiskRaised(on=d("2026-10-14"), member="sch1", summary="No change at home")
    history = case(OPENING, risk, profile=profile)
    owed = find(obligations(history, "2026-10-14"), "R-E2:decision:e1")
    assert (owed.due, owed.owner, owed.owner_role) == (d("2026-10-15"), "tm", "team_manager")
    assert find(obligations(history, "2026-10-16"), owed.key).rung is Rung.MISSED
    decided = RiskDecided(on=d("2026-10-15"), by="tm", decision=RiskDecision.ADDITIONAL_RESOURCES)
    met = find(obligations(case(*history.events, decided, profile=profile), "2026-10-20"), owed.key)
    assert met.status is Status.MET


def test_only_the_team_manager_decides():
    risk = RiskRaised(on=d("2026-10-14"), member="sch1")
    decided = RiskDecided(on=d("2026-10-14"), by="sw", decision=RiskDecision.COURT_APPLICATION)
    with pytest.raises(RejectedEvent, match=r"by.*R-E2"):
        fold(case(OPENING, risk, decided))


# R-M1, R-M2, R-M9: who chairs, minutes and attends ----------------------------------------


def test_a_parent_never_chairs_nor_minutes_a_core_group():
    """000: chaired by the LP or their manager, or delegated to another professional; "a
    nominated professional ... will take these minutes". Checked when recorded: a history
    already in the store folds as it did."""
    chaired = case(OPENING, first_cg(chair="mum"))
    with pytest.raises(RejectedEvent, match=r"chair.*R-M1"):
        fold(chaired, new_from=1)
    fold(chaired)  # already recorded
    minuted = case(OPENING, first_cg(minute_taker="mum"))
    with pytest.raises(RejectedEvent, match=r"minute_taker.*R-M2"):
        fold(minuted, new_from=1)


@pytest.mark.parametrize(("profile", "refused"), [(p, p == "highland") for p in PROFILES])
def test_highland_has_social_work_in_the_chair(profile: str, refused: bool):
    """002: "the appointed key worker or other nominated person from the same department"."""
    if profile == "luton":
        return  # the manager chairs luton's first core group (R-M1, 003 §1.4.18)
    held = first_cg(chair="hv", minute_taker="sch1", vice_chair="sch1")
    history = case(OPENING, held, profile=profile)
    if refused:
        with pytest.raises(RejectedEvent, match=r"chair.*R-M1"):
            fold(history, new_from=1)
    else:
        fold(history, new_from=1)


def test_a_core_group_without_childrens_social_care_is_reported_to_the_manager():
    """R-M9, 000: "It will always involve Children's Social Care"."""
    without = cg(
        "2026-10-12", "cg-p0-1", "2026-11-09", chair="hv", minute_taker="sch1",
        attendance=Attendance(present=("hv", "sch1", "mum")),
    )  # fmt: skip
    [notice] = notices(case(OPENING, without), "2026-10-12", "no_social_care")
    assert [r.role for r in notice.recipients] == [RecipientRole.TEAM_MANAGER]
    assert not notices(case(OPENING, first_cg()), "2026-10-12", "no_social_care")


# R-M3, R-M4: apologies, written reports and the family's absence -------------------------

SCHEDULED = CoreGroupScheduled(on=d("2026-10-06"), meeting="cg-b", date=d("2026-10-22"))


def test_a_member_sending_apologies_owes_a_written_report_by_the_meeting():
    """000: "a written report in advance of the Core Group"; 004."""
    apologies = ApologiesSent(on=d("2026-10-15"), meeting="cg-b", member="sch1")
    history = case(OPENING, SCHEDULED, apologies)
    owed = find(obligations(history, "2026-10-15"), "R-M3:cg-b:sch1")
    assert (owed.due, owed.owner) == (d("2026-10-22"), "sch1")
    assert find(obligations(history, "2026-10-20"), owed.key).rung is Rung.REMINDER
    held = cg(
        "2026-10-22", "cg-b", "2026-11-19",
        attendance=Attendance(apologies=("sch1",), reports_received=("sch1",)),
    )  # fmt: skip
    met = find(obligations(case(*history.events, held), "2026-10-26"), owed.key)
    assert met.status is Status.MET
    unmet = cg("2026-10-22", "cg-b", "2026-11-19", attendance=Attendance(apologies=("sch1",)))
    late = find(obligations(case(*history.events, unmet), "2026-10-27"), owed.key)
    assert late.rung is Rung.ESCALATION_TM  # missed Friday 23, the TM Tuesday 27 October
    report = AgencyReportReceived(on=d("2026-10-21"), member="sch1", meeting="cg-b")
    early = find(obligations(case(*history.events, report, unmet), "2026-10-26"), owed.key)
    assert early.met_on == d("2026-10-21")


def test_a_report_for_a_core_group_is_not_the_report_for_the_review():
    report = AgencyReportReceived(on=d("2026-10-21"), member="sch1", meeting="cg-b")
    found = obligations(case(OPENING, SCHEDULED, report), "2026-12-21")
    assert find(found, "R-T9:p0:sch1").status is not Status.MET


def test_apologies_come_before_the_meeting():
    late = ApologiesSent(on=d("2026-10-13"), meeting="cg-p0-1", member="sch1")
    with pytest.raises(RejectedEvent, match=r"meeting.*R-M3"):
        fold(case(OPENING, first_cg(), late))


def test_absent_without_apologies_and_the_familys_absence_are_flagged():
    """R-M3 (000: "send written apologies ... in advance"); R-M4 (000: "whether family
    non-attendance could be indicative of ... added risk is fully considered")."""
    held = first_cg(
        attendance=Attendance(
            present=("sw", "hv"), absent=("sch1", "mum"),
            family_absence_reasons={"mum": "working"},
        )
    )  # fmt: skip
    history = case(OPENING, held)
    [absent] = notices(history, "2026-10-12", "absent_without_apologies")
    [family] = notices(history, "2026-10-12", "family_absent")
    assert (absent.rule, family.rule) == ("R-M3", "R-M4")
    assert {r.role for r in family.recipients} == {
        RecipientRole.TEAM_MANAGER,
        RecipientRole.LEAD_PROFESSIONAL,
    }


# R-M10: a member withdraws ---------------------------------------------------------------


def test_a_professional_withdrawing_tells_the_conference_chair():
    """000: "Discussion with the Conference Chair would be necessary ... quoracy"."""
    history = case(OPENING, MemberWithdrew(on=d("2026-10-20"), member="sch1"))
    [notice] = notices(history, "2026-10-20", "member_withdrew")
    assert RecipientRole.CONFERENCE_CHAIR in {r.role for r in notice.recipients}


# R-E3, R-T7: the conference chair agrees to moving the review ------------------------------


@pytest.mark.parametrize("profile", PROFILES)
def test_moving_the_review_needs_the_chairs_agreement_where_003_applies(profile: str):
    """003 §1.4.12 (dates change "with the agreement of the conference chair") and §1.4.14
    (brought forward "following consultation with ... the conference Chair")."""
    needs = profile == "luton"
    booked = ReviewBooked(on=d("2026-10-06"), date=d("2026-12-18"))
    again = ReviewBooked(on=d("2026-10-20"), date=d("2026-12-11"))
    forward = ReviewBroughtForward(
        on=d("2026-10-20"), to=d("2026-12-01"), authorised_by="tm", reason="incident"
    )
    for move in (again, forward):
        history = case(OPENING, booked, move, profile=profile)
        if needs:
            with pytest.raises(RejectedEvent, match=r"chair_agreed"):
                fold(history, new_from=1)
            agreed = move.model_copy(update={"chair_agreed": True})
            fold(case(OPENING, booked, agreed, profile=profile), new_from=1)
        else:
            fold(history, new_from=1)


def test_luton_sets_the_reviews_date_at_the_conference():
    """003 §1.4.11: "the dates for which should have been set at the previous conference"."""
    with pytest.raises(RejectedEvent, match=r"review_on.*R-T7"):
        fold(case(OPENING, profile="luton"), new_from=0)
    fold(case(icpc("2026-10-05", "2026-10-12", review_on=d("2026-12-18")), profile="luton"), 0)


# The family: R-P5, R-T19, R-T20 -----------------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
def test_the_plan_goes_to_the_child_and_parents_where_003_applies(profile: str):
    """003 §1.3.11, §1.3.13: with the minutes of the core group that drew it up."""
    history = case(OPENING, first_cg(profile), profile=profile)
    owed = keys(history, "2026-10-13", "R-P5")
    if profile != "luton":
        assert owed == set()
        return
    plan = find(obligations(history, "2026-10-13"), "R-P5:p0")
    assert plan.due == d("2026-10-19")  # 5 WD after the core group, with its minutes
    shared = SharedWithFamily(on=d("2026-10-16"), what=FamilyShare.PLAN)
    met = find(obligations(case(*history.events, shared, profile=profile), "2026-10-20"), "R-P5:p0")
    assert met.status is Status.MET


@pytest.mark.parametrize("profile", PROFILES)
def test_each_agencys_report_is_shared_with_the_family_before_the_review(profile: str):
    """000: "share it with the family and send to the Lead Professional 5 working days prior";
    the same day as R-T9's (4 January 2027 is a Monday; 5 WD before the review on Tuesday 5
    January 2027 is 24 December 2026, Christmas and Boxing Day's substitute between)."""
    history = case(OPENING, first_cg(profile), profile=profile)
    report = find(obligations(history, "2026-10-13"), "R-T9:p0:hv")
    shared = find(obligations(history, "2026-10-13"), "R-T19:p0:hv")
    assert (shared.due, shared.owner) == (report.due, "hv")
    given = SharedWithFamily(on=d("2026-12-01"), what=FamilyShare.REPORT, member="hv")
    after = obligations(case(*history.events, given, profile=profile), "2026-12-02")
    assert find(after, "R-T19:p0:hv").status is Status.MET
    assert find(after, "R-T19:p0:sch1").status is not Status.MET


@pytest.mark.parametrize("profile", PROFILES)
def test_highland_shares_every_core_groups_minutes_with_the_family(profile: str):
    """002: "The minutes should also be shared with the parents and child"."""
    history = case(OPENING, first_cg(profile), profile=profile)
    owed = keys(history, "2026-10-13", "R-T20")
    assert owed == ({"R-T20:cg-p0-1"} if profile == "highland" else set())
    if owed:
        shared = SharedWithFamily(on=d("2026-10-13"), what=FamilyShare.MINUTES, meeting="cg-p0-1")
        after = obligations(case(*history.events, shared, profile=profile), "2026-10-14")
        assert find(after, "R-T20:cg-p0-1").status is Status.MET


# R-P6: the contingency plan ----------------------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
def test_the_detailed_plan_has_a_contingency_plan_where_003_applies(profile: str):
    """003 §1.3.6: "Consideration of a contingency plan if circumstances change quickly"."""
    history = case(OPENING, first_cg(profile), profile=profile)
    owed = keys(history, "2026-10-13", "R-P6")
    assert owed == ({"R-P6:p0"} if profile == "luton" else set())
    if owed:
        assert find(obligations(history, "2026-10-20"), "R-P6:p0").rung is Rung.MISSED
        planned = case(OPENING, first_cg(profile, contingency_plan="kinship"), profile=profile)
        assert find(obligations(planned, "2026-10-20"), "R-P6:p0").status is Status.MET


# R-M7, R-T3, R-M6, R-T17, R-T5 ------------------------------------------------------------


def test_001_holds_the_next_two_core_groups_before_the_first_review():
    """001: "the dates of the next two Core Group meetings which must be held prior to the
    first Child Protection Review Conference"."""
    late = cg("2026-10-12", "cg-p0-1", "2026-11-09", "2027-01-11")
    with pytest.raises(RejectedEvent, match=r"next_dates.*R-M7"):
        fold(case(OPENING, late, profile="procedures-001"), new_from=1)
    fold(case(OPENING, late, profile="england"), new_from=1)


@pytest.mark.parametrize("profile", PROFILES)
def test_a_conference_cannot_loosen_the_core_groups_frequency(profile: str):
    """000: "a minimum of 4 weekly"; 003 §1.2.4 "every six weeks", more often if needed."""
    weeks = load_profile(profile).cg_every_weeks_before_review
    looser = icpc("2026-10-05", "2026-10-12", cg_every_weeks=weeks + 1)
    with pytest.raises(RejectedEvent, match=r"cg_every_weeks.*R-T3"):
        fold(case(looser, profile=profile), new_from=0)


def test_a_core_group_booked_past_its_deadline_is_reported_at_once():
    """R-M6 (003 §1.2.6): a breach is reported when booked, not discovered later."""
    held = cg("2026-10-12", "cg-p0-1", "2026-11-27")  # R-T3: the next is due by 9 November
    booked = CoreGroupScheduled(on=d("2026-10-13"), meeting="cg-b", date=d("2026-11-20"))
    history = case(OPENING, held, booked)
    breaches = notices(history, "2026-10-13", "booking_breach")
    assert [x.obligation for x in breaches] == ["R-M6:breach:e1", "R-M6:breach:e2"]
    assert all("2026-11-09" in x.title and x.rule == "R-M6" for x in breaches)
    covered = CoreGroupScheduled(on=d("2026-10-13"), meeting="cg-c", date=d("2026-11-06"))
    assert not notices(case(OPENING, held, covered, booked), "2026-10-13", "booking_breach")[1:]
    first = icpc("2026-10-05", "2026-10-26")  # R-T1 is due on 19 October
    assert notices(case(first), "2026-10-05", "booking_breach")


def test_the_final_core_group_before_the_review_makes_the_recommendation():
    """000, 002, 004: the last core group before the review, not any earlier one."""
    early = cg("2026-11-09", "cg-2", "2026-12-07", recommendation="Continue")
    final = cg("2026-12-07", "cg-3", "2027-01-04")
    history = case(OPENING, first_cg(), early, final)
    assert find(obligations(history, "2027-01-05"), "R-T17:p0").status is Status.OVERDUE
    recommends = cg("2026-12-07", "cg-3", "2027-01-04", recommendation="End the plan")
    met = find(obligations(case(OPENING, first_cg(), early, recommends), "2027-01-05"), "R-T17:p0")
    assert met.status is Status.MET and met.met_on == d("2026-12-07")


@pytest.mark.parametrize(
    ("profile", "owner"),
    [(p, "sw" if p in ("procedures-001", "luton") else "hv") for p in PROFILES],
)
def test_the_minutes_owner_is_the_profiles(profile: str, owner: str):
    """001: "circulated by the lead professional"; 003 §1.3.7: "the key worker must make a
    record"; 000: "a nominated professional ... will take these minutes"."""
    history = case(OPENING, first_cg(chair="tm"), profile=profile)
    minutes = find(obligations(history, "2026-10-13"), "R-T5:cg-p0-1")
    assert minutes.owner == owner
    assert minutes.owner_role == ("lead_professional" if owner == "sw" else "minute_taker")


# Members over time: R-T6, R-T9, R-P3 ------------------------------------------------------


def test_a_member_who_joins_after_the_plan_went_out_signs_nothing_for_it():
    """R-T6 (003 §1.3.16): the parties to the agreement are the members when it went out."""
    from domain.events import MinutesCirculated

    gp = MemberJoined(on=d("2026-10-26"), member=Member(id="gp", role=MemberRole.PROFESSIONAL))
    history = case(
        OPENING, first_cg(chair="tm"), MinutesCirculated(on=d("2026-10-14"), meeting="cg-p0-1"),
        gp, profile="luton",
    )  # fmt: skip
    agreements = keys(history, "2026-10-27", "R-T6")
    assert "R-T6:cg-p0-1:hv" in agreements and "R-T6:cg-p0-1:gp" not in agreements


def test_a_member_who_joins_after_the_reports_were_due_owes_none_for_that_review():
    gp = MemberJoined(on=d("2026-12-30"), member=Member(id="gp", role=MemberRole.PROFESSIONAL))
    history = case(OPENING, first_cg(), gp, rcpc("2027-01-05", "2027-01-12"))
    assert "R-T9:p0:gp" not in keys(history, "2027-01-05", "R-T9")


def test_a_withdrawn_members_visiting_line_is_discharged():
    """R-P3: a member who left the core group owes no more visits on its matrix."""
    from domain.events import VisitLine

    opening = icpc(
        "2026-10-05", "2026-10-12", visiting_matrix=(VisitLine(member="sch1", every_weeks=2),)
    )
    history = case(opening, MemberWithdrew(on=d("2026-10-14"), member="sch1"))
    line = find(obligations(history, "2026-11-02"), "R-P3:sch1:2026-10-05")
    assert line.status is Status.DISCHARGED and line.rung is None
