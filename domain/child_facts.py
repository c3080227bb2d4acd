"""A child's personal facts: what identifies the child to the DfE and Ofsted (docs/rules.md §8).

Kept apart from the events, in their own store table: never in Prefect, never in a notice
(R-G1). Written only by ``cpo children set`` and by a case history file's ``child_facts``
section; checked here against the case (R-G3): each refusal names the field, our rule and
the census rule it keeps the return clear of. Facts about the process (the Section 47
enquiry, previous plans, why a plan ended) are events, not these.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field

from domain import strict_json
from domain.case import CaseState, ChildRecord
from domain.errors import RejectedFacts
from domain.events import ConferenceHeld, ConferenceKind
from domain.history import CaseHistory
from domain.plausible import CHILDHOOD_YEARS, years_before

SEXES = ("M", "F", "U")  # CIN Sex (N00783): U for not known, and for every unborn child
ETHNICITIES = (
    "WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN",
    "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT",
)  # fmt: skip
DISABILITIES = (
    "NONE", "MOB", "HAND", "PC", "INC", "COMM", "LD", "HEAR", "VIS", "BEH", "CON", "AUT", "DDA",
)  # fmt: skip
LA_CHILD_ID = re.compile(r"[A-Za-z0-9]{1,20}")
# The unique pupil number (CIN UPN, N00001; the DfE's UPN guide): a check letter, the LA's
# number (3 digits), 8 more digits and a last character, a digit or a letter (CIN 1510-1550).
UPN = re.compile(r"[A-HJ-NP-RT-Z]\d{11}[A-HJ-NP-RT-Z0-9]")
UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
UPN_LETTER_VALUES = {letter: n for n, letter in enumerate(UPN_CHECK_LETTERS)}
# The LA numbers a UPN may carry in characters 2-4 (CIN 1530).
UPN_LA_CODES = frozenset(
    [*range(1, 6), *range(201, 214), *range(301, 321), *range(330, 337), *range(340, 345),
     *range(350, 360), *range(370, 374), *range(380, 385), *range(390, 395), 420,
     *range(660, 682), *range(701, 709), *range(800, 804), *range(805, 809), *range(810, 814),
     815, 816, *range(820, 824), 825, 826, 830, 831, *range(835, 842), 845, 846,
     *range(850, 853), *range(855, 858), 860, 861, *range(865, 897), 908, 909, 916, 919, 921,
     925, 926, 928, 929, 931, 933, *range(935, 939), 940, 941]
)  # fmt: skip
# Why a UPN is not given (CIN UPNunknown, N00135). UN7 is for a referral with no further
# action, never a child on a plan (CIN 8772).
UPN_UNKNOWN = {
    "UN1": "not of school age and not yet given a UPN",
    "UN2": "never attended a state school in England",
    "UN3": "lives abroad",
    "UN4": "moved to another authority and the UPN is not known",
    "UN5": "the sources of UPNs reflect a change of legal status (adoption)",
    "UN6": "an unaccompanied asylum-seeking child or newly arrived in England",
}
PREGNANCY = timedelta(days=280)  # CIN 8606: 40 weeks


class ChildFacts(BaseModel):
    """One child's personal facts, by the case's own child id (``c1``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    child: str = Field(min_length=1, max_length=32)
    la_child_id: str = Field(max_length=64)  # the authority's id for the child (CIN LAchildID)
    sex: str = Field(max_length=8)  # CIN Sex: M, F or U
    ethnicity: str = Field(max_length=8)  # CIN ethnicity code (WBRI ... NOBT)
    date_of_birth: date | None = None
    expected_birth_date: date | None = None  # an unborn child (pre-birth plans)
    disabilities: tuple[str, ...] = ()  # CIN disability codes; NONE alone when none
    upn: str | None = None  # the unique pupil number (CIN UPN)
    upn_unknown: str | None = None  # else why it is not known (CIN UPNunknown: UN1 ... UN6)

    @property
    def unborn(self) -> bool:
        return self.date_of_birth is None


class CaseFile(CaseHistory):
    """A case history file with its optional ``child_facts`` section beside ``events``."""

    child_facts: tuple[ChildFacts, ...] = ()

    @property
    def history(self) -> CaseHistory:
        return CaseHistory(
            reference=self.reference, profile=self.profile, team=self.team, events=self.events
        )


def loads_case_file(text: str) -> CaseFile:
    """A case file's content, read strictly (``domain.strict_json``)."""
    return CaseFile.model_validate(strict_json.loads(text))


def dumps_case_file(history: CaseHistory, facts: tuple[ChildFacts, ...] = ()) -> str:
    """The canonical history text, with the section after the events only when there are
    facts to write: a file without them is byte for byte ``dumps_history``'s."""
    content = history.model_dump(mode="json")
    if facts:
        content["child_facts"] = [f.model_dump(mode="json") for f in sorted_facts(facts)]
    return json.dumps(content, indent=2, ensure_ascii=False) + "\n"


def sorted_facts(facts: tuple[ChildFacts, ...]) -> tuple[ChildFacts, ...]:
    return tuple(sorted(facts, key=lambda f: f.child))


def process_start(state: CaseState) -> date:
    """The earliest day the case records: the strategy discussion that started the enquiry
    (for a transfer-in, the day it was accepted), an assessment or emergency protection
    before it, else the opening conference. The census's referral date is never later (CIN
    1103, 1104, 1105, 2889)."""
    opening = state.events[0]
    assert isinstance(opening, ConferenceHeld)
    days = [e.on for e in state.events if e.on < opening.on]
    return min(d for d in (opening.strategy_discussion_on, opening.on, *days) if d is not None)


def check_facts(facts: ChildFacts, state: CaseState) -> None:
    """Refuse facts the case contradicts or the census would refuse (R-G3)."""
    child = state.children.get(facts.child)
    if child is None:
        raise _fail(facts, "child", f"the case has no child {facts.child!r}")
    if not LA_CHILD_ID.fullmatch(facts.la_child_id):
        raise _fail(facts, "la_child_id", "1 to 20 letters and digits (CIN 1570, CIN 1580)")
    if facts.sex not in SEXES:
        raise _fail(facts, "sex", "M, F or U (CIN 4180)")
    if facts.ethnicity not in ETHNICITIES:
        raise _fail(facts, "ethnicity", "a CIN ethnicity code such as WBRI or NOBT (CIN 4220)")
    _check_birth(facts, state, child)
    _check_disabilities(facts)
    _check_upn(facts)


def upn_check_letter(upn: str) -> str:
    """The letter a UPN's first character must be: characters 2 to 13 weighted 2 to 13, the
    sum modulo 23 (the DfE's UPN guide; CIN 1510). A letter in the 13th place counts as its
    position in the check letters."""
    total = 0
    for weight, character in enumerate(upn[1:13], start=2):
        value = int(character) if character.isdigit() else UPN_LETTER_VALUES.get(character, 0)
        total += value * weight
    return UPN_CHECK_LETTERS[total % 23]


def _check_upn(facts: ChildFacts) -> None:
    """Either may be missing (the census then names the child: CIN 8770Q), not both given."""
    upn, unknown = facts.upn, facts.upn_unknown
    if upn is not None and unknown is not None:
        raise _fail(facts, "upn_unknown", "a reason is given only when the UPN is not")
    if unknown is not None and unknown not in UPN_UNKNOWN:
        raise _fail(facts, "upn_unknown", "UN1 to UN6; UN7 is for no further action (CIN 8772)")
    if upn is None:
        return
    if not UPN.fullmatch(upn):
        raise _fail(facts, "upn", "a letter, 11 digits and a digit or letter (CIN 1540, 1550)")
    if int(upn[1:4]) not in UPN_LA_CODES:
        raise _fail(facts, "upn", "characters 2-4 are not an LA number (CIN 1530)")
    if upn[0] != upn_check_letter(upn):
        raise _fail(facts, "upn", "the check letter is wrong (CIN 1510)")


def _check_birth(facts: ChildFacts, state: CaseState, child: ChildRecord) -> None:
    born, expected = facts.date_of_birth, facts.expected_birth_date
    if (born is None) == (expected is None):
        raise _fail(
            facts,
            "date_of_birth",
            "give the date of birth or, unborn, the expected one (CIN 8525Q)",
        )
    opening = state.events[0]
    assert isinstance(opening, ConferenceHeld)
    pre_birth = opening.kind is ConferenceKind.PRE_BIRTH
    recorded = next((c.date_of_birth for c in opening.children if c.id == facts.child), None)
    if born is not None and recorded is not None and born != recorded:
        raise _fail(facts, "date_of_birth", f"the conference recorded {recorded}")
    if born is not None and born > opening.on and not pre_birth:
        raise _fail(facts, "date_of_birth", "only a pre-birth conference plans for an unborn child")
    if expected is not None and not pre_birth:
        raise _fail(
            facts, "expected_birth_date", "only a pre-birth conference plans for an unborn child"
        )
    if expected is not None and facts.sex != "U":
        raise _fail(facts, "sex", "an unborn child's sex is U (CIN 8750)")
    if born is not None and born <= years_before(child.plan_start, CHILDHOOD_YEARS):
        raise _fail(facts, "date_of_birth", f"born {born}, the child was 18 or over when the "
                    f"plan started on {child.plan_start}: a plan is for a child under 18")  # fmt: skip
    if expected is not None and expected < process_start(state):
        raise _fail(facts, "expected_birth_date", "an expected birth comes after the case starts")
    birth = born or expected
    if birth is not None and process_start(state) < birth - PREGNANCY:
        raise _fail(
            facts, "date_of_birth", "the case starts more than 40 weeks before the birth (CIN 8606)"
        )


def _check_disabilities(facts: ChildFacts) -> None:
    codes = facts.disabilities
    unknown = [code for code in codes if code not in DISABILITIES]
    if unknown:
        raise _fail(
            facts, "disabilities", f"{unknown[0]!r} is not a CIN disability code (CIN 8540)"
        )
    if len(set(codes)) != len(codes):
        raise _fail(facts, "disabilities", "a code appears twice (CIN 8794)")
    if "NONE" in codes and len(codes) > 1:
        raise _fail(facts, "disabilities", "NONE stands alone (CIN 8790)")
    if not codes and not facts.unborn:
        raise _fail(facts, "disabilities", "give the child's disabilities, or NONE (CIN 8540)")


def _fail(facts: ChildFacts, field: str, message: str) -> RejectedFacts:
    return RejectedFacts(facts.child, field, "R-G3", message)


def plans_overlap(one: ChildRecord, other: ChildRecord) -> bool:
    """Two plans of one child overlap when each starts on or before the other ends: the
    census refuses a child on two plans at once (CIN 8935, 8940)."""
    one_end, other_end = one.plan_end or date.max, other.plan_end or date.max
    return one.plan_start <= other_end and other.plan_start <= one_end
