"""A case as the clock lives it: woken at each of its next wakes and on each day something is
recorded, with only what had happened by then (docs/rules.md, "A case run to time").

``late_dispatches`` is what such a run would have sent late: every missed, TM or final rung,
and every notice that reports a breach (R-M3, R-M6, R-M9). For a case run to time it is empty
(``domain.punctual``); take one duty away and exactly that obligation's ladder is in it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

from domain.dispatch import Dispatch, Rung
from domain.history import CaseHistory
from domain.obligations import CaseView, derive
from domain.profiles import calendar_for, load_profile
from domain.state import apply, open_state
from domain.timescales import LONDON

LATE = frozenset({Rung.MISSED, Rung.ESCALATION_TM, Rung.ESCALATION_FINAL})
BREACHES = frozenset({"booking_breach", "absent_without_apologies", "no_social_care"})


def wakes(history: CaseHistory, until: datetime | None = None) -> Iterator[CaseView]:
    """The case's view at each wake, from its opening day's business hour to ``until`` (by
    default the day after its last event). Events are known from the day they happened; the
    history is in the order they happened (a case run to time records each on its day)."""
    policy = load_profile(history.profile)
    calendar = calendar_for(policy)
    events = history.events
    hour = time(policy.business_day_starts_hour)
    end = until or datetime.combine(events[-1].on + timedelta(days=1), time(23), LONDON)
    moment = datetime.combine(events[0].on, hour, LONDON)
    state, known = open_state(history.header, policy), 0
    while moment <= end:
        while known < len(events) and events[known].on <= moment.date():
            state = apply(state, events[known], known)
            known += 1
        view = derive(state, policy, calendar, moment, history=False)
        yield view
        following = [view.next_wake] if view.next_wake else []
        if known < len(events):
            following.append(datetime.combine(events[known].on, hour, LONDON))
        later = [m for m in following if m > moment]
        if not later:
            return
        moment = min(later)


def late_dispatches(history: CaseHistory, until: datetime | None = None) -> dict[str, Dispatch]:
    """What went out late over the run, the first of each obligation or breach notice."""
    found: dict[str, Dispatch] = {}
    for view in wakes(history, until):
        for dispatch in view.dispatches:
            if late(dispatch):
                found.setdefault(dispatch.obligation, dispatch)
    return found


def late(dispatch: Dispatch) -> bool:
    """A rung past the due day, or a notice that a duty was not done (a breach)."""
    if dispatch.rung in LATE:
        return True
    return dispatch.template in BREACHES or ":breach:" in dispatch.obligation
