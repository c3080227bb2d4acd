"""Synthetic but valid case histories, for benchmarks, the demo caseload and property tests.

Every history is a pure function of its seed. The people are invented ids and
placeholder names; nothing here is real.
"""

from __future__ import annotations

import random
import re
from datetime import date, datetime, time, timedelta

from domain.calendar import WorkingDayCalendar
from domain.child_facts import DISABILITIES, ETHNICITIES, ChildFacts, upn_check_letter
from domain.events import (
    AgencyReportReceived,
    AgreementSigned,
    AssessmentCompleted,
    AssessmentStarted,
    CategoryOfAbuse,
    Child,
    ConferenceDecision,
    ConferenceHeld,
    ConferenceKind,
    CoreGroupHeld,
    Event,
    FamilyShare,
    Member,
    MemberRole,
    MinutesCirculated,
    Outcome,
    SharedWithFamily,
    VisitMade,
)
from domain.history import CaseHistory
from domain.ladder import LONDON
from domain.profiles import PolicyProfile, calendar_for, load_profile
from domain.timescales import add_months

PROFILE_MIX = (
    ("england", 40),
    ("bedford", 10),
    ("procedures-001", 10),
    ("highland", 10),
    ("luton", 10),
    ("west-midlands", 10),
    ("wales", 10),
)
TEAMS = ("team-north", "team-south", "team-east", "team-west")


def members(rng: random.Random) -> tuple[Member, ...]:
    professionals = [
        Member(id="sw", role=MemberRole.LEAD_PROFESSIONAL, agency="Children's social care"),
        Member(id="tm", role=MemberRole.TEAM_MANAGER, agency="Children's social care"),
        Member(id="hv", role=MemberRole.PROFESSIONAL, agency="Health visiting"),
        Member(id="sch1", role=MemberRole.PROFESSIONAL, agency="Education"),
        Member(id="par1", role=MemberRole.PARENT, name="Parent One"),
    ]
    if rng.random() < 0.5:
        professionals.append(Member(id="gp", role=MemberRole.PROFESSIONAL, agency="GP"))
    return tuple(professionals)


FIRST_NAMES = ("Amelia", "Oliver", "Isla", "Noah", "Freya", "Arthur", "Maryam", "Theo",
               "Zofia", "Kai", "Niamh", "Ibrahim", "Poppy", "Reuben", "Aisha", "Callum")  # fmt: skip
SURNAMES = ("Hartley", "Okafor", "Nowak", "Pritchard", "Begum", "MacLeod", "Kowalczyk",
            "Ashworth", "Mensah", "Trevelyan", "Quinlan", "Dhillon")  # fmt: skip


def invented_names(conference: ConferenceHeld, seed: int) -> ConferenceHeld:
    """Invented names for a synthetic case's children and family, from a generator of their
    own (the case's events are the same with or without them): names a test can look for
    wherever they must never be (R-G1)."""
    names = random.Random(f"names-{seed}")
    family = names.choice(SURNAMES)
    children = tuple(
        child.model_copy(update={"name": f"{names.choice(FIRST_NAMES)} {family}"})
        for child in conference.children
    )
    members = tuple(
        member.model_copy(update={"name": f"{names.choice(FIRST_NAMES)} {names.choice(SURNAMES)}"})
        if member.role is MemberRole.PARENT
        else member
        for member in conference.members
    )
    return conference.model_copy(update={"children": children, "members": members})


def opening(rng: random.Random, on: date, first_cg: date) -> ConferenceHeld:
    categories = list(CategoryOfAbuse)
    children = tuple(
        Child(id=f"c{n}", category=rng.choice(categories), name=f"Child {n}")
        for n in range(1, rng.choice((1, 1, 2, 3)) + 1)
    )
    return ConferenceHeld(
        on=on,
        kind=ConferenceKind.INITIAL,
        decision=ConferenceDecision.PLAN,
        children=children,
        outcomes=(Outcome(id="o1", text="The children are safe at home"),),
        lead_professional="sw",
        team_manager="tm",
        chair="ch-1",
        members=members(rng),
        first_cg_on=first_cg,
        strategy_discussion_on=on - timedelta(days=rng.randint(10, 25)),
    )


