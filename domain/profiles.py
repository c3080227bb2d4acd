"""Policy profiles: one data file per procedures document (docs/rules.md §7).

Code never branches on an authority's name: every difference between the
procedures is a value here. A profile file names only what differs from the
national default (``england.toml``); a malformed file fails at load with the
file, the field and what is wrong.
"""

from __future__ import annotations

import tomllib
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.calendar import NATIONS, WorkingDayCalendar, calendar_of
from domain.errors import ProfileError

PROFILE_DIR = Path(__file__).parent / "profiles"
DEFAULT_PROFILE = "england"


class Ladder(BaseModel):
    """R-E1: remind before due, missed, TM after a grace period, then the final rung."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    remind_before_wd: int = Field(ge=0, le=20)
    tm_after_wd: int = Field(ge=0, le=20)
    final_after_wd: int = Field(ge=1, le=40)
    final_recipient: Literal["head_of_service", "conference_chair"]


class PolicyProfile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    source: str
    nation: str
    local_closures: tuple[date, ...] = ()
    icpc_within_wd: int = Field(ge=1, le=60)  # R-T0
    first_cg_within_wd: int = Field(ge=1, le=30)  # R-T1
    cgs_before_first_review: int = Field(ge=1, le=6)  # R-T2
    cg_every_weeks_before_review: int = Field(ge=1, le=12)  # R-T3
    cg_every_weeks_after_review: int = Field(ge=1, le=12)  # R-T4
    minutes_within_wd: int = Field(ge=1, le=30)  # R-T5
    signed_agreement: bool  # R-T6
    agreement_within_wd: int = Field(ge=1, le=30)
    first_review_months: int = Field(ge=1, le=12)  # R-T7
    later_review_months: int = Field(ge=1, le=12)  # R-T8
    reports_before_review_wd: int = Field(ge=1, le=20)  # R-T9
    chase_before_review_wd: int = Field(ge=1, le=20)  # R-T10
    chase_escalate_after_wd: int = Field(ge=1, le=20)  # R-T10
    seen_every_weeks: int = Field(ge=1, le=12)  # R-T11
    seen_alone_every_weeks: int = Field(ge=1, le=12)  # R-T12
    bedroom_between_conferences: bool  # R-T13
    assessment_within_wd: int = Field(ge=1, le=90)  # R-T14
    concern_confirm_hours: int = Field(ge=1, le=168)  # R-T15
    inquorate_notice_hours: int = Field(ge=1, le=168)  # R-T16
    recommendation_at_final_cg: bool  # R-T17
    minutes_to_qa_manager: bool  # R-T18
    minutes_to_conference_chair: bool
    cg_dates_set_at_first_cg: int = Field(ge=1, le=6)  # R-M7
    manager_chairs_first_cg: bool  # R-M1
    vice_chair: bool  # R-M1 (004)
    # Who chairs and minutes (R-M1, R-M2, R-T5): a chair from children's social care (002),
    # whose minutes the LP circulates (001, 003) rather than the minute taker.
    chair_from_social_care: bool
    minutes_owner: Literal["minute_taker", "lead_professional"]
    # Visits (R-T11, R-T12, R-V2, R-V5): the roles beyond the LP (and the cover worker) whose
    # visits are statutory; whether other members' sightings count for "seen"; the plan of
    # action owed after a visit without access, and from which no-access visit in a row the
    # police agree it.
    statutory_visitors: tuple[Literal["team_manager", "professional"], ...]
    sightings_count: bool
    access_plan_within_wd: int = Field(ge=0, le=10)
    police_after_no_access: int = Field(ge=1, le=5)
    risk_decision_within_wd: int = Field(ge=0, le=10)  # R-E2
    report_when_absent: bool  # R-M3
    # The family (R-P5, R-T19, R-T20) and the detailed plan (R-P6).
    plan_to_family: bool
    reports_shared_with_family: bool
    minutes_to_family: bool
    contingency_plan: bool
    # Review dates (R-T7, R-T8, R-E3) and the core groups set before them (R-M7).
    review_set_at_conference: bool
    review_move_needs_chair: bool
    cg_dates_before_first_review: bool
    personal_data_channels: tuple[str, ...] = ()  # R-G1: secure channels that may carry names
    # R-E6: who may acknowledge an escalation: the roles of the members it goes to.
    acknowledgers: tuple[Literal["team_manager", "lead_professional"], ...] = ("team_manager",)
    business_day_starts_hour: int = Field(ge=0, le=12)
    # R-G3: an event recorded more than this many working days after it happened needs a
    # reason (domain.recording); recording timeliness is measured against it too.
    late_entry_reason_after_wd: int = Field(default=10, ge=0, le=60)
    ladder: Ladder

    @property
    def calendar(self) -> WorkingDayCalendar:
        return calendar_for(self)


def calendar_for(profile: PolicyProfile) -> WorkingDayCalendar:
    return calendar_of(profile.nation, tuple(sorted(profile.local_closures)))


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ProfileError(f"profile {path.stem!r}: no file {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"profile file {path}: not valid TOML: {exc}") from exc


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = {**base[key], **value}
        else:
            merged[key] = value
    return merged


def parse_profile(path: Path, base: dict[str, Any] | None = None) -> PolicyProfile:
    raw = _read(path)
    values = _merge(base, raw) if base is not None else raw
    values.setdefault("name", path.stem)
    try:
        profile = PolicyProfile.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ProfileError(f"profile file {path}: {problems}") from exc
    if profile.nation not in NATIONS:
        raise ProfileError(
            f"profile file {path}: nation: {profile.nation!r} not in {sorted(NATIONS)}"
        )
    return profile


@lru_cache(maxsize=32)
def load_profile(name: str = DEFAULT_PROFILE, directory: Path = PROFILE_DIR) -> PolicyProfile:
    if name not in profile_names(directory):
        known = ", ".join(profile_names(directory))
        raise ProfileError(f"profile: {name!r} is not a profile; one of: {known}")
    default = _read(directory / f"{DEFAULT_PROFILE}.toml")
    if name == DEFAULT_PROFILE:
        return parse_profile(directory / f"{name}.toml")
    return parse_profile(directory / f"{name}.toml", base=default)


def profile_names(directory: Path = PROFILE_DIR) -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in directory.glob("*.toml")))
