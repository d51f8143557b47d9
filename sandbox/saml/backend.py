"""Which XML-signature backend pysaml2 uses, for both systems.

- ``python-xmlsec`` (default): libxmlsec1 in process (:mod:`sandbox.saml.xmlsec_backend`), well under a
  millisecond per sign or verify.
- ``xmlsec1``: pysaml2's own backend; it runs the ``xmlsec1`` program for every sign or verify. Kept as
  a fallback and as a reference the in-process backend is tested against.

pysaml2 picks its backend from the configuration's ``crypto_backend`` and knows only its own names, so
selecting the in-process backend takes two steps: put :func:`crypto_settings` into the configuration
dict, then hand the built entity (``saml2.server.Server`` or ``saml2.client.Saml2Client``) to
:func:`install_backend`::

    crypto = crypto_settings(backend)
    entity = Saml2Client(config=config_from({..., **crypto}))
    install_backend(entity, crypto)   # or install_backend(entity, backend)

The dict carries the chosen name under ``sandbox_backend`` (pysaml2 ignores keys it does not know).

pysaml2 is imported only when an entity is built: importing it compiles the SAML XML schemas, which
takes seconds, and most start-ups of the sandbox never sign anyone in.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from typing import Any

# RSA-SHA256 with a SHA-256 digest, for every signature either system makes; the same URIs as
# saml2.xmldsig's SIG_RSA_SHA256 and DIGEST_SHA256, spelled out so naming them does not load pysaml2.
SIG_RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
DIGEST_SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"

XMLSEC1 = "xmlsec1"
PYTHON_XMLSEC = "python-xmlsec"
BACKENDS = (PYTHON_XMLSEC, XMLSEC1)
# SANDBOX_SAML_BACKEND=xmlsec1 switches both systems to the program, e.g. to compare behaviour.
DEFAULT_BACKEND = os.environ.get("SANDBOX_SAML_BACKEND", PYTHON_XMLSEC)


def _check(backend: str) -> None:
    if backend not in BACKENDS:
        raise ValueError(f"unknown SAML crypto backend {backend!r}; choose one of {', '.join(BACKENDS)}")


def crypto_settings(backend: str = DEFAULT_BACKEND) -> dict[str, Any]:
    """Top-level pysaml2 configuration keys for ``backend`` (see the module docstring)."""
    _check(backend)
    binary = shutil.which("xmlsec1")
    if backend == XMLSEC1:
        if binary is None:
            raise RuntimeError("The xmlsec1 program is missing; ./scripts/run installs it (Debian package xmlsec1).")
        return {"crypto_backend": "xmlsec1", "xmlsec_binary": binary, "sandbox_backend": XMLSEC1}
    # pysaml2 must be given one of its own backends to build its security context; the in-process
    # one replaces it in install_backend(). With the program present, a forgotten install only costs speed.
    if binary is not None:
        return {"crypto_backend": "xmlsec1", "xmlsec_binary": binary, "sandbox_backend": PYTHON_XMLSEC}
    return {"crypto_backend": "XMLSecurity", "sandbox_backend": PYTHON_XMLSEC}


def install_backend(entity: Any, backend: str | Mapping[str, Any] = DEFAULT_BACKEND) -> None:
    """Make the pysaml2 ``entity`` sign and verify with ``backend`` (a name, or :func:`crypto_settings`' dict)."""
    if isinstance(backend, Mapping):
        backend = str(backend.get("sandbox_backend", XMLSEC1))
    _check(backend)
    security = entity.sec
    if backend == XMLSEC1:
        from sandbox.saml.xmlsec1_program import Xmlsec1Program

        program = security.crypto
        security.crypto = Xmlsec1Program(program.xmlsec, delete_tmpfiles=program.delete_tmpfiles)
        return
    from saml2.sigver import RSACrypto, import_rsa_key_from_file

    from sandbox.saml.xmlsec_backend import InProcessBackend

    security.crypto = InProcessBackend()
    # HTTP-Redirect signatures use this RSA signer; pysaml2 only sets it up for the xmlsec1 backend.
    key_file = getattr(entity.config, "key_file", None)
    if security.sec_backend is None and key_file:
        security.sec_backend = RSACrypto(import_rsa_key_from_file(key_file))
