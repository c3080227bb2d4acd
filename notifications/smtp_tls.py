"""Build apprise's email TLS context only when TLS is actually negotiated.

apprise's email plugin calls ``ssl.create_default_context()`` for every email, even
over a plain relay (``mailto://``) where it is never used. That call loads the whole
CA bundle: ~15 ms on a typical machine, ~100 ms on ours, holding the GIL, so it
dominated delivery time (1,000 notices took minutes). Here the plugin gets a stand-in
that records the settings apprise applies (``check_hostname``, ``verify_mode``) and
builds the real context, with those settings in the same order, on first real use
(``wrap_socket`` for SMTPS or STARTTLS). TLS behaviour and certificate checks are
unchanged; only the wasted work is gone.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable
from typing import Any

from apprise.plugins.email import base as email_plugin


class DeferredContext:
    """Stands in for an ``ssl.SSLContext`` until something other than a setting is used."""

    def __init__(self, factory: Callable[..., ssl.SSLContext], *args: Any, **kwargs: Any) -> None:
        object.__setattr__(self, "_build", lambda: factory(*args, **kwargs))
        object.__setattr__(self, "_settings", [])
        object.__setattr__(self, "_real", None)

    @property
    def built(self) -> bool:
        return self._real is not None

    def materialise(self) -> ssl.SSLContext:
        real: ssl.SSLContext | None = self._real
        if real is None:
            real = self._build()
            for name, value in self._settings:
                setattr(real, name, value)
            object.__setattr__(self, "_real", real)
        return real

    def __setattr__(self, name: str, value: Any) -> None:
        if self._real is not None:
            setattr(self._real, name, value)
        else:
            self._settings.append((name, value))

    def __getattr__(self, name: str) -> Any:
        # Only reached for names the stand-in lacks: everything an SSLContext offers.
        return getattr(self.materialise(), name)


class _DeferringSsl:
    """The ``ssl`` module as apprise's email plugin sees it, with a deferred context."""

    def __getattr__(self, name: str) -> Any:
        return getattr(ssl, name)

    @staticmethod
    def create_default_context(*args: Any, **kwargs: Any) -> DeferredContext:
        return DeferredContext(ssl.create_default_context, *args, **kwargs)


_lock = threading.Lock()


def defer_email_tls_context() -> None:
    """Install the stand-in in apprise's email plugin (idempotent)."""
    with _lock:
        if not isinstance(email_plugin.ssl, _DeferringSsl):
            email_plugin.ssl = _DeferringSsl()  # type: ignore[assignment]


def restore_email_tls_context() -> None:
    """Undo ``defer_email_tls_context`` (the benchmark measures apprise as shipped)."""
    with _lock:
        email_plugin.ssl = ssl
