"""``cpo`` on a server records who runs it: ``CPO_ACTING_AS`` or the operating-system user,
checked as a person's id; nothing else enters (R-G2)."""

from __future__ import annotations

import getpass

import pytest

from cli.errors import Refused
from cli.identity import acting_person


def test_the_configured_identity_is_who_acts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPO_ACTING_AS", "s-40213")
    assert acting_person() == "s-40213"


def test_without_one_the_operating_system_user_acts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CPO_ACTING_AS", raising=False)
    monkeypatch.setattr(getpass, "getuser", lambda: "cpo")
    assert acting_person() == "cpo"


@pytest.mark.parametrize(
    "given", ["", "a" * 100_000, "Jane Smith", "jane@example.org", "tm\n\x1b[2Kforged line"]
)
def test_a_configured_identity_that_is_not_a_person_id_is_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    monkeypatch.setenv("CPO_ACTING_AS", given)
    with pytest.raises(Refused) as refused:
        acting_person()
    line = str(refused.value)
    assert "CPO_ACTING_AS" in line and "R-G2" in line and "\n" not in line and len(line) < 300