def synthetic_history(
    seed: int,
    reference: str,
    months: int | None = None,
    start: date | None = None,
    end: date | None = None,
    profile_name: str | None = None,
    assessments: bool = False,
) -> CaseHistory:
    """A case of 3 to 18 months (or from ``start`` to ``end``) that keeps mostly to time;
    with ``assessments``, each child's assessment of the enquiry that led to the plan."""
    rng = random.Random(seed)
    chosen = rng.choices([p for p, _ in PROFILE_MIX], [w for _, w in PROFILE_MIX])[0]
    profile_name = profile_name or chosen
    profile = load_profile(profile_name)
    calendar = calendar_for(profile)
    first = date(2024, 1, 2) + timedelta(days=rng.randint(0, 700))
    start = calendar.previous_working_day(start or first)
    end = end or start + timedelta(days=30 * (months or rng.randint(3, 18)))
    first_cg = calendar.add(start, rng.randint(3, profile.first_cg_within_wd))
    review = calendar.previous_working_day(add_months(start, profile.first_review_months))
    icpc = invented_names(opening(rng, start, first_cg), seed)
    if profile.review_set_at_conference:  # 003 §1.4.11: the conference sets the review's date
        icpc = icpc.model_copy(update={"review_on": review})
    events: list[Event] = [icpc]
    children = [c.id for c in icpc.children]
    day, n, period, first_of_period = first_cg, 0, 0, True
    while day < end:
        if day >= review:
            period += 1
            next_cg = calendar.add(review, rng.randint(2, 8))
            held_on, review = (
                review,
                calendar.previous_working_day(add_months(review, profile.later_review_months)),
            )
            events.append(
                ConferenceHeld(
                    on=held_on,
                    kind=ConferenceKind.REVIEW,
                    decision=ConferenceDecision.CONTINUE,
                    chair="ch-1",
                    first_cg_on=next_cg,
                    review_on=review if profile.review_set_at_conference else None,
                )
            )
            day, first_of_period = next_cg, True
            continue
        n += 1
        meeting = f"cg-p{period}-1" if first_of_period else f"cg-{n}"
        events.extend(
            _core_group(rng, profile, calendar, children, meeting, day, end, first_of_period)
        )
        first_of_period = False
        weeks = (
            profile.cg_every_weeks_before_review
            if period == 0
            else profile.cg_every_weeks_after_review
        )
        day = calendar.add(day + timedelta(weeks=weeks - 1), rng.randint(1, 5))
    events.sort(key=lambda e: e.on)  # stable: same-day events keep their order
    if assessments:  # recorded once the case is open, dated from the strategy discussion
        events[1:1] = enquiry_assessments(icpc)
    events = _recommendations(events)
    return CaseHistory(
        reference=reference,
        profile=profile_name,
        team=rng.choice(TEAMS),
        events=tuple(_before(events, end)),
    )


FACTORS = {
    CategoryOfAbuse.NEG: ("16A",), CategoryOfAbuse.EMO: ("17A",), CategoryOfAbuse.PHY: ("18C",),
    CategoryOfAbuse.SAB: ("19C",), CategoryOfAbuse.MUL: ("16A", "17A"),
}  # fmt: skip


def enquiry_assessments(opening: ConferenceHeld) -> list[Event]:
    """Each child's assessment: started at the strategy discussion, completed (authorised)
    on the conference's day, with the factors its category suggests (CIN Assessments)."""
    started = opening.strategy_discussion_on or opening.on
    return [
        *(
            AssessmentStarted(on=started, assessment=f"a-{c.id}", child=c.id)
            for c in opening.children
        ),
        *(
            AssessmentCompleted(on=opening.on, assessment=f"a-{c.id}", factors=FACTORS[c.category])
            for c in opening.children
        ),
    ]


def _core_group(
    rng: random.Random,
    profile: PolicyProfile,
    calendar: WorkingDayCalendar,
    children: list[str],
    meeting: str,
    day: date,
    end: date,
    first: bool,
) -> list[Event]:
    count = profile.cg_dates_set_at_first_cg if first else 0
    dates = tuple(day + timedelta(weeks=k) for k in range(1, count + 1))
    events: list[Event] = [
        CoreGroupHeld(
            on=day,
            meeting=meeting,
            chair="tm" if first and profile.manager_chairs_first_cg else "sw",
            minute_taker="hv",
            next_dates=dates,
            # R-T17: set on the last core group before each review (``_recommendations``); the
            # draw stays, so every other day and choice of a seed is what it always was.
            recommendation="Continue the plan" if rng.random() < 0.4 else None,
            vice_chair="sch1" if first and profile.vice_chair else None,  # R-M1 (004)
            contingency_plan="Placement with a relative"  # R-P6 (003 §1.3.6)
            if first and profile.contingency_plan
            else None,
        )
    ]
    for offset in (3, 10, 17, 24):
        visit_day = day + timedelta(days=offset + rng.randint(-1, 2))
        if visit_day >= end or rng.random() < 0.15:
            continue
        alone = tuple(c for c in children if rng.random() < 0.6)
        events.append(
            VisitMade(
                on=visit_day,
                visitor="sw",
                children_seen=tuple(children),
                seen_alone=alone,
                bedroom_seen=tuple(children) if rng.random() < 0.3 else (),
            )
        )
    minutes_day = calendar.add(day, rng.randint(1, profile.minutes_within_wd + 2))
    events.append(
        _minutes(
            meeting, minutes_day, profile.minutes_to_qa_manager, profile.minutes_to_conference_chair
        )
    )
    if first and profile.signed_agreement:  # R-T6: most members sign within a few days
        signed_on = calendar.add(minutes_day, rng.randint(1, profile.agreement_within_wd + 1))
        events += [
            AgreementSigned(on=signed_on, member=member, meeting=meeting)
            for member in ("sw", "tm", "hv", "sch1", "par1")
        ]
    events += _to_family(profile, meeting, minutes_day, first)
    if rng.random() < 0.5:
        events.append(AgencyReportReceived(on=day + timedelta(days=1), member="hv"))
        # R-T19: shared with the family the day it is sent (000)
        share = SharedWithFamily(on=day + timedelta(days=1), what=FamilyShare.REPORT, member="hv")
        events.append(share)
    return events


