"""Built service providers, kept per configuration: building one loads keys and metadata."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import fields
from typing import Any

from sandbox.saml.backend import DEFAULT_BACKEND, crypto_settings
from sandbox.saml.sp import ServiceProvider
from sandbox.saml.sp_types import ServiceProviderSettings


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
