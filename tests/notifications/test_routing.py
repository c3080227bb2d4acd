"""Who receives each rung, and a missing route is an error at load, never a silent drop."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.dispatch import Recipient, RecipientRole, Rung
from notifications.routing import (
    CONFIG_ENV,
    RoutingError,
    RoutingTable,
    ladder_roles,
    validate_config,
)
from tests.notifications.conftest import DispatchFactory

Role = RecipientRole


@pytest.mark.parametrize(
    ("rung", "template", "expected"),
    [
        (Rung.REMINDER, "reminder", (Role.OWNER,)),
        (Rung.CHASE, "chase", (Role.OWNER,)),
        (Rung.MISSED, "missed", (Role.OWNER, Role.LEAD_PROFESSIONAL)),
        (Rung.ESCALATION_TM, "escalation", (Role.TEAM_MANAGER,)),
        (Rung.ESCALATION_FINAL, "unacknowledged", (Role.HEAD_OF_SERVICE,)),
        (Rung.NOTICE, "inquorate", (Role.MEMBER,)),
        (Rung.NOTICE, "rescheduled", (Role.MEMBER,)),
        (Rung.NOTICE, "no_access", (Role.TEAM_MANAGER, Role.MEMBER)),  # R-V2, 003 §1.4.8
        (Rung.NOTICE, "seen_alone_refused", (Role.TEAM_MANAGER,)),
        (Rung.NOTICE, "risk_raised", (Role.TEAM_MANAGER,)),
        (Rung.NOTICE, "disagreement", (Role.TEAM_MANAGER, Role.CONFERENCE_CHAIR)),
    ],
)
def test_each_rung_reaches_the_roles_the_ladder_names(
    rung: Rung, template: str, expected: tuple[RecipientRole, ...]
) -> None:
    assert ladder_roles(rung, template) == expected


def test_the_profile_chooses_the_final_rung_and_the_qa_copy() -> None:
    roles = ladder_roles(
        Rung.ESCALATION_FINAL,
        "escalation",
        final_role=Role.CONFERENCE_CHAIR,
        copy_qa_manager=True,  # R-T18
    )
    assert roles == (Role.CONFERENCE_CHAIR, Role.QA_MANAGER)


def test_a_members_own_contact_wins_over_any_tag(notify_config: Path) -> None:
    table = RoutingTable.from_config(notify_config)
    cover = Recipient(role=Role.LEAD_PROFESSIONAL, member="m-cover", contact="json://x/y")
    route = table.route(cover, "team-north")
    assert (route.contact, route.tag, route.label) == (
        "json://x/y",
        None,
        "lead_professional:m-cover",
    )


def test_a_team_role_routes_to_its_teams_tag_and_a_service_role_to_its_own(
    notify_config: Path,
) -> None:
    table = RoutingTable.from_config(notify_config)
    assert (
        table.route(Recipient(role=Role.TEAM_MANAGER), "team-south").tag
        == "team_manager:team-south"
    )
    assert table.route(Recipient(role=Role.HEAD_OF_SERVICE), "team-south").tag == "head_of_service"


def test_a_recipient_without_contact_or_route_is_an_error_naming_role_and_team(
    notify_config: Path, make_dispatch: DispatchFactory
) -> None:
    table = RoutingTable.from_config(notify_config)
    dispatch = make_dispatch(team="team-east")
    with pytest.raises(RoutingError, match="team_manager:team-east"):
        table.routes(dispatch)


def test_a_dispatch_without_recipients_is_an_error(
    notify_config: Path, make_dispatch: DispatchFactory
) -> None:
    with pytest.raises(RoutingError, match="no recipients"):
        RoutingTable.from_config(notify_config).routes(make_dispatch(recipients=()))


def test_checking_a_configuration_lists_every_gap(notify_config: Path) -> None:
    table = RoutingTable.from_config(notify_config)
    gaps = table.missing(["team-north", "team-south"], [Role.TEAM_MANAGER, Role.QA_MANAGER])
    assert gaps == ["qa_manager:team-south"]
    with pytest.raises(RoutingError, match="qa_manager:team-south"):
        table.check(["team-north", "team-south"], [Role.QA_MANAGER])


def test_the_configuration_path_comes_from_the_environment(
    notify_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CONFIG_ENV, str(notify_config))
    table = validate_config(["team-north", "team-south"])
    assert "head_of_service" in table.tags


def test_no_configuration_at_all_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    with pytest.raises(RoutingError, match=CONFIG_ENV):
        RoutingTable.from_config()


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RoutingError, match="does not exist"):
        RoutingTable.from_config(tmp_path / "absent.yaml")


def test_a_configuration_without_valid_urls_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("version: 1\nurls:\n  - nonsense://:\n    - tag: team_manager:team-north\n")
    with pytest.raises(RoutingError, match="no valid URL"):
        RoutingTable.from_config(path)
