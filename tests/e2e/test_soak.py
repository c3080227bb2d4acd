"""The fault soak's short version (``make soak`` runs the month): two simulated days of the
demo caseload with the worker killed mid-wake, the Prefect server and the store's
PostgreSQL restarted, and SMTP down for a day; nothing lost, nothing sent twice."""

from __future__ import annotations

import pytest

from scripts.soak import Settings, run

pytestmark = pytest.mark.slow  # starts its own PostgreSQL, Prefect and SMTP servers


def test_two_days_of_faults_lose_nothing_and_send_nothing_twice() -> None:
    report = run(Settings(days=2, kills=2, server_restarts=1, pg_restarts=1, smtp_down_day=0))
    assert report.problems == []
    assert (report.kills_mid_wake, report.server_restarts, report.pg_restarts) == (2, 1, 1)
    assert report.smtp_down_ticks == 2 and report.delivery_failures > 0  # SMTP was down
    assert report.steps_recorded >= 2
    assert (report.events_lost, report.events_doubled) == (0, 0)
    assert report.events_found == report.events_expected
    assert (report.mails_duplicated, report.undelivered, report.notices_due_missing) == (0, 0, 0)
    # A notice queued while SMTP was down and then met by a step before it could go is
    # withdrawn (R-G3), not owed: every other queued notice went, once.
    assert report.notices_delivered + report.notices_withdrawn == report.notices_queued > 0
    assert report.notices_delivered > 0
    assert report.mails == report.notices_delivered + report.digests_delivered
