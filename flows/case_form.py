"""The case run's resume form (R-E6): what a team manager fills in to acknowledge an
escalation, built afresh each time the run suspends from the escalations then open.

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


class CaseWake(RunInput):
    """A resume of the case run, as the run reads it."""

    # A form built before this version asked who acknowledges: that answer is ignored.
    model_config = ConfigDict(extra="ignore")

    as_of: str | None = None  # the clock's tick, ISO; empty means now
    acknowledge: str | None = None  # "<key> · <title>" chosen in the form
    acting_person: str | None = None  # who answered, stamped by the sign-in layer

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
    form = create_model("AcknowledgeEscalation", __base__=CaseForm, **fields)
    return form.with_initial_data(description=form_description(page, escalations, case_link))


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
    lines += ["", f"[Every run of this case]({case_link})"]
    return "\n".join(lines)