def _to_family(profile: PolicyProfile, meeting: str, on: date, first: bool) -> list[Event]:
    """What the family is given with the minutes, where the profile asks: the plan (R-P5,
    003) and the minutes (R-T20, 002). No draw from the seed's generator: every other day
    and choice of a seed stays what it was."""
    events: list[Event] = []
    if first and profile.plan_to_family:
        events.append(SharedWithFamily(on=on, what=FamilyShare.PLAN))
    if profile.minutes_to_family:
        events.append(SharedWithFamily(on=on, what=FamilyShare.MINUTES, meeting=meeting))
    return events


def _recommendations(events: list[Event]) -> list[Event]:
    """R-T17: the final core group before each review conference makes the recommendation."""
    last: dict[int, int] = {}
    period = 0
    for index, event in enumerate(events):
        if isinstance(event, ConferenceHeld) and index:
            period += 1
        elif isinstance(event, CoreGroupHeld):
            last[period] = index
    finals = set(last.values())
    return [
        e.model_copy(update={"recommendation": "Continue the plan" if i in finals else None})
        if isinstance(e, CoreGroupHeld)
        else e
        for i, e in enumerate(events)
    ]


def _minutes(meeting: str, on: date, qa: bool, chair: bool) -> MinutesCirculated:
    copied: list[str] = []
    if qa:
        copied.append("qa_manager")
    if chair:
        copied.append("conference_chair")
    return MinutesCirculated(on=on, meeting=meeting, copied_to=tuple(copied))


def _before(events: list[Event], end: date) -> list[Event]:
    kept = [e for e in events if e.on < end]
    held = {e.meeting for e in kept if isinstance(e, CoreGroupHeld)}
    kept = [e for e in kept if not isinstance(e, MinutesCirculated) or e.meeting in held]
    circulated = {e.meeting for e in kept if isinstance(e, MinutesCirculated)}
    return [e for e in kept if not isinstance(e, AgreementSigned) or e.meeting in circulated]


def as_of_moment(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), LONDON)


def synthetic_facts(history: CaseHistory, seed: int) -> tuple[ChildFacts, ...]:
    """Invented personal facts for each child of the history's opening conference: an id
    made from the case reference, a birth before the plan (school age or younger), a mix of
    sexes, ethnicities and disabilities, a UPN made from the seed for a child of school age
    (UN1 for a younger one). Nothing here is real."""
    rng = random.Random(seed)
    opening = history.events[0]
    assert isinstance(opening, ConferenceHeld)
    stem = re.sub(r"[^A-Za-z0-9]", "", history.reference)[:16]
    facts = tuple(
        ChildFacts(
            child=child.id,
            la_child_id=f"{stem}{child.id}"[-20:].upper(),
            sex=rng.choice("MMFFU") if rng.random() < 0.02 else rng.choice("MF"),
            ethnicity=rng.choice(ETHNICITIES[:5]) if rng.random() < 0.7 else rng.choice(ETHNICITIES),
            date_of_birth=opening.on - timedelta(days=rng.randint(30, 16 * 365)),
            disabilities=("NONE",) if rng.random() < 0.85 else tuple(
                rng.sample(DISABILITIES[1:], rng.choice((1, 1, 2)))
            ),
        )
        for child in opening.children
    )  # fmt: skip
    return tuple(_with_upn(item, seed, n, opening.on) for n, item in enumerate(facts))


def _with_upn(facts: ChildFacts, seed: int, n: int, on: date) -> ChildFacts:
    """A UPN unique to the seed and child (LA 201); UN1 (not of school age) for a child under
    two on ``on``, still not of school age when the case's last census is made."""
    born = facts.date_of_birth
    if born is None or (on - born).days < 2 * 365:
        return facts.model_copy(update={"upn_unknown": "UN1"})
    return facts.model_copy(update={"upn": made_upn(f"{seed % 10**8:08d}{n % 10}")})


def made_upn(digits: str) -> str:
    """An invented but well-formed UPN of LA 201 from nine digits (CIN 1510-1550)."""
    tail = f"201{digits}"
    return upn_check_letter(f"A{tail}") + tail
