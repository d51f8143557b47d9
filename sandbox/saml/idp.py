"""A SAML 2.0 identity provider for one application.

With the in-process backend (the default) no pysaml2 is involved: AuthnRequests are read and checked
with lxml and libxmlsec1 (``sandbox.saml.idp_request``: signature, destination, version), and the
Response is signed where it stands. With the ``xmlsec1`` program, pysaml2's ``Server``
(``sandbox.saml.idp_pysaml2``) reads the requests and signs through its security context, as a
reference the in-process path is tested against. The IssueInstant window, the Issuer and the
requested ACS URL (or index) are checked here for both, and what the request asks is judged
(``sandbox.saml.idp_refusals``): a request JumpCloud cannot satisfy is answered with an error Response
(:meth:`IdentityProvider.issue_refusal`). The Response is built here (``sandbox.saml.response``),
because a tester's edge cases (shifted clocks, short validity, a wrong audience, a foreign key) have
to reach into parts pysaml2's response builder decides on its own.

pysaml2, xmlsec and the reader are imported inside the functions that use them: importing pysaml2
takes seconds (see backend.py), and most start-ups never sign anyone in.
"""

from __future__ import annotations

import importlib
import logging
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from sandbox.saml.backend import (
    DEFAULT_BACKEND,
    PYTHON_XMLSEC,
)
from sandbox.saml.idp_refusals import Refusal, request_refusal, unknown_index_refusal
from sandbox.saml.idp_subject import subject_refusal
from sandbox.saml.idp_types import (
    DEFAULT_VALIDITY,
    AuthnRequestInfo,
    IdpError,
    IdpSettings,
    IssuedResponse,
    ResponseOptions,
    ServiceProviderSettings,
)

# Re-exported: the NameID formats have always been imported from here.
from sandbox.saml.idp_types import (
    NAMEID_FORMATS as NAMEID_FORMATS,
)
from sandbox.saml.keys import certificate_body, sha256_fingerprint
from sandbox.saml.metadata import idp_metadata_xml
from sandbox.saml.query_signature import QuerySignatureRefused, SpQuerySignature
from sandbox.saml.response import (
    SAML,
    SAMLP,
    BuiltResponse,
    NotXmlText,
    ResponseContent,
    StatusContent,
    add_signature_template,
    build_response,
    build_status_response,
)
from sandbox.saml.sp_types import utc_moment

if TYPE_CHECKING:
    import xmlsec

    from sandbox.saml.idp_pysaml2 import Pysaml2Idp
    from sandbox.saml.idp_request import ReadRequest

log = logging.getLogger("sandbox.saml.idp")

# How far an AuthnRequest's IssueInstant may be from now: pysaml2's window of a day, plus the skew.
ISSUE_INSTANT_WINDOW = timedelta(days=1, seconds=120)

# Seconds after JumpCloud serves before pysaml2 is loaded ahead of the first sign-in.
WARM_UP_DELAY_S = 5.0

# pysaml2 names a signed element "<namespace>:<local name>" (its xmlsec1 backend passes it to --node-name).
ASSERTION_NODE = f"{SAML}:Assertion"
RESPONSE_NODE = f"{SAMLP}:Response"


@dataclass
class _Files:
    key_file: Path
    cert_file: Path
    certificate_body: str  # what goes into each signature's KeyInfo
    private_key_pem: str
    signing_key: xmlsec.Key | None = None  # loaded on first use, with the in-process backend


