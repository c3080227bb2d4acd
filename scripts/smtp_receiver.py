"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every mail it gets, and can be
stopped and started again on the same port: what the notification tests, the end-to-end
tests and the fault soak send to."""

from __future__ import annotations

import email
import socket
import threading
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

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
