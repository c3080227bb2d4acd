"""Every notice reads on a phone, cites its rule, and carries nothing personal (R-G1)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from jinja2 import UndefinedError
from pydantic import ValidationError

from domain.dispatch import (
    ChildDetails,
    Dispatch,
    MeetingKind,
    MeetingRef,
    PersonalDetails,
    Rung,
)
from notifications.digest import OverdueItem, TeamDigest, render_digest
from notifications.render import (
    CONTEXT_FIELDS,
    TEMPLATE_NAMES,
    TemplateMissing,
    check_templates,
    dispatch_context,
    render,
    render_template,
)
from tests.notifications.conftest import DispatchFactory

NOTICE_TEMPLATES = sorted(TEMPLATE_NAMES - {"digest"})

# What a careless template might reach for if the case record were in scope.
TEMPTATIONS = {
    "child_name": "Amelia Hartley",
    "children": [{"name": "Amelia Hartley", "category": "SAB"}],
    "address": "14 Orchard Lane, Bedford MK40 1AA",
    "category": "SAB",
    "latest_category": "NEG",
    "case": {"child": "Amelia Hartley", "address": "14 Orchard Lane"},
}
LEAKS = re.compile(r"Amelia|Hartley|Orchard|MK40|\b(?:NEG|PHY|SAB|EMO|MUL)\b")


def dispatch_for(template: str, make_dispatch: DispatchFactory) -> Dispatch:
    rung = {"escalation": Rung.ESCALATION_TM, "unacknowledged": Rung.ESCALATION_FINAL}.get(
        template, Rung.NOTICE if template not in {"reminder", "missed", "chase"} else Rung.MISSED
    )
    invite = None
    if template.startswith("meeting_"):
        invite = MeetingRef(
            meeting="rcpc-1",
            kind=MeetingKind.REVIEW_CONFERENCE,
            on=date(2025, 4, 1),
            cancelled=template == "meeting_cancelled",
        )
    return make_dispatch(template=template, rung=rung, meeting_date=date(2025, 4, 1), invite=invite)


def test_every_template_the_domain_names_exists() -> None:
    check_templates()


def test_a_missing_template_is_reported_at_start_up() -> None:
    with pytest.raises(TemplateMissing, match="nonesuch.txt.j2"):
        check_templates({"nonesuch"})


@pytest.mark.parametrize("template", NOTICE_TEMPLATES)
def test_the_first_two_lines_say_case_what_since_when_owner_and_action(
    template: str, make_dispatch: DispatchFactory
) -> None:
    notice = render(dispatch_for(template, make_dispatch))
    first, _, owner, do = notice.text.splitlines()[:4]
    assert notice.title == first
    assert first.startswith("[CP-2025-0012] ")
    assert "Core group minutes circulated" in first and "R-" not in first  # plain words
    assert re.search(r"(since|due|date|now|meeting) \w{3} \d{1,2} \w{3} 2025", first)
    assert owner == "Owner: lead professional (m-lp1), team-north."
    assert do.startswith("Do: Circulate the minutes")


@pytest.mark.parametrize("template", NOTICE_TEMPLATES)
def test_every_notice_ends_with_its_rule(template: str, make_dispatch: DispatchFactory) -> None:
    notice = render(dispatch_for(template, make_dispatch))
    assert notice.text.splitlines()[-1].startswith("Rule: R-T5")
    assert "<small>Rule: R-T5" in notice.html


@pytest.mark.parametrize("template", sorted(TEMPLATE_NAMES))
def test_no_template_shows_a_childs_name_address_or_category_even_if_offered(
    template: str, make_dispatch: DispatchFactory
) -> None:
    if template == "digest":
        item = OverdueItem.from_dispatch(make_dispatch())
        context = {"team": "team-north", "day": date(2025, 3, 10), "items": (item,),
                   "cases": [(item.case_reference, [item])], "stages": {}}  # fmt: skip
    else:
        context = dispatch_context(dispatch_for(template, make_dispatch))
    notice = render_template(template, {**context, **TEMPTATIONS})
    for body in (notice.title, notice.text, notice.html):
        assert not LEAKS.search(body), body


def test_templates_see_only_the_dispatchs_own_fields(make_dispatch: DispatchFactory) -> None:
    context = dispatch_context(make_dispatch())
    derived = {"rung_label", "says_overdue", "case_url", "acknowledger", "acknowledger_id",
               "acknowledgers", "final_reader", "also_cited"}  # fmt: skip
    assert set(context) - derived <= set(Dispatch.model_fields)
    assert "recipients" not in context
    assert set(CONTEXT_FIELDS) == set(Dispatch.model_fields) - {"recipients", "personal"}
    assert context["personal"] is None  # R-G1: only a secure channel's rendering has it


PERSONAL = PersonalDetails(
    channels=("secure",),
    children=(ChildDetails(name="Amelia Hartley", category="SAB"),),
)


@pytest.mark.parametrize("template", NOTICE_TEMPLATES)
def test_personal_details_reach_only_a_secure_rendering(
    template: str, make_dispatch: DispatchFactory
) -> None:
    """R-G1 for every template: a dispatch carrying the child's details (the profile names
    a secure channel) renders them for that channel only; the ordinary rendering of the
    very same dispatch shows none of them."""
    dispatch = dispatch_for(template, make_dispatch).model_copy(update={"personal": PERSONAL})
    ordinary = render(dispatch)
    for body in (ordinary.title, ordinary.text, ordinary.html):
        assert not LEAKS.search(body), body
    secure = render(dispatch, secure=True)
    assert "Amelia Hartley (SAB)" in secure.text and "Amelia Hartley (SAB)" in secure.html
    assert secure.title == ordinary.title  # the subject line never carries it


def test_a_dispatch_has_no_room_for_a_childs_name(make_dispatch: DispatchFactory) -> None:
    with pytest.raises(ValidationError):
        make_dispatch(child_name="Amelia Hartley")


def test_html_is_escaped(make_dispatch: DispatchFactory) -> None:
    notice = render(make_dispatch(action="Chase <b>minutes</b> & plan"))
    assert "Chase &lt;b&gt;minutes&lt;/b&gt; &amp; plan" in notice.html
    assert "Chase <b>minutes</b> & plan" in notice.text


def test_a_template_reaching_for_an_unknown_name_fails_loudly() -> None:
    with pytest.raises(UndefinedError):
        render_template("missed", {"case_reference": "CP-1"})


def test_an_unknown_template_name_is_an_error(make_dispatch: DispatchFactory) -> None:
    with pytest.raises(TemplateMissing):
        render(make_dispatch(template="nonesuch"))


def test_the_final_rung_reads_differently_from_the_team_manager_rung(
    make_dispatch: DispatchFactory,
) -> None:
    to_tm = render(make_dispatch(template="escalation", rung=Rung.ESCALATION_TM))
    final = render(make_dispatch(template="escalation", rung=Rung.ESCALATION_FINAL))
    assert "Escalated to the team manager" in to_tm.title
    assert "Escalated beyond the team manager" in final.title


def test_a_reminder_without_an_overdue_date_says_when_it_is_due(
    make_dispatch: DispatchFactory,
) -> None:
    notice = render(make_dispatch(template="reminder", rung=Rung.REMINDER, overdue_since=None))
    assert notice.title.endswith("due Mon 3 Mar 2025")
    assert "Overdue since" not in notice.text


def test_the_digest_lists_the_oldest_first_and_says_what_to_do(
    make_dispatch: DispatchFactory,
) -> None:
    older = OverdueItem.from_dispatch(make_dispatch(overdue_since=date(2025, 2, 1), obligation="a"))
    newer = OverdueItem.from_dispatch(make_dispatch(case_reference="CP-2025-0044"))
    digest = TeamDigest(team="team-north", day=date(2025, 3, 10), items=(older, newer))
    lines = render_digest(digest).text.splitlines()
    assert (
        lines[0]
        == "[team-north] 2 overdue in 2 cases on Mon 10 Mar 2025, oldest since Sat 1 Feb 2025"
    )
    assert lines[2] == "Owner: team manager, team-north." and lines[3].startswith("Do: ")
    assert lines[-1] == "Rule: R-E1, R-T5"


def test_an_empty_digest_says_nothing_is_overdue() -> None:
    notice = render_digest(TeamDigest(team="team-south", day=date(2025, 3, 10)))
    assert notice.title == "[team-south] 0 overdue in 0 cases on Mon 10 Mar 2025"
    assert "Nothing overdue." in notice.text


@pytest.mark.parametrize("rung", [Rung.REMINDER, Rung.CHASE])
def test_a_reminder_or_a_chase_never_says_overdue_even_if_the_dispatch_did(
    rung: Rung, make_dispatch: DispatchFactory
) -> None:
    template = {Rung.REMINDER: "reminder", Rung.CHASE: "chase"}[rung]
    notice = render(make_dispatch(template=template, rung=rung, overdue_since=date(2025, 3, 4)))
    for body in (notice.title, notice.text, notice.html):
        assert "overdue" not in body.lower(), body


@pytest.mark.parametrize("template", NOTICE_TEMPLATES)
def test_every_notice_links_to_its_case(
    template: str, make_dispatch: DispatchFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CPO_UI_URL", "https://cp.example.gov.uk/prefect/")
    notice = render(dispatch_for(template, make_dispatch))
    link = (
        "https://cp.example.gov.uk/prefect/runs?flow-run-search=CP-2025-0012"
        "&type=span&seconds=-3153600000"
    )
    assert f"Open the case: {link}" in notice.text
    assert f'href="{link.replace("&", "&amp;")}"' in notice.html


@pytest.mark.parametrize("template", ["escalation", "unacknowledged"])
def test_an_escalation_says_how_to_acknowledge_it_by_its_key(
    template: str, make_dispatch: DispatchFactory
) -> None:
    notice = render(dispatch_for(template, make_dispatch))
    assert "R-E6" in notice.text.splitlines()[-1] and "press Resume" in notice.text
    assert "Who may acknowledge it: the team manager" in notice.text
    key = dispatch_for(template, make_dispatch).obligation
    assert f'"obligation": "{key}"' in notice.text and "cpo record acknowledge" in notice.text


def test_the_digest_links_each_case(make_dispatch: DispatchFactory) -> None:
    item = OverdueItem.from_dispatch(make_dispatch())
    text = render_digest(TeamDigest(team="team-north", day=date(2025, 3, 10), items=(item,))).text
    assert "runs?flow-run-search=CP-2025-0012" in text
    assert text.splitlines()[2].startswith("Owner: team manager, team-north.")
