"""Real receivers on 127.0.0.1 for notification tests: an SMTP server and a JSON webhook."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from domain.dispatch import Dispatch, Recipient, RecipientRole, Rung
from scripts.smtp_receiver import SENDER, Mail, MailHandler, SmtpReceiver, free_port

__all__ = ["SENDER", "Mail", "MailHandler", "SmtpReceiver", "free_port"]


class WebhookHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        self.server.received.append((self.path, body))  # type: ignore[attr-defined]
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return


class WebhookReceiver:
    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), WebhookHandler)
        self.server.received = []  # type: ignore[attr-defined]
        self.port = int(self.server.server_address[1])
        # A short poll interval keeps shutdown (and so each test) fast.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def received(self) -> list[tuple[str, dict[str, Any]]]:
        return self.server.received  # type: ignore[attr-defined]

    def at(self, path: str) -> list[dict[str, Any]]:
        return [body for got, body in self.received if got == path]

    def url(self, path: str) -> str:
        return f"json://127.0.0.1:{self.port}{path}"


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def notify_config(tmp_path: Path, smtp: SmtpReceiver, webhook: WebhookReceiver) -> Path:
    """Team managers and QA by email per team; head of service by email and webhook."""
    lines = ["version: 1", "urls:"]
    routes = [
        (smtp.url("tm-north@example.org"), "team_manager:team-north"),
        (smtp.url("tm-south@example.org"), "team_manager:team-south"),
        (smtp.url("qa-north@example.org"), "qa_manager:team-north"),
        (smtp.url("hos@example.org"), "head_of_service"),
        (webhook.url("/head-of-service"), "head_of_service"),
        (smtp.url("chair@example.org"), "conference_chair"),
    ]
    for url, tag in routes:
        lines += [f"  - {url}:", f"    - tag: {tag}"]
    path = tmp_path / "notify.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


DispatchFactory = Callable[..., Dispatch]


@pytest.fixture
def make_dispatch() -> DispatchFactory:
    def make(**changes: Any) -> Dispatch:
        fields: dict[str, Any] = {
            "case_reference": "CP-2025-0012",
            "team": "team-north",
            "profile": "england",
            "obligation": "R-T5:cg-2",
            "rule": "R-T5",
            "rung": Rung.MISSED,
            "template": "missed",
            "title": "Core group minutes circulated",
            "subject": "core group cg-2",
            "owner_role": "lead_professional",
            "owner": "m-lp1",
            "due": date(2025, 3, 3),
            "overdue_since": date(2025, 3, 4),
            "fires_at": datetime(2025, 3, 4, 9, tzinfo=UTC),
            "action": "Circulate the minutes and updated plan to every member",
            "recipients": (Recipient(role=RecipientRole.TEAM_MANAGER),),
        }
        fields.update(changes)
        return Dispatch(**fields)

    return make
