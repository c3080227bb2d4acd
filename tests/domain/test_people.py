"""Who acts is a person's id, never a name or an e-mail, and never anything a terminal or a
log would show as something else (R-G2, R-G1)."""

from __future__ import annotations

import pytest

from domain.errors import RejectedEvent
from domain.people import id_without_name, names_of, person_id

BAD = {
    "empty": "",
    "100 KB": "a" * 100_000,
    "a name": "Jane Smith",
    "an e-mail": "jane.smith@example.org",
    "a newline and a terminal escape": "admin\n\x1b[2K2026-12-01 visit_made by tm",
    "upper case": "Admin",
}


@pytest.mark.parametrize("given", BAD.values(), ids=BAD.keys())
def test_anything_but_a_person_id_is_refused_naming_the_field_and_r_g2(given: str) -> None:
    with pytest.raises(RejectedEvent) as refused:
        person_id(given)
    assert (refused.value.field, refused.value.rule) == ("recorded_by", "R-G2")
    assert "\n" not in str(refused.value) and "\x1b" not in str(refused.value)
    assert len(str(refused.value)) < 300  # one line, even for 100 KB


def test_an_opaque_staff_id_is_a_person_id() -> None:
    assert person_id("tm") == "tm"
    assert person_id("s-40213") == "s-40213"


def test_an_id_that_spells_the_persons_name_or_e_mail_is_refused() -> None:
    claims = {"name": "Jane Smith", "email": "jsmith@example.org"}
    with pytest.raises(RejectedEvent, match="R-G1"):
        id_without_name("jane-smith", names_of(claims))
    with pytest.raises(RejectedEvent, match="R-G1"):
        id_without_name("jsmith", names_of(claims))
    assert id_without_name("s-40213", names_of(claims)) == "s-40213"


def test_the_cover_worker_acknowledges_for_the_lead_professional_when_the_profile_lets_them() -> (
    None
):
    """R-E6 with R-E5: where the profile lets the lead professional acknowledge, the cover
    worker stands in while cover is in force; where only the team manager may, they do not."""
    from domain.events import CoverStarted, EscalationAcknowledged, Member, MemberRole
    from domain.profiles import load_profile
    from domain.state import fold
    from domain.validation import validate
    from tests.domain.builders import case, d, icpc

    cover = CoverStarted(
        on=d("2026-12-16"), cover=Member(id="cw", role=MemberRole.LEAD_PROFESSIONAL)
    )
    history = case(icpc("2026-12-14", "2026-12-18"), cover)
    england = load_profile("england")
    lead_too = england.model_copy(update={"acknowledgers": ("team_manager", "lead_professional")})
    acknowledged = EscalationAcknowledged(on=d("2026-12-17"), obligation="R-T1", by="cw")
    validate(fold(history, lead_too), acknowledged)  # allowed: no error
    with pytest.raises(RejectedEvent, match="R-E6"):
        validate(fold(history, england), acknowledged)
    with pytest.raises(RejectedEvent, match="R-E6"):
        validate(fold(history, lead_too), acknowledged.model_copy(update={"by": "hv-2"}))
