"""Policy profiles are data, one per procedures document (docs/rules.md §7)."""

from __future__ import annotations

import pytest

from domain.errors import ProfileError
from domain.profiles import load_profile, profile_names

EXPECTED = {"england", "bedford", "procedures-001", "highland", "luton", "west-midlands", "wales"}


def test_every_profile_of_rules_section_7_loads():
    assert set(profile_names()) == EXPECTED
    for name in EXPECTED:
        assert load_profile(name).name == name


@pytest.mark.parametrize(
    ("profile", "field", "value"),
    [
        ("england", "first_cg_within_wd", 10),
        ("england", "minutes_within_wd", 5),
        ("bedford", "cg_every_weeks_before_review", 4),
        ("bedford", "inquorate_notice_hours", 24),
        ("procedures-001", "minutes_within_wd", 3),
        ("procedures-001", "minutes_to_qa_manager", True),
        ("procedures-001", "cg_dates_set_at_first_cg", 2),
        ("highland", "nation", "scotland"),
        ("highland", "first_cg_within_wd", 7),
        ("highland", "cgs_before_first_review", 3),
        ("highland", "cg_every_weeks_after_review", 6),
        ("highland", "minutes_to_conference_chair", True),
        ("luton", "cg_every_weeks_before_review", 6),
        ("luton", "assessment_within_wd", 35),
        ("luton", "signed_agreement", True),
        ("luton", "seen_alone_every_weeks", 6),
        ("luton", "bedroom_between_conferences", True),
        ("luton", "manager_chairs_first_cg", True),
        ("west-midlands", "minutes_within_wd", 10),
        ("west-midlands", "vice_chair", True),
        ("wales", "nation", "wales"),
        ("wales", "cg_every_weeks_after_review", 6),
        ("wales", "assessment_within_wd", 42),
    ],
)
def test_each_profile_differs_where_its_procedures_do(profile, field, value):
    assert getattr(load_profile(profile), field) == value


def test_a_malformed_profile_fails_at_load_naming_the_file_and_field(tmp_path):
    (tmp_path / "england.toml").write_bytes(
        (load_profile.__wrapped__.__globals__["PROFILE_DIR"] / "england.toml").read_bytes()
    )
    (tmp_path / "broken.toml").write_text('minutes_within_wd = "soon"\n')
    with pytest.raises(ProfileError, match=r"broken.toml.*minutes_within_wd"):
        load_profile("broken", tmp_path)


def test_a_profile_with_an_unknown_setting_is_refused(tmp_path):
    (tmp_path / "england.toml").write_bytes(
        (load_profile.__wrapped__.__globals__["PROFILE_DIR"] / "england.toml").read_bytes()
    )
    (tmp_path / "typo.toml").write_text("minutes_within_days = 3\n")
    with pytest.raises(ProfileError, match="minutes_within_days"):
        load_profile("typo", tmp_path)


def test_invalid_toml_and_missing_profiles_are_clear_errors(tmp_path):
    with pytest.raises(ProfileError, match="not a profile; one of: bedford"):
        load_profile("nowhere")
    (tmp_path / "england.toml").write_text("this is = = not toml")
    with pytest.raises(ProfileError, match="not valid TOML"):
        load_profile("england", tmp_path)
