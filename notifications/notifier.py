"""One apprise object per batch, and one send per endpoint.

Sending endpoint by endpoint (not ``Apprise.notify`` per tag) is what lets a retry
skip the endpoints a notice already reached: each endpoint has a stable id (a hash
of its URL, so nothing personal is stored or logged).
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import apprise
from apprise.attachment.memory import AttachMemory
from apprise.plugins.base import NotifyBase

from notifications.render import RenderedNotice
from notifications.routing import Route, RoutingTable
from notifications.smtp_tls import defer_email_tls_context

log = logging.getLogger(__name__)

# apprise checks an attachment's mime type against ``mimetypes.types_map``, which Python
# fills lazily on first use: from delivery's threads that races (measured: "invalid
# mime-type (text/calendar)" on some sends), and a machine without /etc/mime.types has no
# text/calendar at all. Fill it here, once, and make sure invitations are known.
mimetypes.add_type("text/calendar", ".ics")


@dataclass(frozen=True)
class Attachment:
    """A file sent with a notice, e.g. a calendar invitation (``invites.invite_attachment``)."""

    name: str
    content: bytes
    mimetype: str


@dataclass(frozen=True)
class Endpoint:
    id: str
    plugin: NotifyBase


def endpoint_id(plugin: NotifyBase) -> str:
    """A stable, non-reversible id for an endpoint (its URL may hold an email address).

    The whole URL, targets included: apprise's ``url_id()`` names the account, not the
    recipient, so two members reached through one mail relay would share it and the
    second would be skipped as "already reached" (found by the invitation tests).
    """
    return hashlib.sha256(plugin.url(privacy=False).encode()).hexdigest()[:16]


class Notifier:
    """Endpoints for routes, resolved once per batch and reused for every notice in it."""

    def __init__(
        self, routing: RoutingTable, *, send_interval: float = 0.0, defer_tls_context: bool = True
    ) -> None:
        if defer_tls_context:
            defer_email_tls_context()
        # apprise spaces sends through one plugin instance 5.5 s apart by default, to be
        # polite to public services; our own SMTP relay and webhooks need no such gap.
        self.send_interval = send_interval
        self.routing = routing
        self.apprise = apprise.Apprise()
        for server in routing.servers:
            self._pace(server)
            self.apprise.add(server)
        self._contacts: dict[str, Endpoint | None] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, path: str | Path | None = None, *, send_interval: float = 0.0) -> Notifier:
        return cls(RoutingTable.from_config(path), send_interval=send_interval)

    def _pace(self, plugin: NotifyBase) -> None:
        plugin.request_rate_per_sec = self.send_interval

    def endpoints(self, route: Route) -> list[Endpoint]:
        """Where a route leads; an invalid contact URL leads nowhere (the caller fails it)."""
        if route.contact is not None:
            endpoint = self._contact(route.contact)
            return [endpoint] if endpoint else []
        found = self.apprise.find(tag=route.tag, match_always=False)
        return [Endpoint(endpoint_id(plugin), plugin) for plugin in found]

    def _contact(self, url: str) -> Endpoint | None:
        with self._lock:
            if url not in self._contacts:
                plugin = apprise.Apprise.instantiate(url)
                endpoint = None
                if isinstance(plugin, NotifyBase):
                    self._pace(plugin)
                    endpoint = Endpoint(endpoint_id(plugin), plugin)
                self._contacts[url] = endpoint
            return self._contacts[url]

    def send(
        self, endpoint: Endpoint, notice: RenderedNotice, attachments: Sequence[Attachment] = ()
    ) -> bool:
        """Send one notice to one endpoint: HTML where the channel renders it, else text."""
        plugin = endpoint.plugin
        html = plugin.notify_format == apprise.NotifyFormat.HTML
        try:
            attach = (
                _attachments(attachments) if attachments and plugin.attachment_support else None
            )
            return bool(
                plugin.notify(
                    body=notice.html if html else notice.text,
                    title=notice.title,
                    body_format=apprise.NotifyFormat.HTML if html else apprise.NotifyFormat.TEXT,
                    attach=attach,
                )
            )
        except Exception as error:  # a plugin fault must fail this endpoint, not the batch
            log.warning("endpoint %s raised %s", endpoint.id, type(error).__name__)
            return False


def _attachments(attachments: Sequence[Attachment]) -> apprise.AppriseAttachment:
    bundle = apprise.AppriseAttachment()
    for item in attachments:
        bundle.add(AttachMemory(content=item.content, name=item.name, mimetype=item.mimetype))
    return bundle
