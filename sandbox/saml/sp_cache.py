"""Built service providers, kept per configuration: building one loads keys and metadata."""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import fields
from typing import Any

from sandbox.saml.backend import DEFAULT_BACKEND, PYTHON_XMLSEC, crypto_settings
from sandbox.saml.sp import ServiceProvider
from sandbox.saml.sp_types import ServiceProviderSettings

log = logging.getLogger("sandbox.saml.sp")

# How long after start-up the xmlsec1 backend's pysaml2 is loaded in the background: past the
# desktop's first page, before a tester is likely to sign in.
WARM_UP_DELAY_S = 3.0


class ServiceProviderCache:
    """Built service providers by settings: building one loads keys and metadata (a few hundred ms).

    ``crypto`` is the signing backend's configuration (:func:`sandbox.saml.backend.crypto_settings`),
    worked out on first use (a missing ``xmlsec1`` program is reported then, not at start-up) and kept
    for every provider this cache builds.
    """

    def __init__(self, size: int = 4, backend: str = DEFAULT_BACKEND) -> None:
        self._backend = backend
        self._crypto: dict[str, Any] | None = None
        self._size = size
        self._entries: OrderedDict[tuple[Any, ...], ServiceProvider] = OrderedDict()
        self._lock = threading.Lock()
        self._warm_up: threading.Thread | None = None

    @property
    def backend(self) -> str:
        return self._backend

    def warm_up_later(self, delay_s: float = WARM_UP_DELAY_S) -> threading.Thread | None:
        """With the ``xmlsec1`` backend, load pysaml2 in a background thread after ``delay_s`` seconds.

        Importing pysaml2 builds its XML schemas (1-5 s of CPU), which the first sign-in would otherwise
        wait for. The default backend never loads pysaml2 on the service provider's side: nothing to do.
        Returns the thread, if one was started.
        """
        if self._backend == PYTHON_XMLSEC or self._warm_up is not None:
            return None
        self._warm_up = threading.Thread(target=_load_pysaml2, args=(delay_s,), name="saml-sp-warm-up", daemon=True)
        self._warm_up.start()
        return self._warm_up

    @property
    def crypto(self) -> dict[str, Any]:
        """The signing backend's pysaml2 configuration keys, for :class:`ServiceProviderSettings`."""
        if self._crypto is None:
            self._crypto = crypto_settings(self._backend)
        return self._crypto

    def get(self, settings: ServiceProviderSettings) -> ServiceProvider:
        """The service provider for ``settings``, built on first use; the oldest is closed beyond ``size``."""
        key = tuple(
            tuple(sorted(value.items())) if isinstance(value, dict) else value
            for value in (getattr(settings, f.name) for f in fields(settings))
        )
        with self._lock:
            provider = self._entries.get(key)
            if provider is not None:
                self._entries.move_to_end(key)
                return provider
        provider = ServiceProvider(settings)
        with self._lock:
            self._entries[key] = provider
            while len(self._entries) > self._size:
                _settings, evicted = self._entries.popitem(last=False)
                evicted.close()
        return provider

    def clear(self) -> None:
        with self._lock:
            for provider in self._entries.values():
                provider.close()
            self._entries.clear()


def _load_pysaml2(delay_s: float) -> None:
    threading.Event().wait(delay_s)
    started = time.process_time()
    try:
        # Importing is the point: it builds pysaml2's schemas once, for the whole process.
        for module in ("saml2.client", "saml2.config", "saml2.sigver", "sandbox.saml.sp_pysaml2"):
            importlib.import_module(module)
    except Exception:  # the first sign-in reports any real problem; a warm-up only saves time
        log.exception("loading pysaml2 ahead of the first sign-in failed")
        return
    log.info("pysaml2 loaded ahead of the first sign-in (%.2f s of CPU)", time.process_time() - started)