class IdentityProvider:
    """One application's IdP: reads its SP's AuthnRequests and issues signed Responses to it."""

    def __init__(self, idp: IdpSettings, sp: ServiceProviderSettings, workdir: Path) -> None:
        if not sp.entity_id or not sp.acs_urls:
            raise IdpError("This application has no SP Entity ID or ACS URL yet; configure its SSO tab.")
        self.settings = idp
        self.sp = sp
        self._workdir = workdir
        self._files = self._write_keys(idp.private_key_pem, idp.certificate_pem)
        # What the receiver should find in each signature, for the captured messages.
        self.certificate_sha256 = sha256_fingerprint(idp.certificate_pem)
        self._foreign: dict[tuple[str, str], _Files] = {}
        # The in-process backend reads requests and signs without pysaml2 (idp_request, enveloped); the
        # xmlsec1 program is driven through pysaml2's server, which also reads the requests then.
        self._pysaml2: Pysaml2Idp | None = None
        self._sp_key: xmlsec.Key | None = None
        # Checks signed HTTP-Redirect queries (loads the SP certificate on the first one).
        self._query_signature = SpQuerySignature(sp.certificate_pem)
        if idp.backend == PYTHON_XMLSEC:
            from sandbox.saml.idp_request import sp_signature_key

            self._sp_key = sp_signature_key(sp.certificate_pem)
        else:
            from sandbox.saml.idp_pysaml2 import Pysaml2Idp

            self._pysaml2 = Pysaml2Idp(idp, sp, self._files.key_file, self._files.cert_file)

    def _write_keys(self, private_key_pem: str, certificate_pem: str) -> _Files:
        key_file = Path(tempfile.mkstemp(suffix=".key", dir=self._workdir)[1])
        key_file.write_text(private_key_pem)
        cert_file = Path(tempfile.mkstemp(suffix=".crt", dir=self._workdir)[1])
        cert_file.write_text(certificate_pem)
        return _Files(key_file, cert_file, certificate_body(certificate_pem), private_key_pem)

    def metadata_xml(self) -> str:
        """The IdP metadata document; the HTTP-Redirect endpoint appears only when declared."""
        return idp_metadata_xml(self.settings)

    def read_authn_request(
        self, saml_request: str, binding: str, relay_state: str | None = None, query: bytes | None = None
    ) -> AuthnRequestInfo:
        """Decode and check a received AuthnRequest (``binding`` is ``HTTP-Redirect`` or ``HTTP-POST``).

        ``query``: an HTTP-Redirect request's raw query string, whose signature, if any, is checked first
        (:class:`~sandbox.saml.query_signature.SpQuerySignature`).
        """
        query_signature = None
        if binding == "HTTP-Redirect" and query:
            query_signature = self._check_query_signature(query)
        read = self._read(saml_request, binding, relay_state)
        _check_issue_instant(read.issue_instant)
        if read.issuer != self.sp.entity_id:
            raise IdpError(
                f"The request comes from {read.issuer or '(no issuer)'!s}, but this application's SP Entity ID "
                f"is {self.sp.entity_id}."
            )
        acs_url, index_refusal = self._acs_url(read.acs_url, read.options.acs_index)
        idp, sp = self.settings, self.sp
        refusal = (
            request_refusal(read.options, idp.name_id_format, sp.entity_id)
            or subject_refusal(read.options.subject, idp.name_id_format, idp.entity_id, sp.entity_id)
            or index_refusal
        )
        return AuthnRequestInfo(
            id=read.id,
            issuer=read.issuer,
            acs_url=acs_url,
            xml=read.xml,
            query_signature=query_signature,
            options=read.options,
            refusal=refusal,
            requested_acs_url=read.acs_url or None,
        )

    def _acs_url(self, requested: str | None, index: int | None) -> tuple[str, Refusal | None]:
        """Where the Response goes, and the refusal an unknown index earns.

        Core §3.4.1: a URL must be "in fact associated with the requester" (one of the application's ACS
        URLs: otherwise nothing can be sent anywhere, an error page says why); an index is mapped
        through the SP's metadata; an index that maps to nothing may be answered with an error Response
        at the default ACS URL, which is done so that the service provider hears of it.
        """
        if requested and index is not None:
            raise IdpError(
                "The SAML AuthnRequest could not be accepted: it gives both AssertionConsumerServiceURL and "
                "AssertionConsumerServiceIndex; SAML allows one or the other."
            )
        if requested:
            if requested not in self.sp.acs_urls:
                raise IdpError(f"The requested ACS URL {requested} is not one of this application's ACS URLs.")
            return requested, None
        if index is not None:
            indexed = self.sp.acs_url_at(index)
            if indexed is None:
                return self.sp.acs_urls[0], unknown_index_refusal(index)
            return indexed, None
        return self.sp.acs_urls[0], None

    def _check_query_signature(self, query: bytes) -> str | None:
        try:
            return self._query_signature.check(query)
        except QuerySignatureRefused as error:
            log.info("AuthnRequest refused: %s", error)
            raise IdpError(f"The SAML AuthnRequest could not be accepted: {error}") from error

    def _read(self, saml_request: str, binding: str, relay_state: str | None) -> ReadRequest:
        if self._pysaml2 is not None:
            return self._pysaml2.read(saml_request, binding, relay_state)
        from sandbox.saml.idp_request import RequestRefused, read_request

        try:
            return read_request(saml_request, binding == "HTTP-Redirect", (self.settings.sso_url,), self._sp_key)
        except RequestRefused as error:
            log.info("AuthnRequest refused: %s", error)
            raise IdpError(f"The SAML AuthnRequest could not be accepted: {error}") from error

    def issue_response(
        self,
        *,
        name_id: str,
        name_id_format: str,
        attributes: list[tuple[str, list[str]]],
        options: ResponseOptions,
        request: AuthnRequestInfo | None = None,
        session_index: str | None = None,
        relay_state: str | None = None,
        authn_instant: datetime | None = None,
    ) -> IssuedResponse:
        """A Response for ``request`` (or unsolicited, IdP-initiated, to the first ACS URL).

        ``authn_instant``: when the user typed the password (the AuthnStatement's AuthnInstant); now when unknown.
        """
        acs_url = request.acs_url if request else self.sp.acs_urls[0]
        now = datetime.now(UTC) + options.clock_skew
        expires = now + (options.validity if options.validity is not None else DEFAULT_VALIDITY)
        try:
            built = build_response(
                ResponseContent(
                    issuer=self.settings.entity_id,
                    acs_url=acs_url,
                    audience=options.audience or self.sp.entity_id,
                    name_id=name_id,
                    name_id_format=name_id_format,
                    attributes=attributes,
                    issued=now,
                    expires=expires,
                    in_response_to=request.id if request else None,
                    session_index=session_index,
                    authn_instant=authn_instant + options.clock_skew if authn_instant is not None else None,
                )
            )
        except NotXmlText as error:
            # A value stored before the directory refused such characters (or imported from an application).
            raise IdpError(f"{error}. Correct the user under USER MANAGEMENT › Users, then sign in again.") from error
        xml = self._sign(built, options)
        return IssuedResponse(
            xml=xml,
            acs_url=acs_url,
            response_id=built.response_id,
            assertion_id=built.assertion_id,
            relay_state=relay_state,
            not_on_or_after=expires,
        )

    def issue_refusal(
        self, *, refusal: Refusal, options: ResponseOptions, request: AuthnRequestInfo, relay_state: str | None = None
    ) -> IssuedResponse:
        """The error Response for a ``request`` JumpCloud cannot satisfy: its status, no assertion.

        Signed with the application's key whenever the application signs anything (Sign Assertion or Sign
        Response): with no assertion, the Response element is what carries the signature. The tester's
        edge cases that concern signing and the clock apply to it as to any Response.
        """
        built = build_status_response(
            StatusContent(
                issuer=self.settings.entity_id,
                acs_url=request.acs_url,
                in_response_to=request.id,
                issued=datetime.now(UTC) + options.clock_skew,
                status=refusal.status,
                second_status=refusal.second_status,
                message=refusal.message,
            )
        )
        signs = options.sign_assertion or options.sign_response
        xml = self._sign(
            built, ResponseOptions(sign_assertion=False, sign_response=signs, foreign_key=options.foreign_key)
        )
        return IssuedResponse(
            xml=xml, acs_url=request.acs_url, response_id=built.response_id, assertion_id=None, relay_state=relay_state
        )

    def _sign(self, built: BuiltResponse, options: ResponseOptions) -> str:
        files = self._files
        if options.foreign_key is not None:
            files = self._foreign_files(options.foreign_key)
        # The assertion is signed first: the Response's signature then covers the signed assertion.
        to_sign = [
            (element, node_name)
            for element, node_name, wanted in (
                (built.assertion, ASSERTION_NODE, options.sign_assertion),
                (built.response, RESPONSE_NODE, options.sign_response),
            )
            if wanted and element is not None
        ]
        templates = [
            add_signature_template(element, files.certificate_body, number)
            for number, (element, _node_name) in enumerate(to_sign, start=1)
        ]
        if self._pysaml2 is None:
            from sandbox.saml.enveloped import SigningError, sign_in_place

            try:
                key = self._signing_key(files)
                for (element, _node_name), signature in zip(to_sign, templates, strict=True):
                    sign_in_place(element, signature, key)
            except SigningError as error:
                raise IdpError(f"The SAML Response could not be signed: {error}.") from error
            return built.to_xml()
        xml = built.to_xml()
        for element, node_name in to_sign:
            xml = self._pysaml2.sign(xml, node_name, files.key_file, element.get("ID"))
        return xml

    def _signing_key(self, files: _Files) -> xmlsec.Key:
        # Loaded once per key: a provider is rebuilt when the application's key or certificate changes.
        if files.signing_key is None:
            from sandbox.saml.enveloped import signing_key

            files.signing_key = signing_key(files.private_key_pem)
        return files.signing_key

    def _foreign_files(self, foreign_key: tuple[str, str]) -> _Files:
        cached = self._foreign.get(foreign_key)
        if cached is None:
            cached = self._foreign[foreign_key] = self._write_keys(*foreign_key)
        return cached


