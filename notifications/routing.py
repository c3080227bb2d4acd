"""Who receives each rung, and where their notices go.

A recipient with its own contact (a member's apprise URL) gets it there; anyone
else is reached through the apprise configuration file by tag: ``<role>:<team>``
first (``team_manager:team-north``, ``qa_manager:team-north``), then ``<role>``
(``head_of_service``). A role with no route is an error, never a silent drop:
``RoutingTable.check`` finds every gap in a configuration before anything is sent.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import apprise
from apprise.plugins.base import NotifyBase

from domain.dispatch import Dispatch, Recipient, RecipientRole, Rung
from notifications.settings import CONFIG_ENV

# R-E1: remind the owner; tell the owner and LP when missed; then the TM; then the
# head of service or conference chair, per profile. R-T10: a chase goes to the member.
LADDER: dict[Rung, tuple[RecipientRole, ...]] = {
    Rung.REMINDER: (RecipientRole.OWNER,),
    Rung.CHASE: (RecipientRole.OWNER,),
    Rung.MISSED: (RecipientRole.OWNER, RecipientRole.LEAD_PROFESSIONAL),
    Rung.ESCALATION_TM: (RecipientRole.TEAM_MANAGER,),
}

# One-off notices raised by events (Rung.NOTICE), by template.
NOTICES: dict[str, tuple[RecipientRole, ...]] = {
    "inquorate": (RecipientRole.MEMBER,),  # R-T16
    "rescheduled": (RecipientRole.MEMBER,),  # R-M6
    "no_access": (RecipientRole.TEAM_MANAGER, RecipientRole.MEMBER),  # R-V2
    "access_failed": (RecipientRole.TEAM_MANAGER, RecipientRole.MEMBER),  # R-V5
    "absent_without_apologies": (RecipientRole.TEAM_MANAGER,),  # R-M3
    "family_absent": (RecipientRole.TEAM_MANAGER,),  # R-M4
    "no_social_care": (RecipientRole.TEAM_MANAGER,),  # R-M9
    "member_withdrew": (RecipientRole.CONFERENCE_CHAIR, RecipientRole.TEAM_MANAGER),  # R-M10
    "booking_breach": (RecipientRole.TEAM_MANAGER,),  # R-M6
    "seen_alone_refused": (RecipientRole.TEAM_MANAGER,),  # R-V3
    "risk_raised": (RecipientRole.TEAM_MANAGER,),  # R-E2
    "disagreement": (RecipientRole.TEAM_MANAGER, RecipientRole.CONFERENCE_CHAIR),  # R-E4
    "review_brought_forward": (RecipientRole.MEMBER, RecipientRole.CONFERENCE_CHAIR),  # R-E3
}

# Roles that are always people on the case, so need no team-wide route.
CASE_MEMBER_ROLES = frozenset(
    {RecipientRole.OWNER, RecipientRole.LEAD_PROFESSIONAL, RecipientRole.MEMBER}
)


class RoutingError(ValueError):
    """A notice cannot be routed, or a routing configuration is incomplete."""


def ladder_roles(
    rung: Rung,
    template: str,
    *,
    final_role: RecipientRole = RecipientRole.HEAD_OF_SERVICE,
    copy_qa_manager: bool = False,
) -> tuple[RecipientRole, ...]:
    """Who a rung reaches; ``final_role`` and ``copy_qa_manager`` (R-T18) are profile values."""
    if rung is Rung.ESCALATION_FINAL:
        roles: tuple[RecipientRole, ...] = (final_role,)
    elif rung is Rung.NOTICE:
        roles = NOTICES.get(template, (RecipientRole.OWNER,))
    else:
        roles = LADDER[rung]
    return (*roles, RecipientRole.QA_MANAGER) if copy_qa_manager else roles


def route_tags(role: str, team: str) -> tuple[str, str]:
    return (f"{role}:{team}", role)


@dataclass(frozen=True)
class Route:
    """Where one recipient of a dispatch is reached."""

    label: str  # "<role>:<member or team>": an id, never a name (R-G1)
    contact: str | None = None  # the member's own apprise URL
    tag: str | None = None  # a tag in the apprise configuration


def recipient_label(recipient: Recipient, team: str) -> str:
    return f"{recipient.role}:{recipient.member or team}"


def config_path(path: str | Path | None = None) -> Path:
    chosen = path if path is not None else os.environ.get(CONFIG_ENV)
    if not chosen:
        raise RoutingError(f"no notification configuration: set {CONFIG_ENV}")
    resolved = Path(chosen)
    if not resolved.is_file():
        raise RoutingError(f"notification configuration {resolved} does not exist")
    return resolved


def load_servers(path: str | Path | None = None) -> list[NotifyBase]:
    """The endpoints an apprise YAML/text configuration file defines, each with its tags."""
    resolved = config_path(path)
    config = apprise.AppriseConfig()
    if not config.add(str(resolved.resolve())):
        raise RoutingError(f"notification configuration {resolved} cannot be read")
    servers: list[NotifyBase] = list(config.servers())
    if not servers:
        raise RoutingError(f"notification configuration {resolved} defines no valid URL")
    return servers


class RoutingTable:
    """Tag routes from a configuration file, plus members' own contacts."""

    def __init__(self, servers: Iterable[NotifyBase]) -> None:
        self.servers = tuple(servers)
        self.tags: frozenset[str] = frozenset(tag for server in self.servers for tag in server.tags)

    @classmethod
    def from_config(cls, path: str | Path | None = None) -> RoutingTable:
        return cls(load_servers(path))

    def tag_for(self, role: str, team: str) -> str | None:
        return next((tag for tag in route_tags(role, team) if tag in self.tags), None)

    def route(self, recipient: Recipient, team: str) -> Route:
        label = recipient_label(recipient, team)
        if recipient.contact:
            return Route(label=label, contact=recipient.contact)
        tag = self.tag_for(recipient.role, team)
        if tag is None:
            raise RoutingError(
                f"no route for {label}: no contact and no tag "
                f"{' or '.join(route_tags(recipient.role, team))} in the configuration"
            )
        return Route(label=label, tag=tag)

    def routes(self, dispatch: Dispatch) -> list[Route]:
        if not dispatch.recipients:
            raise RoutingError(f"{dispatch.idempotency_key} has no recipients")
        return [self.route(recipient, dispatch.team) for recipient in dispatch.recipients]

    def missing(self, teams: Iterable[str], roles: Iterable[str]) -> list[str]:
        """Every (role, team) pair the configuration cannot reach, as '<role>:<team>'."""
        return [
            f"{role}:{team}"
            for team in sorted(set(teams))
            for role in sorted(set(roles))
            if self.tag_for(role, team) is None
        ]

    def check(self, teams: Iterable[str], roles: Iterable[str]) -> None:
        """Raise if any team lacks a route for any role it will use."""
        gaps = self.missing(teams, roles)
        if gaps:
            raise RoutingError(f"notification configuration has no route for: {', '.join(gaps)}")


def validate_config(
    teams: Iterable[str],
    roles: Iterable[str] = (
        RecipientRole.TEAM_MANAGER,
        RecipientRole.HEAD_OF_SERVICE,
    ),
    path: str | Path | None = None,
) -> RoutingTable:
    """Load a configuration and check it covers ``roles`` for ``teams``; the table if so."""
    table = RoutingTable.from_config(path)
    table.check(teams, roles)
    return table
