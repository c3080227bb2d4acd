"""``cpo record ...``: every manual step from the command line.

Who records is who runs the command (``cli/identity.py``: ``CPO_ACTING_AS`` or the
operating-system user), checked as a person's id, never typed. The same use cases as the
manual-step deployments (``services.cases``: the domain validates,
the store appends), then the case's run is woken. Each step takes the event as JSON, in the
same shape as the deployment's form (``--json '{...}'`` or ``--file event.json``); the
``type`` field may be left out where the step has one kind of event.

Recorded even if the case's run cannot be woken (the next clock tick wakes it): exit 0.
A refusal is one line naming the field and the rule (exit 1); see ``cli/errors.py``.
Prefect is imported only to wake the run, so the rest stays quick.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import typer

from cli.as_of import parse_as_of
from cli.errors import BadInput, Refused
from cli.identity import acting_person
from domain.recording import LateReason

# step -> (event type(s) accepted, default "type" when the JSON leaves it out)
STEPS: dict[str, tuple[str, str | None]] = {
    "conference": ("ConferenceHeld", "conference_held"),
    "core-group": ("CoreGroupOutcome", None),
    "minutes": ("MinutesCirculated", "minutes_circulated"),
    "visit": ("VisitMade", "visit_made"),
    "agency-report": ("AgencyReportReceived", "agency_report_received"),
    "book-review": ("ReviewBooked", "review_booked"),
    "review-forward": ("ReviewBroughtForward", "review_brought_forward"),
    "acknowledge": ("EscalationAcknowledged", "escalation_acknowledged"),
    "cover": ("Cover", None),
    "end-plan": ("PlanEnded", "plan_ended"),
    "assessment": ("Assessment", None),
    "emergency-protection": ("EmergencyProtectionTaken", "emergency_protection_taken"),
    "void": ("EventVoided", "event_voided"),
    "apologies": ("ApologiesSent", "apologies_sent"),
    "access-plan": ("AccessPlanAgreed", "access_plan_agreed"),
    "risk": ("Risk", None),
    "family-copy": ("SharedWithFamily", "shared_with_family"),
    "child-born": ("ChildBorn", "child_born"),
}

record_app = typer.Typer(help="Record a manual step on a case and wake its run.")

JsonOption = typer.Option(None, "--json", help="The event, as JSON")
FileOption = typer.Option(None, "--file", help="A file holding the event as JSON")
AsOfOption = typer.Option(
    None, "--as-of", help="ISO date or date-time, on a simulation's store only; default now"
)
LateOption = typer.Option(
    None,
    "--late-reason",
    help="Why an event is recorded more than the profile's limit (10 working days by default) "
    "after it happened",
)


def _payload(
    text: str | None, file: Path | None, default_type: str | None, today: date
) -> dict[str, Any]:
    """The event's JSON; ``on`` defaults to today (the ``--as-of`` day)."""
    if (text is None) == (file is None):
        raise BadInput("give the event with exactly one of --json or --file")
    from domain import strict_json

    try:
        if file is not None:
            text = strict_json.decode(file.read_bytes())
        payload = strict_json.loads(text or "")
    except OSError as error:
        raise BadInput(f"--file: cannot read {file}: {error.strerror}") from None
    except strict_json.BadJson as error:
        raise BadInput(f"event: {error}") from None
    if not isinstance(payload, dict):
        raise BadInput('event: give a JSON object, such as {"on": "2026-12-01", ...}')
    if default_type:
        payload.setdefault("type", default_type)
    payload.setdefault("on", today.isoformat())
    return payload


def _model(type_name: str) -> Any:
    """The event model a step takes; a step with several kinds takes any of them by "type"."""
    from typing import Annotated

    from pydantic import Field

    from domain import events

    unions = {
        "CoreGroupOutcome": (
            events.CoreGroupHeld | events.CoreGroupCancelled | events.CoreGroupRescheduled
        ),
        "Cover": events.CoverStarted | events.CoverEnded,
        "Assessment": events.AssessmentStarted | events.AssessmentCompleted,
        "Risk": events.RiskRaised | events.RiskDecided,  # R-E2
    }
    if type_name in unions:
        return Annotated[unions[type_name], Field(discriminator="type")]
    return getattr(events, type_name)


def _event(type_name: str, payload: dict[str, Any]) -> Any:
    from pydantic import TypeAdapter, ValidationError

    model = _model(type_name)
    try:
        return TypeAdapter(model).validate_python(payload)
    except ValidationError as error:
        from domain.events import EVENT_TYPES

        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"] if part not in EVENT_TYPES)
        why = str(first["msg"]).removeprefix("Value error, ")
        raise Refused(f"{where or 'event'}: {why} (R-G3)") from None


