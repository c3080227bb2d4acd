"""What operations staff read in the Prefect UI: the case page and the caseload (markdown)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from domain.dispatch import Dispatch, Recipient, RecipientRole, Rung
from domain.store import OutboxEntry, OverdueCase
from domain.store.summaries import ObligationAt
from domain.store.tables import OutboxStatus
from domain.synthetic import synthetic_history
from flows.clock_source import LONDON
from services.case_page import CasePage, drift_tags, drift_words
from services.clock import Caseload
from tasks.pages import case_markdown, caseload_markdown

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=LONDON)


def entry(n: int, status: OutboxStatus, error: str | None = None) -> OutboxEntry:
    dispatch = Dispatch(
        case_reference="CP-1", team="north", profile="england", obligation=f"R-T5:cg-{n}",
        rule="R-T5", rung=Rung.MISSED, template="missed", title="Minutes circulated",
        subject=f"core group cg-{n}", owner_role="lead_professional", owner="sw",
        due=date(2025, 3, 3), overdue_since=date(2025, 3, 4),
        fires_at=datetime(2025, 3, 4, 8, tzinfo=UTC), action="Circulate",
        recipients=(Recipient(role=RecipientRole.TEAM_MANAGER),),
    )  # fmt: skip
    return OutboxEntry(
        dispatch.idempotency_key, dispatch, status, 1, error, None, None,
        datetime(2025, 3, 4, 8, tzinfo=UTC),
    )  # fmt: skip


def caseload(by_team: dict[str, dict[str, int]], *cases: OverdueCase, failing=()) -> Caseload:
    return Caseload(NOW, by_team, list(cases), len(failing), list(failing))


def test_the_caseload_counts_overdue_by_team_in_the_ladders_order_and_links_each_case() -> None:
    late = OverdueCase("CP-9", "team-north", 3, date(2025, 3, 3), "escalation_tm", "run-9", "sw")
    text = caseload_markdown(caseload({"team-north": {"escalation_tm": 1, "missed": 2}}, late))
    assert "| team | missed | to the TM | total |" in text
    assert "[team-north](http://127.0.0.1:4200/v2/runs?tags=overdue%3Ateam-north&start=" in text
    assert "(http://127.0.0.1:4200/runs?tag=overdue%3Ateam-north&type=span" in text
    assert text.split("\n| [team-north]")[1].split("\n")[0].endswith(") | 2 | 1 | 3 |")
    assert "Every open case: [in Prefect's UI](http://127.0.0.1:4200/v2/runs?tags=open-case" in text
    assert "## team-north: 1 case(s) with something overdue" in text
    assert (
        "| [CP-9](http://127.0.0.1:4200/runs/flow-run/run-9) | 3 | Mon 3 Mar | to the TM | sw |"
        in text
    )
    assert "Nothing overdue" in caseload_markdown(caseload({}))
    acked = OverdueCase(
        "CP-9", "team-north", 3, date(2025, 3, 3), "escalation_tm", "run-9", "sw", 1
    )
    text = caseload_markdown(caseload({"team-north": {"escalation_tm": 1}}, acked))
    assert "| to the TM, 1 acknowledged | sw |" in text


def test_every_notice_not_delivered_comes_first_with_its_error() -> None:
    failing = entry(1, OutboxStatus.FAILED, "team_manager:north: no valid endpoint")
    overview = caseload_markdown(caseload({}, failing=[failing, failing, failing]))
    assert "**3 notice(s) not delivered**" in overview and "| CP-1 |" in overview
    assert "**not delivered** after 1 attempt(s), retry no: team_manager:north" in overview


def page_of(reference: str, as_of: datetime) -> CasePage:
    """A real case page from the engine, with no store: the journal is left empty."""
    from domain.obligations import view
    from domain.profiles import calendar_for, load_profile
    from domain.summary import drift, open_obligations

    history = synthetic_history(7, reference, months=6)
    found = view(history, as_of)
    calendar = calendar_for(load_profile(history.profile))
    summary = drift(open_obligations(found, calendar), found.as_of)
    notices = [entry(1, OutboxStatus.FAILED, "smtp down")] + [
        entry(n, OutboxStatus.DELIVERED) for n in range(2, 40)
    ]
    escalated = [
        ObligationAt(o.key, o.rule, o.title, o.owner_role, o.owner, o.due, o.status.value,
                     o.rung.value, o.due, o.subject)
        for o in found.obligations
        if o.is_open and o.rung is not None and o.rung.value.startswith("escalation")
    ]  # fmt: skip
    return CasePage(
        reference, as_of, found, [], notices, summary, escalated, [("tm", "team_manager")]
    )


def test_the_case_page_opens_with_its_drift_and_keeps_its_tables_short() -> None:
    page = page_of("CP-7", datetime(2025, 12, 1, 9, tzinfo=LONDON))
    text = case_markdown(page)
    first = text.splitlines()[2]
    assert first.startswith("**") and "overdue" in first  # the drift, first thing
    tables = [line for line in text.splitlines() if line.startswith("| ")]
    assert max(line.count("|") for line in tables) <= 5  # four columns at most
    assert "**not delivered** after 1 attempt(s)" in text
    assert text.count("| delivered |") == 15  # the latest delivered ones, not all 38
    first_key = page.escalations[0].key
    assert f"- `{first_key}`" in text and f'"obligation": "{first_key}"' in text  # R-E6


def test_drift_reads_as_one_line_and_as_tags() -> None:
    page = page_of("CP-7", datetime(2025, 12, 1, 9, tzinfo=LONDON))
    words = drift_words(page.drift)
    assert words.split(",")[0].endswith("overdue") and "since" in words
    tags = drift_tags(page.drift)
    assert "overdue" in tags and any(t.startswith("rung:") for t in tags)
    assert drift_words(None) == "Not yet woken" and drift_tags(None) == []


def test_the_page_marks_late_completions_acknowledgements_and_whom_each_notice_is_about() -> None:
    from dataclasses import replace

    page = page_of("CP-7", datetime(2025, 12, 1, 9, tzinfo=LONDON))
    late = [o for o in page.view.obligations if o.met_on and o.late]
    assert late  # the synthetic case met some obligations after their due day
    text = case_markdown(replace(page, late_by={o.key: 2 for o in late}))
    assert "2 working days late**" in text
    assert "| R-T5 Minutes circulated (core group cg-1) |" in text  # whose notice it is
    acknowledged = replace(
        page.view.obligations[0], met_on=None, acknowledged_on=date(2025, 11, 27)
    )
    view = replace(page.view, obligations=(acknowledged,))
    assert "acknowledged 27 Nov" in case_markdown(replace(page, view=view))