def _check_issue_instant(issue_instant: str, now: datetime | None = None) -> None:
    """Refuse an AuthnRequest issued more than a day (plus the accepted skew) before or after now.

    pysaml2 computes this check but ignores its result, so it is made here, with pysaml2's own window.
    """
    issued = utc_moment(issue_instant)
    if issued is None:
        raise IdpError(
            f"The SAML AuthnRequest could not be accepted: its IssueInstant “{escape(issue_instant)}” is not a date."
        )
    moment = now or datetime.now(UTC)
    if abs(moment - issued) > ISSUE_INSTANT_WINDOW:
        raise IdpError(
            f"The SAML AuthnRequest could not be accepted: its IssueInstant ({escape(issue_instant)}) is more than "
            "a day away from JumpCloud's clock; the service provider's clock or the request is wrong."
        )


def _load_pysaml2(delay_s: float) -> None:
    threading.Event().wait(delay_s)
    started = time.process_time()
    try:
        # Importing is the point: it builds pysaml2's schemas once, for the whole process.
        for module in ("saml2.config", "saml2.server", "saml2.sigver", "sandbox.saml.idp_pysaml2"):
            importlib.import_module(module)
    except Exception:  # the first sign-in reports any real problem; a warm-up only saves time
        log.exception("loading pysaml2 ahead of the first sign-in failed")
        return
    log.info("pysaml2 loaded ahead of the first sign-in (%.2f s of CPU)", time.process_time() - started)


