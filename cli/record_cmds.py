"""``cpo record ...``: every manual step from the command line.

The same code as the manual-step deployments (flows/recording.py): validate through the
domain, append via the store, wake the case's run. Each step takes the event as JSON, in the
same shape as the deployment's form (``--json '{...}'`` or ``--file event.json``); the
``type`` field may be left out where the step has one kind of event.
Prefect and the flows are imported only when a step runs, so other ``cpo`` commands stay quick.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

# step -> (event type(s) accepted, default "type" when the JSON leaves it out)
STEPS: dict[str, tuple[str, str | None]] = {
    "conference": ("ConferenceHeld", "conference_held"),
    "core-group": ("CoreGroupOutcome", None),
    "minutes": ("MinutesCirculated", "minutes_circulated"),
    "visit": ("VisitMade", "visit_made"),
    "agency-report": ("AgencyReportReceived", "agency_report_received"),
    "review-forward": ("ReviewBroughtForward", "review_brought_forward"),
    "acknowledge": ("EscalationAcknowledged", "escalation_acknowledged"),
    "cover": ("Cover", None),
    "end-plan": ("PlanEnded", "plan_ended"),
}

record_app = typer.Typer(help="Record a manual step on a case and wake its run.")

JsonOption = typer.Option(None, "--json", help="The event, as JSON")
FileOption = typer.Option(None, "--file", help="A file holding the event as JSON")
ByOption = typer.Option(..., "--recorded-by", help="Who is recording this (R-G2)")
AsOfOption = typer.Option(None, "--as-of", help="ISO date or date-time; default now")


def _payload(text: str | None, file: Path | None, default_type: str | None) -> dict[str, Any]:
    if (text is None) == (file is None):
        raise typer.BadParameter("give the event with exactly one of --json or --file")
    raw = text if text is not None else Path(file).read_text(encoding="utf-8")  # type: ignore[arg-type]
    payload = json.loads(raw)
    if default_type and isinstance(payload, dict):
        payload.setdefault("type", default_type)
    return dict(payload)


def _event(type_name: str, payload: dict[str, Any]) -> Any:
    from pydantic import TypeAdapter

    from domain import events
    from flows import manual_steps

    model = getattr(manual_steps, type_name, None) or getattr(events, type_name)
    return TypeAdapter(model).validate_python(payload)


def _run(action: Any) -> None:
    """Run a step; a rejection prints its field, rule and message (R-G3) and exits 1."""
    from pydantic import ValidationError

    from domain.errors import DomainError

    try:
        typer.echo(str(action()))
    except (DomainError, ValidationError) as error:
        typer.echo(f"rejected: {error}", err=True)
        raise typer.Exit(code=1) from error


def _step_command(step: str, type_name: str, default_type: str | None) -> None:
    def command(
        reference: str = typer.Argument(..., help="Case reference"),
        text: str | None = JsonOption,
        file: Path | None = FileOption,
        recorded_by: str = ByOption,
        as_of: str | None = AsOfOption,
    ) -> None:
        from domain.store import Source
        from flows import recording

        def action() -> Any:
            event = _event(type_name, _payload(text, file, default_type))
            return recording.record(reference, event, recorded_by, as_of, Source.CLI)

        _run(action)

    command.__doc__ = f"Record {step.replace('-', ' ')} ({type_name})."
    record_app.command(step)(command)


@record_app.command("open-case")
def open_case(
    reference: str = typer.Argument(..., help="Case reference"),
    team: str = typer.Option(..., "--team"),
    profile: str = typer.Option("england", "--profile"),
    text: str | None = JsonOption,
    file: Path | None = FileOption,
    recorded_by: str = ByOption,
    as_of: str | None = AsOfOption,
) -> None:
    """Open a case from its ICPC record (R-LC1) and start its run."""
    from domain.store import Source
    from flows import recording

    def action() -> Any:
        conference = _event("ConferenceHeld", _payload(text, file, "conference_held"))
        return recording.open_case(
            reference, team, profile, conference, recorded_by, as_of, Source.CLI
        )

    _run(action)


for _step, (_type_name, _default) in STEPS.items():
    _step_command(_step, _type_name, _default)


def register(app: typer.Typer) -> None:
    """Add ``cpo record ...`` to ``app``."""
    app.add_typer(record_app, name="record")
