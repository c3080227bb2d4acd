"""Three processes delivering one outbox at once (three workers' wakes): every row reaches
its recipient exactly once (R-E1), on SQLite and on PostgreSQL, through a real SMTP server."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path

from domain.dispatch import Recipient, RecipientRole, Rung
from domain.store.database import Database
from domain.store.repository import CaseRepository
from domain.store.tables import OutboxStatus
from tests.notifications.conftest import SmtpReceiver
from tests.notifications.delivery_worker import deliver_until_empty
from tests.store.cases import AS_OF, dispatch, history

SENDERS = 3
NOTICES = 60


def test_senders_at_once_send_each_row_once(
    db_url: str, notify_config: Path, smtp: SmtpReceiver
) -> None:
    store = CaseRepository(Database.from_url(db_url))
    store.open_case(history("BED-0001"), recorded_by="admin", source="import", as_of=AS_OF)
    tm = (Recipient(role=RecipientRole.TEAM_MANAGER),)
    wanted = [
        dispatch("BED-0001", obligation=f"R-P2:a{n}", rung=Rung.MISSED).model_copy(
            update={"team": "team-north", "recipients": tm, "subject": f"plan action a{n}"}
        )
        for n in range(NOTICES)
    ]
    assert store.enqueue(wanted) == NOTICES
    as_of = AS_OF + timedelta(hours=1)
    keys = {d.idempotency_key for d in wanted}

    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, ProcessPoolExecutor(SENDERS, mp_context=context) as pool:
        barrier = manager.Barrier(SENDERS)
        futures = [
            pool.submit(deliver_until_empty, db_url, str(notify_config), as_of, barrier)
            for _ in range(SENDERS)
        ]
        results = [future.result(timeout=300) for future in futures]

    # Every notice about one of the test's rows, counted by its obligation in the subject.
    subjects = Counter(m.subject for m in smtp.to("tm-north@example.org"))
    assert len(subjects) == NOTICES and set(subjects.values()) == {1}, subjects.most_common(3)
    assert sum(r["delivered"] for r in results) >= NOTICES
    entries = [e for e in store.outbox_of("BED-0001") if e.idempotency_key in keys]
    assert all(e.status is OutboxStatus.DELIVERED and e.attempts == 1 for e in entries)
    assert sum(r["batches"] > 1 for r in results) >= 2  # the senders really overlapped
    store.database.dispose()
