"""The case run's resume form (R-E6, R-G3): what a team manager fills in to acknowledge an
escalation, or to void a mistake, built afresh each time the run suspends from the case
itself: the escalations then open, its latest events and its team managers as choices.

The form offers the open escalations as a choice, each as its key and plain title; nothing
else (no date, no free text, and not who acknowledges: the sign-in layer stamps the signed-in
person into the answer as ``acting_person``, over anything sent, ``access/stamping.py``).
The clock resumes the same run with only ``as_of`` (virtual time in tests, now in
production), which the form does not show. ``CaseWake`` reads either.
"""

from __future__ import annotations

from typing import Any

from prefect.input import RunInput
from pydantic import ConfigDict, Field, JsonValue, create_model

from services.case_page import NOTHING, SEPARATOR, CasePage, chosen_escalation, drift_words

NOTHING_TO_VOID = "(nothing to void)"
VOIDABLE_SHOWN = 15  # the latest events, newest first: a mistake is found soon after


class CaseWake(RunInput):
    """A resume of the case run, as the run reads it."""

    # A form built before this version asked who acknowledges: that answer is ignored.
    model_config = ConfigDict(extra="ignore")

    as_of: str | None = None  # the clock's tick, ISO; empty means now
    acknowledge: str | None = None  # "<key> · <title>" chosen in the form
    acting_person: str | None = None  # who answered, stamped by the sign-in layer
    void: str | None = None  # "#<event number> · <what> · <day>" chosen in the form
    void_reason: str | None = None
    void_authorised_by: str | None = None  # "<member id> · team manager"

    def correction(self) -> tuple[int, str, str] | None:
        """The event number to void, why, and the team manager who authorised it (R-G3)."""
        if not self.void or self.void == NOTHING_TO_VOID:
            return None
        seq = int(self.void.split(SEPARATOR, 1)[0].lstrip("#"))
        by = (self.void_authorised_by or "").split(SEPARATOR, 1)[0]
        return seq, (self.void_reason or "").strip(), by

    def acknowledgement(self) -> tuple[str, str] | None:
        """The obligation key chosen and who chose it, if the form chose one."""
        key = chosen_escalation(self.acknowledge)
        if key is None:
            return None
        return key, self.acting_person or ""


class CaseForm(RunInput):
    # Open to the clock's ``as_of``, which the form does not show.
    model_config = ConfigDict(extra="ignore")


def acknowledgement_form(page: CasePage, case_link: str) -> type[RunInput]:
    """The form the run suspends with, its description the case at a glance."""
    escalations: list[JsonValue] = [
        f"{o.key}{SEPARATOR}{o.title} ({o.subject})" for o in page.escalations
    ]
    fields: dict[str, Any] = {}
    if escalations and page.acknowledgers:
        # Choices as an enum the form renders as a list, and the server checks on resume.
        fields["acknowledge"] = (str, Field(
            NOTHING, title="Escalation to acknowledge",
            description="Acknowledging stops its ladder climbing further (R-E6). It is "
            "recorded as acknowledged by you, the person signed in.",
            json_schema_extra={"enum": [NOTHING, *escalations]},
        ))  # fmt: skip
    fields.update(void_fields(page))
    form = create_model("AcknowledgeEscalation", __base__=CaseForm, **fields)
    return form.with_initial_data(description=form_description(page, escalations, case_link))


def void_fields(page: CasePage) -> dict[str, Any]:
    """Void a mistake (R-G3): the case's own latest events and team managers as choices."""
    live = [e for e in reversed(page.journal) if e.voided_by is None and e.type != "event_voided"]
    events: list[JsonValue] = [
        f"#{e.seq}{SEPARATOR}{(e.what or e.type.replace('_', ' '))[:80]}{SEPARATOR}{e.on:%a %d %b %Y}"
        for e in live[:VOIDABLE_SHOWN]
    ]
    managers: list[JsonValue] = [f"{m}{SEPARATOR}team manager" for m in page.managers]
    if not events or not managers:
        return {}
    return {
        "void": (str, Field(
            NOTHING_TO_VOID, title="Void a mistake",
            description="An event recorded by mistake: it stays in the journal, struck "
            "through, and counts for nothing (R-G3). Then record the real one.",
            json_schema_extra={"enum": [NOTHING_TO_VOID, *events]},
        )),
        # Optional: the UI sends an empty text field as null, which a plain string refuses.
        "void_reason": (str | None, Field(
            None, title="Why it is void", max_length=500,
            description="What was wrong, e.g. the visit was typed twice",
        )),
        "void_authorised_by": (str, Field(
            managers[0], title="Void authorised by",
            description="The team manager (R-G3)", json_schema_extra={"enum": managers},
        )),
    }  # fmt: skip


def form_description(page: CasePage, escalations: list[JsonValue], case_link: str) -> str:
    lines = [f"**Case {page.reference}**: {drift_words(page.drift)}.", ""]
    if escalations:
        who = " or ".join(member for member, _ in page.acknowledgers) or "the team manager"
        lines += [
            f"To acknowledge an escalation (R-E6), as {who}: choose it, then Submit. "
            "The same from a terminal: `cpo record acknowledge "
            f'{page.reference} --json \'{{"obligation": "<key>"}}\'`',
            "",
            "Submitting with nothing chosen only refreshes the case.",
        ]
    else:
        lines.append("Nothing is escalated: submitting only refreshes the case.")
    if page.managers and page.journal:
        lines += ["", "To void a mistake (R-G3): choose the event, say why and which team manager "
                  "authorised it, then Submit; then record the real event."]  # fmt: skip
    lines += ["", f"[Every run of this case]({case_link})"]
    return "\n".join(lines)