@dataclass
class IdentityProviders:
    """Built ``IdentityProvider`` objects, kept while their configuration is unchanged.

    Building one parses configuration and metadata (milliseconds); a login should not pay for that.
    """

    limit: int = 64
    backend: str = DEFAULT_BACKEND
    _directory: tempfile.TemporaryDirectory[str] = field(
        default_factory=lambda: tempfile.TemporaryDirectory(prefix="sandbox-idp-")
    )
    _built: dict[tuple[IdpSettings, ServiceProviderSettings], IdentityProvider] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, idp: IdpSettings, sp: ServiceProviderSettings) -> IdentityProvider:
        key = (idp, sp)
        with self._lock:
            found = self._built.get(key)
            if found is not None:
                return found
        built = IdentityProvider(idp, sp, Path(self._directory.name))
        with self._lock:
            if len(self._built) >= self.limit:
                self._built.clear()
            self._built[key] = built
        return built

    def warm_up_later(self, delay_s: float | None = None) -> threading.Thread | None:
        """With the ``xmlsec1`` backend, load pysaml2 in a background thread after ``delay_s`` seconds
        (default ``WARM_UP_DELAY_S``); returns the thread, if one was started.

        That backend reads AuthnRequests with pysaml2, whose import builds its XML schemas (1-5 s of
        CPU): without this the first sign-in after start would wait for it. The delay keeps it off the
        desktop's start-up, when the window and its first pages want the CPU. The in-process backend
        never loads pysaml2: nothing to do.
        """
        if self.backend == PYTHON_XMLSEC:
            return None
        delay = WARM_UP_DELAY_S if delay_s is None else delay_s
        thread = threading.Thread(target=_load_pysaml2, args=(delay,), name="saml-idp-warm-up", daemon=True)
        thread.start()
        return thread

    def metadata_xml(self, idp: IdpSettings) -> str:
        """IdP metadata needs no SP (and no built provider): see :func:`idp_metadata_xml`."""
        return idp_metadata_xml(idp)

    def close(self) -> None:
        self._directory.cleanup()
