"""The roles file: groups map to roles, roles include others, and a mistake in it stops the
server at start-up rather than granting or refusing silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from access.roles import CREATE_RUN, RESUME, ROLES, RouteTable, load_policy


def test_the_shipped_roles_give_each_role_its_part_only() -> None:
    policy = load_policy()
    assert set(policy.roles) == set(ROLES)
    assert policy.roles_of(["cpo-managers", "unrelated"]) == ("manager",)
    assert policy.roles_of(["somebody-elses-group"]) == ()
    assert policy.allows(["manager"], RESUME) and not policy.allows(["recorder"], RESUME)
    assert policy.allows(["viewer"], "POST /flow_runs/filter")
    assert not policy.allows(["viewer"], CREATE_RUN)
    assert policy.may_start(["recorder"], "record-visit")
    assert not policy.may_start(["recorder"], "acknowledge-escalation")  # the manager's
    assert not policy.may_start(["data", "operator"], "record-visit")
    assert policy.stamped["record-visit"] == "recorded_by"


@pytest.mark.parametrize(
    "text",
    ["[roles.admin]\nroutes = []\n", '[groups]\n"g" = ["superuser"]\n'],
    ids=["an unknown role", "a group to an unknown role"],
)
def test_a_roles_file_naming_a_role_we_do_not_have_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "roles.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match="unknown role"):
        load_policy(path)


def test_a_request_is_matched_to_the_most_literal_route() -> None:
    table = RouteTable(["GET /variables/{id}", "GET /variables/name/{name}", "POST /artifacts/"])
    assert table.route("GET", "/variables/name/x") == "GET /variables/name/{name}"
    assert table.route("GET", "/variables/123") == "GET /variables/{id}"
    assert table.route("POST", "/artifacts") == "POST /artifacts/"
    assert table.route("DELETE", "/variables/123") is None
    assert table.route("GET", "/variables/1/2") is None
