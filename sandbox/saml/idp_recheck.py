"""An AuthnRequest read a while ago, checked again against the service provider as configured now.

A login can take minutes between the AuthnRequest and the Response (the user types a password at the
User Console meanwhile), and an administrator may change the application's SSO tab in between. What
the Response is built from is read when it is issued: the request's issuer must still be the SP Entity
ID, and the ACS URL it goes to is resolved again. A requested ACS URL that is no longer the
application's cannot be answered at all (SAML 2.0 core §3.4.1: nothing is posted to an endpoint not
associated with the requester); an index that no longer names one is answered, as on arrival, with an
error Response at the default ACS URL; a request that named neither goes to the default as it is now.
"""

from __future__ import annotations

from dataclasses import replace

from sandbox.saml.idp_refusals import unknown_index_refusal
from sandbox.saml.idp_types import AuthnRequestInfo, IdpError, ServiceProviderSettings


def request_as_configured_now(request: AuthnRequestInfo, sp: ServiceProviderSettings) -> AuthnRequestInfo:
    """``request`` with its ACS URL resolved against ``sp`` as it is now; :class:`IdpError` if it cannot be answered."""
    if request.issuer != sp.entity_id:
        raise IdpError(
            f"The request came from {request.issuer}, but this application's SP Entity ID is now "
            f"{sp.entity_id or '(none)'}: no Response is sent to a service provider the application no longer names."
        )
    if not sp.acs_urls:
        raise IdpError("This application no longer has an ACS URL: there is nowhere to send the Response.")
    requested = request.requested_acs_url
    if requested:
        if requested not in sp.acs_urls:
            raise IdpError(
                f"The requested ACS URL {requested} is no longer one of this application's ACS URLs: "
                "the Response is not sent there."
            )
        return request
    index = request.options.acs_index
    if index is not None:
        indexed = sp.acs_url_at(index)
        if indexed is None:
            # As on arrival, the SP hears of an index that names nothing (whatever else it was refused).
            return replace(request, acs_url=sp.acs_urls[0], refusal=request.refusal or unknown_index_refusal(index))
        if request.refusal is None or request.refusal.check != "acs_index":
            return replace(request, acs_url=indexed)
    return replace(request, acs_url=sp.acs_urls[0])
