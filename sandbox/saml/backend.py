"""Which XML-signature backend pysaml2 uses, for both systems.

``xmlsec1`` is pysaml2's own backend: it runs the ``xmlsec1`` program for every sign or verify.
"""

from __future__ import annotations

import shutil
from typing import Any

XMLSEC1 = "xmlsec1"
BACKENDS = (XMLSEC1,)
DEFAULT_BACKEND = XMLSEC1


def crypto_settings(backend: str = DEFAULT_BACKEND) -> dict[str, Any]:
    """Top-level pysaml2 configuration keys selecting ``backend``."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown SAML crypto backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    binary = shutil.which("xmlsec1")
    if binary is None:
        raise RuntimeError("The xmlsec1 program is missing; ./scripts/run installs it (Debian package xmlsec1).")
    return {"crypto_backend": "xmlsec1", "xmlsec_binary": binary}
