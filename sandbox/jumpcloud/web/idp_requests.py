"""Reading an AuthnRequest at the SSO IdP URL: decoded, checked against the application, traced.

A request JumpCloud cannot read or trust (wrong issuer, an ACS URL not the application's, a bad
signature) gets an error page, since nothing may be posted anywhere; one it can read but not satisfy
carries its refusal on, to be answered with an error Response once the flow continues.
"""

from __future__ import annotations

from dataclasses import replace

from flask import request

from sandbox.jumpcloud.services import sso
from sandbox.jumpcloud.services.sso import ApplicationFacts
from sandbox.jumpcloud.services.sso_events import record_sso_auth
from sandbox.jumpcloud.web import idp_pages
from sandbox.jumpcloud.web.context import system
from sandbox.jumpcloud.web.idp_runtime import runtime
from sandbox.jumpcloud.web.userconsole import current_user
from sandbox.saml.capture import capture
from sandbox.saml.idp import AuthnRequestInfo, IdpError
from sandbox.saml.idp_refusals import deactivated_refusal, option_checks
from sandbox.saml.idp_subject import subject_checks
from sandbox.saml.inspect import MessageDecodeError, decode_message
from sandbox.webcommon import work


def decoded(saml_request: str, binding: str) -> str:
    """The request's XML for its trace; empty when it cannot even be decoded."""
    try:
        return decode_message(saml_request, deflated=binding == "HTTP-Redirect")
    except MessageDecodeError:
        return ""


def read_request(
    application: ApplicationFacts, saml_request: str, binding: str, relay_state: str | None, *, deactivated: bool
) -> tuple[AuthnRequestInfo | None, str | None, tuple[str, int] | None]:
    """The request read, checked and traced; or the page refusing it.

    For a ``deactivated`` application only an ``IsPassive`` request from the application's own service
    provider is read on: it is answered with a RequestDenied Response, since no page may be shown. Any
    other request gets the "deactivated" page, as before anything was read.
    """
    base_url = system().base_url
    endpoint = sso.served_sso_url(application, base_url)
    try:
        provider = runtime().providers.get(sso.idp_settings(application, base_url), sso.sp_settings(application))
        # HTTP-Redirect's signature covers the query string as received, not as decoded.
        query = request.query_string if binding == "HTTP-Redirect" else None
        info = provider.read_authn_request(saml_request, binding, relay_state, query)
    except IdpError as error:
        if deactivated:
            # Neither the issuer nor the ACS URL can be trusted: nothing may be posted anywhere.
            return None, None, idp_pages.deactivated(application, current_user(), idp_initiated=False)
        event = record_sso_auth(
            work(), application, base_url, user=None, idp_initiated=False, success=False, error_message=str(error)
        )
        runtime().traces.record(
            work(),
            "saml",
            f"AuthnRequest for {application.display_label} refused",
            capture(
                message_type="AuthnRequest",
                direction="received",
                binding=binding,
                endpoint=endpoint,
                xml=decoded(saml_request, binding),
                verdict="rejected",
                relay_state=relay_state,
                reason=str(error),
                application=application.name,
            ),
            success=False,
            related_id=event["id"],
        )
        return None, None, idp_pages.refuse("Single sign-on failed", str(error), 400)
    if deactivated:
        if not info.is_passive:
            return None, None, idp_pages.deactivated(application, current_user(), idp_initiated=False)
        # Deactivation outweighs whatever else the request asked that JumpCloud could not give.
        info = replace(info, refusal=deactivated_refusal())
    index = info.options.acs_index
    acs_url = f"{info.acs_url} is one of its ACS URLs"
    if index is not None and info.refusal is None:
        acs_url = f"AssertionConsumerServiceIndex {index} names {info.acs_url}, one of its ACS URLs"
    checks: list[dict[str, object]] = [
        {"name": "issuer", "ok": True, "detail": f"{info.issuer} is this application's SP Entity ID"},
        {"name": "acs_url", "ok": True, "detail": acs_url},
    ]
    if info.query_signature:
        detail = f"its {info.query_signature} signature over the query string verifies with the SP certificate"
        checks.append({"name": "signature", "ok": True, "detail": detail})
    refusal = info.refusal
    checks += option_checks(info.options, provider.settings.name_id_format)
    checks += subject_checks(info.options.subject, info.options.scoping)
    if refusal is not None:
        # What JumpCloud cannot give replaces the passed check of the same name.
        checks = [check for check in checks if check["name"] != refusal.check]
        checks.append({"name": refusal.check, "ok": False, "detail": refusal.error_message})
    trace_id = runtime().traces.record(
        work(),
        "saml",
        f"AuthnRequest from {info.issuer} for {application.display_label}"
        + (f" refused ({refusal.status_name})" if refusal is not None else ""),
        capture(
            message_type="AuthnRequest",
            direction="received",
            binding=binding,
            endpoint=endpoint,
            xml=info.xml,
            verdict="accepted" if refusal is None else "rejected",
            relay_state=relay_state,
            reason=refusal.error_message if refusal is not None else None,
            checks=checks,
            application=application.name,
            flow_id=info.id,
        ),
        success=refusal is None,
    )
    return info, trace_id, None
