"""The manual steps for the duties beyond the timescales, as deployments: a member's apologies
before a core group (R-M3), the plan of action after a visit without access (R-V5, R-V2), the
team manager's decision on a risk raised (R-E2), what the family was given (R-P5, R-T19,
R-T20) and a birth on a pre-birth plan (R-LC4). Recorded like ``flows/manual_steps.py``'s.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from prefect import flow

from domain.events import (
    AccessPlanAgreed,
    ApologiesSent,
    ChildBorn,
    FamilyShare,
    RiskDecided,
    RiskDecision,
    SharedWithFamily,
    Slug,
)
from domain.recording import LateReason
from flows.forms import (
    RecordedBy,
    Reference,
    ask,
    ask_late_reason,
    ask_meeting,
    ask_member,
    ask_on,
    ask_recorded_by,
    ask_reference,
)
from flows.recording import record


@flow(name="record-apologies", flow_run_name="apologies-{reference}", persist_result=False)
def record_apologies(
    reference: Reference = ask_reference(),
    on: date = ask_on("the apologies arrived"),
    meeting: Slug = ask_meeting(),
    member: Slug = ask_member("From", "The member who cannot attend (R-M3)"),
    recorded_by: RecordedBy = ask_recorded_by(),
    late_reason: LateReason | None = ask_late_reason(),
) -> Any:
    """R-M3: written apologies before a core group; their written report is owed by it."""
    return record(
        reference,
        lambda: ApologiesSent(on=on, meeting=meeting, member=member),
        recorded_by,
        late_reason,
    )


@flow(name="record-access-plan", flow_run_name="access-plan-{reference}", persist_result=False)
def record_access_plan(
    reference: Reference = ask_reference(),
    on: date = ask_on("the plan was agreed"),
    authorised_by: Slug = ask_member("Authorised by", "The team manager (R-V5, 003 §1.4.9)"),
    recorded_by: RecordedBy = ask_recorded_by(),
    late_reason: LateReason | None = ask_late_reason(),
    with_police: bool = ask("With the police", "Agreed with the police (R-V2)", False),
    direct_contact_by: Slug | None = ask_member(
        "Direct contact by", "Another agency's member agreed to see the child, if any", None
    ),
) -> Any:
    """R-V5, R-V2: the plan of action after a visit without access."""
    return record(reference, lambda: AccessPlanAgreed(
        on=on, authorised_by=authorised_by, with_police=with_police,
        direct_contact_by=direct_contact_by,
    ), recorded_by, late_reason)  # fmt: skip


@flow(name="record-risk-decision", flow_run_name="risk-decision-{reference}",
      persist_result=False)  # fmt: skip
def record_risk_decision(
    reference: Reference = ask_reference(),
    on: date = ask_on("the team manager decided"),
    decided_by: Slug = ask_member("Decided by", "The lead professional's team manager (R-E2)"),
    decision: RiskDecision = ask("Decision", "What the team manager decided (R-E2)"),
    recorded_by: RecordedBy = ask_recorded_by(),
    late_reason: LateReason | None = ask_late_reason(),
) -> Any:
    """R-E2: the team manager's decision on risk not reduced."""
    return record(
        reference,
        lambda: RiskDecided(on=on, by=decided_by, decision=decision),
        recorded_by,
        late_reason,
    )


@flow(name="record-family-copy", flow_run_name="family-copy-{reference}", persist_result=False)
def record_family_copy(
    reference: Reference = ask_reference(),
    on: date = ask_on("the family was given it"),
    what: Literal["plan", "minutes", "report"] = ask(
        "What", "The plan (R-P5), a core group's minutes (R-T20) or a member's report (R-T19)"
    ),
    recorded_by: RecordedBy = ask_recorded_by(),
    late_reason: LateReason | None = ask_late_reason(),
    meeting: Slug | None = ask("Core group", "For minutes: the core group's id", None),
    member: Slug | None = ask_member("Report of", "For a report: whose", None),
) -> Any:
    """R-P5, R-T19, R-T20: the family given the plan, the minutes or a report."""
    return record(reference, lambda: SharedWithFamily(
        on=on, what=FamilyShare(what), meeting=meeting, member=member
    ), recorded_by, late_reason)  # fmt: skip


@flow(name="record-birth", flow_run_name="birth-{reference}", persist_result=False)
def record_birth(
    reference: Reference = ask_reference(),
    on: date = ask_on("the child was born"),
    child: Slug = ask("Child", "The unborn child's id on the plan (R-LC4)"),
    recorded_by: RecordedBy = ask_recorded_by(),
    late_reason: LateReason | None = ask_late_reason(),
) -> Any:
    """R-LC4: an unborn child on a pre-birth plan is born; visits fall due from today."""
    return record(reference, lambda: ChildBorn(on=on, child=child), recorded_by, late_reason)


DUTY_STEPS = (
    record_apologies,
    record_access_plan,
    record_risk_decision,
    record_family_copy,
    record_birth,
)
