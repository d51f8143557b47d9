"""pysaml2's ``xmlsec1`` backend, asking the program for its version once instead of at every use.

pysaml2 runs ``xmlsec1 --version`` twice for every signature it checks (its ``version`` property is not
cached) on top of the run that does the work: three processes where one will do. The version of an
installed program does not change while the sandbox runs.
"""

from __future__ import annotations

from saml2.sigver import CryptoBackendXmlSec1


class Xmlsec1Program(CryptoBackendXmlSec1):
    """The ``xmlsec1`` program as pysaml2 drives it, with its version remembered."""

    def __init__(self, xmlsec_binary: str, delete_tmpfiles: bool = True) -> None:
        super().__init__(xmlsec_binary, delete_tmpfiles=delete_tmpfiles)
        self._version: str | None = None

    @property
    def version(self) -> str:
        if self._version is None:
            self._version = str(super().version)
        return self._version
