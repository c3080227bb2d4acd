"""R-G1's one exception: a profile may allow a child's name and category on a secure channel.

By default no profile does, and no dispatch carries them. With ``personal_data_channels``
set, the dispatch carries them, and delivery shows them only to endpoints tagged with one
of those channels; every other endpoint of the same notice gets the ordinary text.
"""

from __future__ import annotations

from pathlib import Path

from domain.dispatch import Dispatch, RecipientRole, Rung
from domain.events import RiskRaised
from domain.obligations import derive
from domain.profiles import calendar_for, load_profile
from domain.state import fold
from notifications.delivery import deliver_row
from notifications.notifier import Notifier
from tests.domain.builders import at, case, d, icpc
from tests.notifications.conftest import Mail, SmtpReceiver

AS_OF = at("2026-10-07", 12)


def risk_notice(channels: tuple[str, ...]) -> Dispatch:
    """The R-E2 notice (TM and LP) of a case whose child is named in the record."""
    state = fold(case(icpc("2026-10-05"), RiskRaised(on=d("2026-10-07"), member="sch1")))
    profile = load_profile("england").model_copy(update={"personal_data_channels": channels})
    view = derive(state, profile, calendar_for(profile), AS_OF)
    [notice] = [x for x in view.dispatches if x.rule == "R-E2" and x.rung is Rung.NOTICE]
    return notice


def test_no_profile_allows_personal_data_by_default() -> None:
    assert risk_notice(()).personal is None
    for dispatch in derive(
        fold(case(icpc("2026-10-05"))),
        load_profile("england"),
        calendar_for(load_profile("england")),
        AS_OF,
    ).dispatches:
        assert dispatch.personal is None


def test_a_profile_with_a_secure_channel_puts_the_childs_details_on_the_dispatch() -> None:
    personal = risk_notice(("secure",)).personal
    assert personal is not None and personal.channels == ("secure",)
    assert [(c.name, c.category) for c in personal.children] == [("Alex Example", "NEG")]


def test_only_the_endpoint_on_the_secure_channel_reads_the_name(
    tmp_path: Path, smtp: SmtpReceiver
) -> None:
    config = tmp_path / "notify.yaml"
    config.write_text(
        "\n".join(
            [
                "version: 1",
                "urls:",
                f"  - {smtp.url('tm-secure@example.org')}:",
                "    - tag: team_manager:team-north, secure",
                f"  - {smtp.url('tm-phone@example.org')}:",
                "    - tag: team_manager:team-north",
            ]
        )
        + "\n"
    )
    notice = risk_notice(("secure",))
    only_tm = tuple(r for r in notice.recipients if r.role is RecipientRole.TEAM_MANAGER)
    result = deliver_row(
        _Row(notice.model_copy(update={"recipients": only_tm})),
        Notifier.from_config(config),
        AS_OF,
    )
    assert result.delivered, result.error
    [secure] = smtp.to("tm-secure@example.org")
    [phone] = smtp.to("tm-phone@example.org")
    assert "Alex Example (NEG)" in body(secure)
    for mail in (phone, secure):
        assert "Alex" not in mail.subject and "NEG" not in mail.subject
    assert "Risk not reduced" in body(phone)  # decoded: the checks below can fail
    assert "Alex" not in body(phone) and "NEG" not in body(phone)
    assert "CP-0001" in phone.subject and "CP-0001" in secure.subject


def body(mail: Mail) -> str:
    return b"".join(mail.parts("text/plain") + mail.parts("text/html")).decode()


class _Row:
    """An outbox row as delivery reads it."""

    def __init__(self, dispatch: Dispatch) -> None:
        self.dispatch = dispatch
        self.key = dispatch.idempotency_key
        self.attempts = 0
        self.delivered_to: tuple[str, ...] = ()