def _wake(reference: str, moment: datetime) -> str:
    """Wake the case's run; if Prefect cannot be reached, the next clock tick will."""
    try:
        from cli.prefect_auth import use_saved_credentials

        use_saved_credentials()  # before Prefect is imported: it reads its settings once
        from flows.clock_source import now_london
        from tasks.run_control import wake_after_recording

        return f"its run: {wake_after_recording(reference, moment, now_london()).action.value}"
    except Exception as error:  # Prefect down or refusing: the event is safely recorded
        from domain.store import CaseRepository, Database

        CaseRepository(Database.from_url()).wake_soon(reference, moment)
        return f"the case run wakes at the next clock tick ({type(error).__name__})"


def record_and_wake(
    reference: str,
    event: Any,
    recorded_by: str,
    moment: datetime,
    late_reason: LateReason | None = None,
) -> str:
    """What ``cpo record`` does: record through the use case, then wake the case's run."""
    from cli.store_cmds import open_store
    from domain.store import Source
    from services.cases import record_event

    with open_store(None) as store:
        recorded = record_event(
            store, reference, event, recorded_by=recorded_by, source=Source.CLI, as_of=moment,
            late_reason=late_reason,
        )  # fmt: skip
    return f"{recorded}; {_wake(reference, moment)}"


def open_and_start(
    reference: str,
    team: str,
    profile: str,
    conference: Any,
    recorded_by: str,
    moment: datetime,
    late_reason: LateReason | None = None,
) -> str:
    """What ``cpo record open-case`` does: open the case, then start its run."""
    from cli.store_cmds import open_store
    from domain.store import Source
    from services import cases

    with open_store(None) as store:
        recorded = cases.open_case(
            store, reference, team, profile, conference,
            recorded_by=recorded_by, source=Source.CLI, as_of=moment, late_reason=late_reason,
        )  # fmt: skip
    return f"{recorded}; {_start(reference, moment)}"


def _step_command(step: str, type_name: str, default_type: str | None) -> None:
    def command(
        reference: str = typer.Argument(..., help="Case reference"),
        text: str | None = JsonOption,
        file: Path | None = FileOption,
        as_of: str | None = AsOfOption,
        late_reason: LateReason | None = LateOption,
    ) -> None:
        moment = parse_as_of(as_of)

        def action() -> None:
            recorded_by = acting_person()  # R-G2: who runs the command, never typed
            payload = _payload(text, file, default_type, moment.date())
            if step == "acknowledge":  # R-E6: the person acknowledging is the one recording
                payload.setdefault("by", recorded_by)
            event = _event(type_name, payload)
            typer.echo(record_and_wake(reference, event, recorded_by, moment, late_reason))

        action()

    command.__doc__ = f"Record {step.replace('-', ' ')} ({type_name})."
    record_app.command(step)(command)


@record_app.command("open-case")
def open_case(
    reference: str = typer.Argument(..., help="Case reference"),
    team: str = typer.Option(..., "--team"),
    profile: str = typer.Option("england", "--profile"),
    text: str | None = JsonOption,
    file: Path | None = FileOption,
    as_of: str | None = AsOfOption,
    late_reason: LateReason | None = LateOption,
) -> None:
    """Open a case from its ICPC record (R-LC1) and start its run."""
    moment = parse_as_of(as_of)

    def action() -> None:
        _header(reference, team, profile)
        recorded_by = acting_person()
        payload = _payload(text, file, "conference_held", moment.date())
        conference = _event("ConferenceHeld", payload)
        typer.echo(
            open_and_start(reference, team, profile, conference, recorded_by, moment, late_reason)
        )

    action()


def _header(reference: str, team: str, profile: str) -> None:
    """A bad --team or --profile is bad input, named as the option (exit 2)."""
    from pydantic import ValidationError

    from domain.case_files import invalid
    from domain.history import CaseHeader

    try:
        CaseHeader(reference=reference, team=team, profile=profile)
    except ValidationError as error:
        where, _, why = invalid(error).partition(": ")
        raise BadInput(f"--{where}: {why}" if where in ("team", "profile") else
                       f"{where}: {why}") from None  # fmt: skip


def _start(reference: str, moment: datetime) -> str:
    try:
        from cli.prefect_auth import use_saved_credentials

        use_saved_credentials()
        from tasks.run_control import start_case_run

        start_case_run(reference, moment, previous=None)
        return "its run: start"
    except Exception as error:
        from domain.store import CaseRepository, Database

        CaseRepository(Database.from_url()).wake_soon(reference, moment)
        return f"the case run starts at the next clock tick ({type(error).__name__})"


for _step, (_type_name, _default) in STEPS.items():
    _step_command(_step, _type_name, _default)


def register(app: typer.Typer) -> None:
    """Add ``cpo record ...`` to ``app``."""
    app.add_typer(record_app, name="record")
