"""The case run's resume form (R-E6): what a team manager fills in to acknowledge an
escalation, built afresh each time the run suspends from the escalations then open.

The form offers the open escalations as a choice, each as its key and plain title, and the
people the profile lets acknowledge them; nothing else (no date, no free text). The clock
resumes the same run with only ``as_of`` (virtual time in tests, now in production), which
the form does not show. ``CaseWake`` reads either.
"""

from __future__ import annotations

from typing import Any

from prefect.input import RunInput
from pydantic import ConfigDict, Field, JsonValue, create_model

from services.case_page import CasePage, drift_words

NOTHING = "(nothing to acknowledge)"
SEPARATOR = " · "


class CaseWake(RunInput):
    """A resume of the case run, as the run reads it."""

    as_of: str | None = None  # the clock's tick, ISO; empty means now
    acknowledge: str | None = None  # "<key> · <title>" chosen in the form
    acknowledged_by: str | None = None  # "<member id> · <role>"

    def acknowledgement(self) -> tuple[str, str] | None:
        """The obligation key and the member id chosen, if the form chose one."""
        if not self.acknowledge or self.acknowledge == NOTHING:
            return None
        key = self.acknowledge.split(SEPARATOR, 1)[0]
        by = (self.acknowledged_by or "").split(SEPARATOR, 1)[0]
        return key, by


class CaseForm(RunInput):
    # Open to the clock's ``as_of``, which the form does not show.
    model_config = ConfigDict(extra="ignore")


def acknowledgement_form(page: CasePage, case_link: str) -> type[RunInput]:
    """The form the run suspends with, its description the case at a glance."""
    escalations: list[JsonValue] = [
        f"{o.key}{SEPARATOR}{o.title} ({o.subject})" for o in page.escalations
    ]
    people: list[JsonValue] = [
        f"{member}{SEPARATOR}{role.replace('_', ' ')}" for member, role in page.acknowledgers
    ]
    fields: dict[str, Any] = {}
    if escalations and people:
        # Choices as an enum the form renders as a list, and the server checks on resume.
        fields["acknowledge"] = (str, Field(
            NOTHING, title="Escalation to acknowledge",
            description="Acknowledging stops its ladder climbing further (R-E6).",
            json_schema_extra={"enum": [NOTHING, *escalations]},
        ))  # fmt: skip
        fields["acknowledged_by"] = (str, Field(
            people[0], title="Acknowledged by",
            description="Who the escalation went to: the profile says who may.",
            json_schema_extra={"enum": people},
        ))  # fmt: skip
    form = create_model("AcknowledgeEscalation", __base__=CaseForm, **fields)
    return form.with_initial_data(description=form_description(page, escalations, case_link))


def form_description(page: CasePage, escalations: list[JsonValue], case_link: str) -> str:
    lines = [f"**Case {page.reference}**: {drift_words(page.drift)}.", ""]
    if escalations:
        lines += [
            "To acknowledge an escalation (R-E6): choose it and who acknowledges it, then "
            "Submit. The same from a terminal: `cpo record acknowledge "
            f'{page.reference} --json \'{{"obligation": "<key>", "by": "<member id>"}}\' '
            "--recorded-by <you>`",
            "",
            "Submitting with nothing chosen only refreshes the case.",
        ]
    else:
        lines.append("Nothing is escalated: submitting only refreshes the case.")
    lines += ["", f"[Every run of this case]({case_link})"]
    return "\n".join(lines)
