"""The manual steps' form fields, as an admin sees them in the Prefect UI: each one titled and
described, dates as ISO dates, ids as short slugs, choices where the rules have a list.

A field is declared as ``name: Type = ask("Title", "What to enter")``: Prefect builds a
deployment's form from its flow's signature and titles each field with the parameter's name
unless the default carries a title of its own, which ``ask`` does.

No field carries a name, a date of birth or a contact (R-G1): the forms are flow-run
parameters, which the Prefect server keeps and shows. People's names and contacts reach the
store by the command line and case history files only (README, "Personal data").
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from domain.events import CategoryOfAbuse, MemberRole, Number, Slug
from domain.profiles import profile_names
from domain.references import reference_shape

REQUIRED: Any = ...


def ask(title: str, description: str, default: Any = REQUIRED, **schema: Any) -> Any:
    """A form field's default: its title and description as the form shows them."""
    return Field(default, description=description, json_schema_extra={"title": title, **schema})


def ask_day(title: str, description: str, default: Any = REQUIRED) -> Any:
    # The pattern lets the server refuse a bad date when the run is asked for, before any
    # run exists (a date picker cannot send one; the form's JSON view can).
    return ask(title, f"{description} (YYYY-MM-DD)", default, pattern=r"^\d{4}-\d{2}-\d{2}$")


def ask_member(title: str, description: str, default: Any = REQUIRED) -> Any:
    return ask(title, f"{description}: the member's id, e.g. hv", default)


def ask_members(title: str, description: str) -> Any:
    return ask(title, f"{description}: member ids", ())


# The authority's shape of a case reference (``domain.references``: the setting
# CPO_CASE_REFERENCE, read when the deployments are made), so the server refuses a name
# typed as a reference before a run exists, and Prefect never holds it (R-G1).
Reference = Annotated[str, Field(min_length=1, max_length=64, pattern=reference_shape().anchored)]
Team = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
# Who records: never on the form. The sign-in layer writes the signed-in person's id here
# (access/stamping.py) over anything sent; the use case refuses anything but a person's id
# (domain/people.py), so a run started without it ends Rejected with nothing recorded.
RecordedBy = SkipJsonSchema[str]


def ask_reference() -> Any:
    return ask("Case reference", "The case's reference, e.g. CP-2026-0042")


def ask_recorded_by() -> Any:
    return Field("", description="The signed-in person, stamped by the server (R-G2)")


def ask_on(what: str = "it happened") -> Any:
    return ask_day("On", f"The day {what}: an earlier day if it is recorded late")


def ask_late_reason() -> Any:
    return ask(
        "Why recorded late",
        "Only if it happened more than 10 working days ago (the profile's limit, R-G3)",
        None,
    )


def ask_meeting() -> Any:
    return ask("Core group", "The core group's id, e.g. cg-p0-1")


def ask_profile() -> Any:
    return ask(
        "Procedures", "The authority's policy profile", "england", enum=list(profile_names())
    )


class FormModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ChildOnPlan(FormModel):
    """A child the conference puts on a plan: id and category only (R-G1)."""

    id: Slug = Field(title="Child id", description="e.g. c1")
    category: CategoryOfAbuse = Field(title="Category of abuse", description="CIN census code")
    seen_every_weeks: Number | None = Field(
        default=None, ge=1, le=12, title="Seen every (weeks)",
        description="Only if the conference sets visits more often than the profile (R-T11)",
    )  # fmt: skip


class GroupMember(FormModel):
    """A core group member: id, role and agency (name and contact: command line only)."""

    id: Slug = Field(title="Member id", description="e.g. hv")
    role: MemberRole = Field(title="Role", description="Their part in the core group")
    agency: str = Field(
        default="", max_length=80, title="Agency", description="e.g. Health visiting"
    )


class PlanOutcome(FormModel):
    id: Slug = Field(title="Outcome id", description="e.g. o1")
    text: str = Field(
        min_length=1, max_length=200, title="Outcome", description="What the plan achieves"
    )


Recommendation = Literal["none", "continue the plan", "end the plan", "bring the review forward"]
ForwardReason = Literal[
    "a significant new incident",
    "a change of circumstances",
    "difficulty carrying out the plan",
]
# R-LC2a: how a plan ends without a conference (PlanEndReason, less "conference").
EndReason = Literal["turned_18", "transferred_out", "left_uk", "died", "adopted"]
# What becomes of the child-in-need episode when the plan ends (EpisodeClosure: CIN RC1-RC7).
EpisodeEnd = Literal[
    "cin_continues", "adopted", "died", "child_arrangements_order",
    "special_guardianship_order", "transferred_to_another_authority",
    "transferred_to_adult_services", "services_ceased",
]  # fmt: skip
