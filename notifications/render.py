"""Render a Dispatch into a notice: a one-line title, a text body and an HTML body.

Templates see only the Dispatch's own fields, never its recipients' contacts and
never anything from the case record, so a notice cannot carry a child's name,
address or category of abuse (R-G1), except on a channel the profile names as secure:
then, and only then, the dispatch's ``personal`` details are in the context. The first two lines of every notice say
which case, what is due or overdue and since when, who owns it and what to do:
managers read them on a phone between visits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from domain.dispatch import Dispatch, RecipientRole, Rung
from notifications.settings import case_link

TEMPLATE_DIR = Path(__file__).parent / "templates"

# The notices docs/rules.md asks for; each has <name>.txt.j2 and <name>.html.j2.
TEMPLATE_NAMES: frozenset[str] = frozenset(
    {
        "reminder",
        "missed",
        "escalation",
        "unacknowledged",  # R-E6
        "chase",  # R-T10
        "inquorate",  # R-T16
        "rescheduled",  # R-M6
        "no_access",  # R-V2
        "seen_alone_refused",  # R-V3
        "risk_raised",  # R-E2
        "disagreement",  # R-E4
        "review_brought_forward",  # R-E3
        "cover_started",  # R-E5
        "meeting_invite",  # R-T1, R-M7, R-T3, R-T7, R-T8: with its .ics
        "meeting_cancelled",  # R-LC2: the plan ended before the meeting
        "access_failed",  # R-V5
        "absent_without_apologies",  # R-M3
        "family_absent",  # R-M4
        "no_social_care",  # R-M9
        "member_withdrew",  # R-M10
        "booking_breach",  # R-M6
        "digest",
    }
)

# Fields a template may read. Recipients are left out on purpose: their contacts
# are routing data, not notice content; ``personal`` goes in only for a secure channel.
CONTEXT_FIELDS: tuple[str, ...] = tuple(
    name for name in Dispatch.model_fields if name not in {"recipients", "personal"}
)

_RUNG_LABELS: dict[Rung, str] = {
    Rung.REMINDER: "Due soon",
    Rung.CHASE: "Report missing",
    Rung.MISSED: "Overdue",
    Rung.ESCALATION_TM: "Escalated to the team manager",
    Rung.ESCALATION_FINAL: "Not acknowledged",
    Rung.NOTICE: "Notice",
}
_ROLE_WORDS = {
    "team_manager": "the team manager",
    "lead_professional": "the lead professional",
    "head_of_service": "the head of service",
    "conference_chair": "the conference chair",
}
_RULE_IDS = re.compile(r"\s*\((R-[A-Z0-9]+(?:[, ]+R-[A-Z0-9]+)*)\)")


class TemplateMissing(LookupError):
    """A dispatch names a template that does not exist."""


@dataclass(frozen=True)
class RenderedNotice:
    title: str  # the first line; also the email subject
    text: str
    html: str


def uk_date(value: date | datetime | None) -> str:
    """'Mon 3 Mar 2025': unambiguous on a phone, unlike 03/03/2025."""
    if value is None:
        return "not set"
    return f"{value:%a} {value.day} {value:%b %Y}"


def humanise(value: str) -> str:
    return value.replace("_", " ")


def plain(text: str) -> str:
    """Words for the first screen of a phone: the rule IDs a text cites go to its foot."""
    return _RULE_IDS.sub("", str(text)).strip()  # str(): an undefined name fails loudly


def cited(*texts: str) -> list[str]:
    """The rule IDs these texts cite, in order, once each."""
    found: list[str] = []
    for text in texts:
        for group in _RULE_IDS.findall(text):
            found += [rule for rule in re.split(r"[, ]+", group) if rule not in found]
    return found


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["uk_date"] = uk_date
    env.filters["humanise"] = humanise
    env.filters["case_link"] = case_link
    env.filters["plain"] = plain
    return env


ENVIRONMENT = _environment()


def check_templates(names: set[str] | frozenset[str] = TEMPLATE_NAMES) -> None:
    """Fail at start-up, not at 3 a.m., if a template file is missing."""
    missing = [
        f"{name}.{kind}.j2"
        for name in sorted(names)
        for kind in ("txt", "html")
        if not (TEMPLATE_DIR / f"{name}.{kind}.j2").is_file()
    ]
    if missing:
        raise TemplateMissing(f"missing notification templates: {', '.join(missing)}")


# Only these rungs say "overdue": a reminder or a chase comes before the due day is out.
SAYS_OVERDUE = frozenset({Rung.MISSED, Rung.ESCALATION_TM, Rung.ESCALATION_FINAL})


def dispatch_context(dispatch: Dispatch, secure: bool = False) -> dict[str, Any]:
    """What a template sees: the Dispatch's fields (minus recipients), a rung label, the
    case's link, and who acknowledges an escalation (R-E6, by member id); the child's name
    and category only when ``secure`` (R-G1: the profile allows them on the channel)."""
    context: dict[str, Any] = {name: getattr(dispatch, name) for name in CONTEXT_FIELDS}
    context["rung_label"] = _RUNG_LABELS[dispatch.rung]
    context["says_overdue"] = dispatch.overdue_since is not None and dispatch.rung in SAYS_OVERDUE
    context["case_url"] = case_link(dispatch.case_reference)
    manager = next(
        (
            r.member
            for r in dispatch.recipients
            if r.role is RecipientRole.TEAM_MANAGER and r.member
        ),
        None,
    )
    context["acknowledger"] = f"the team manager ({manager})" if manager else "the team manager"
    context["acknowledger_id"] = manager or "<team manager's member id>"
    context["acknowledgers"] = acknowledgers(dispatch)
    context["final_reader"] = final_reader(dispatch)
    context["also_cited"] = [
        r for r in cited(dispatch.action, dispatch.title) if r != dispatch.rule
    ]
    context["personal"] = dispatch.personal if secure else None
    return context


def _profile(dispatch: Dispatch) -> Any:
    from domain.errors import ProfileError
    from domain.profiles import load_profile

    try:
        return load_profile(dispatch.profile)
    except (ProfileError, OSError):
        return load_profile()


def acknowledgers(dispatch: Dispatch) -> str:
    """Who may acknowledge an escalation (R-E6): the profile's acknowledgers, each with the
    member id the dispatch names for that role, in words ("the team manager (tm-1)")."""
    members = {r.role.value: r.member for r in dispatch.recipients if r.member}
    words = []
    for role in _profile(dispatch).acknowledgers:
        member = members.get(role)
        words.append(_ROLE_WORDS.get(role, humanise(role)) + (f" ({member})" if member else ""))
    return " or ".join(words)


def final_reader(dispatch: Dispatch) -> str:
    """Who an unacknowledged escalation climbs to beyond the team manager (R-E6)."""
    role = _profile(dispatch).ladder.final_recipient
    return _ROLE_WORDS.get(role, humanise(role))


def render_template(name: str, context: dict[str, Any]) -> RenderedNotice:
    if name not in TEMPLATE_NAMES:
        raise TemplateMissing(f"unknown notification template {name!r}")
    text = ENVIRONMENT.get_template(f"{name}.txt.j2").render(context)
    # One blank line between paragraphs, however the blocks that make them nest.
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    html = ENVIRONMENT.get_template(f"{name}.html.j2").render(context).strip() + "\n"
    return RenderedNotice(title=text.splitlines()[0], text=text, html=html)


def render(dispatch: Dispatch, secure: bool = False) -> RenderedNotice:
    """Render a dispatch with the template it names; ``secure`` for a channel the profile
    allows personal data on (R-G1), else without it."""
    if dispatch.template == "digest":
        raise TemplateMissing("the digest renders from a TeamDigest, not a Dispatch")
    return render_template(dispatch.template, dispatch_context(dispatch, secure))
