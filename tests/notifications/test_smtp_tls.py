"""The deferred TLS context: no CA bundle load on a plain relay, TLS unchanged where used."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import apprise
import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from notifications.smtp_tls import (
    DeferredContext,
    defer_email_tls_context,
    restore_email_tls_context,
)
from tests.notifications.conftest import SENDER, MailHandler, SmtpReceiver, free_port


def self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def starttls_server(tmp_path: Path) -> Iterator[tuple[int, MailHandler]]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*self_signed(tmp_path))
    handler, port = MailHandler(), free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        server_hostname="localhost",
        tls_context=context,
        require_starttls=True,
    )
    controller.start()
    yield port, handler
    controller.stop()


def starttls_url(port: int, verify: bool) -> str:
    flag = "yes" if verify else "no"
    return f"mailto://127.0.0.1:{port}?from={SENDER}&to=tm@example.org&mode=starttls&verify={flag}"


def test_settings_are_replayed_in_order_when_the_context_is_first_used() -> None:
    deferred = DeferredContext(ssl.create_default_context)
    deferred.check_hostname = False
    deferred.verify_mode = ssl.CERT_NONE  # only valid after check_hostname is off
    assert not deferred.built
    assert deferred.verify_mode == ssl.CERT_NONE
    assert deferred.built and deferred.check_hostname is False


def test_over_a_plain_relay_apprise_builds_a_tls_context_and_with_the_patch_none_is_built(
    smtp: SmtpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Why the patch exists, checked on the apprise installed: its email plugin builds a TLS
    context (the whole CA bundle) for a mail over a plain relay, where none is used."""
    built: list[ssl.SSLContext] = []
    shipped = ssl.create_default_context

    def counted(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        built.append(shipped(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(ssl, "create_default_context", counted)
    plugin = apprise.Apprise.instantiate(smtp.url("tm@example.org"))
    assert plugin is not None
    plugin.request_rate_per_sec = 0  # no 5.5 s between the two sends
    try:
        restore_email_tls_context()
        assert plugin.notify(body="hello", title="as shipped")
        assert len(built) == 1
        defer_email_tls_context()
        assert plugin.notify(body="hello", title="deferred")
        assert len(built) == 1
    finally:
        defer_email_tls_context()
    assert [mail.subject for mail in smtp.mails] == ["as shipped", "deferred"]


def test_starttls_still_works_through_the_deferred_context(
    starttls_server: tuple[int, MailHandler],
) -> None:
    defer_email_tls_context()
    port, handler = starttls_server
    plugin = apprise.Apprise.instantiate(starttls_url(port, verify=False))
    assert plugin is not None and plugin.notify(body="hello", title="tls")
    assert [mail.recipients for mail in handler.mails] == [["tm@example.org"]]


def test_certificate_checks_still_apply(starttls_server: tuple[int, MailHandler]) -> None:
    defer_email_tls_context()
    port, handler = starttls_server
    plugin = apprise.Apprise.instantiate(starttls_url(port, verify=True))
    assert plugin is not None and not plugin.notify(body="hello", title="tls")
    assert handler.mails == []
