"""Real receivers on 127.0.0.1 for notification tests: an SMTP server and a JSON webhook."""

from __future__ import annotations

import email
import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from domain.dispatch import Dispatch, Recipient, RecipientRole, Rung

SENDER = "cpo@example.org"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    message: Message

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def parts(self, content_type: str) -> list[bytes]:
        """The decoded payloads of the parts of one content type."""
        return [
            bytes(part.get_payload(decode=True))
            for part in self.message.walk()
            if part.get_content_type() == content_type
        ]


@dataclass
class MailHandler:
    mails: list[Mail] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = Mail(
            envelope.mail_from, list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)
        )
        with self.lock:
            self.mails.append(mail)
        return "250 OK"


class SmtpReceiver:
    """An aiosmtpd server that tests can stop and start again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = MailHandler()
        self._controller: Controller | None = None

    @property
    def mails(self) -> list[Mail]:
        return self.handler.mails

    def to(self, address: str) -> list[Mail]:
        return [mail for mail in self.mails if address in mail.recipients]

    def url(self, to: str) -> str:
        return f"mailto://127.0.0.1:{self.port}?from={SENDER}&to={to}"

    def start(self) -> None:
        # server_hostname avoids a name lookup per connection.
        self._controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, server_hostname="localhost"
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


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
