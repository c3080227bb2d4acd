"""Annex A's last statutory visit and "seen alone" come from the visits that count
(``domain.visits.statutory``): a teacher's visit after the social worker's is a sighting,
and does not replace it, nor turn "seen alone" to No (000; 003 §1.4.6)."""

from __future__ import annotations

from domain.events import Child, VisitMade
from returns.annex_a import HEADERS
from tests.domain.builders import d, icpc
from tests.returns.test_annex_a import AS_OF, facts, record, the_list

OPENING = icpc("2026-07-01", "2026-07-08", children=(Child(id="c1", category="PHY"),))
VISIT = HEADERS.index("Date of the Last Statutory Visit")
ALONE = HEADERS.index("Was the Child Seen Alone?")


def test_a_teachers_later_visit_is_not_the_last_statutory_visit() -> None:
    social_worker = VisitMade(
        on=d("2026-11-30"), visitor="sw", children_seen=("c1",), seen_alone=("c1",)
    )
    teacher = VisitMade(on=d("2026-12-10"), visitor="sch1", children_seen=("c1",))
    found = the_list(record("CP-1", OPENING, social_worker, teacher, given=(facts(),)))
    [row] = found.rows
    assert (row[VISIT], row[ALONE]) == (d("2026-11-30"), "a) Yes")
    assert d("2026-12-10") < AS_OF  # the teacher visited before the list's day
