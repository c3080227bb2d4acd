"""Every notice the domain can raise renders, from a real derivation (R-G1 included)."""

from __future__ import annotations

from datetime import datetime

from domain.dispatch import Rung
from domain.events import (
    CoreGroupCancelled,
    CoreGroupRescheduled,
    CoverStarted,
    Member,
    MemberRole,
    ReviewBroughtForward,
    RiskRaised,
    VisitMade,
)
from domain.ladder import LONDON
from domain.recipients import RUNG_TEMPLATES
from notifications.render import TEMPLATE_NAMES, render
from tests.domain.builders import case, cg, d, icpc, obligations


def test_every_rung_has_a_template():
    assert set(RUNG_TEMPLATES.values()) <= TEMPLATE_NAMES


def test_every_notice_an_event_raises_renders_without_names():
    events = [
        icpc("2026-10-05", "2026-10-12"),
        cg("2026-10-12", "cg-p0-1", "2026-11-09"),
        cg("2026-11-02", "cg-2", disagreements=("School disagrees",)),
        CoreGroupRescheduled(on=d("2026-11-02"), meeting="cg-p0-1-next-1", date=d("2026-12-01")),
        CoreGroupCancelled(
            on=d("2026-11-03"),
            meeting="cg-p0-1-next-1",
            at=datetime(2026, 11, 3, 10, tzinfo=LONDON),
        ),
        VisitMade(on=d("2026-11-04"), visitor="sw", no_access=True),
        VisitMade(on=d("2026-11-05"), visitor="sw", no_access=True),
        VisitMade(on=d("2026-11-05"), visitor="sw", children_seen=("c1",), refused_seen_alone=True),
        RiskRaised(on=d("2026-11-06"), member="sch1"),
        ReviewBroughtForward(
            on=d("2026-11-06"), to=d("2026-11-27"), authorised_by="tm", reason="Incident"
        ),
        CoverStarted(on=d("2026-11-06"), cover=Member(id="cv1", role=MemberRole.LEAD_PROFESSIONAL)),
    ]
    found = obligations(case(*events), "2026-11-06", hour=12)
    notices = [x for x in found.dispatches if x.rung is Rung.NOTICE]
    assert {x.template for x in notices} == {
        "access_failed",  # R-V5: the first visit without access
        "disagreement",
        "rescheduled",
        "inquorate",
        "no_access",
        "seen_alone_refused",
        "risk_raised",
        "review_brought_forward",
        "cover_started",
    }
    for dispatch in found.dispatches:
        rendered = render(dispatch)
        text = rendered.text + rendered.html
        assert dispatch.case_reference in rendered.title
        assert "Alex" not in text and "NEG" not in text and "Parent Name" not in text
