"""Real SAML messages and SCIM exchanges for the desktop panels' tests, recorded through the systems' own trace logs.

The SAML messages are made and checked by the project's own pysaml2 IdP and SP wrappers with fresh keys,
in the shapes the running systems record them (see ``test_panels_real_flows`` for the systems' own
captures): BlogIn's SP entity ID and audience is its tenant URL with a trailing slash, JumpCloud
declares only its HTTP-POST SSO endpoint unless "Declare Redirect Endpoint" is ticked, so BlogIn
posts the AuthnRequest; the SCIM exchanges are real HTTP requests of the project's SCIM client to the
running mock BlogIn.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sandbox.app import Sandbox
from sandbox.blogin.scim.settings import save_status
from sandbox.blogin.sso.configuration import acs_url, sp_entity_id
from sandbox.events import SandboxEvent
from sandbox.jumpcloud.services.insights import Initiator, record_event
from sandbox.saml.backend import crypto_settings
from sandbox.saml.capture import capture
from sandbox.saml.idp import NAMEID_FORMATS, IdentityProvider, IdpSettings, ResponseOptions
from sandbox.saml.idp import ServiceProviderSettings as IdpSideSp
from sandbox.saml.keys import KeyPair, certificate_facts, generate_key_pair
from sandbox.saml.sp import ResponseRejected, ServiceProvider, ServiceProviderSettings
from sandbox.scim.client import ScimClient, ScimRequestError

APPLICATION = "blogin"  # JumpCloud's name of the application (its SSO URL ends in /saml2/blogin)
APPLICATION_LABEL = "BlogIn"
TENANT = "acme"  # BlogIn's name of the tenant
USERNAME = "ada.lovelace"
USER = "ada.lovelace@example.com"
RELAY_STATE = "/"  # "Log in with SSO" on BlogIn's login page comes back to the home page


@dataclass
class SamlParties:
    """JumpCloud's IdP for the BlogIn application and BlogIn's SP, with their own keys."""

    idp: IdentityProvider
    sp_settings: ServiceProviderSettings
    idp_keys: KeyPair
    sso_url: str
    acs_url: str


def saml_parties(sandbox: Sandbox, workdir: Path, *, declare_redirect: bool = False) -> SamlParties:
    """JumpCloud and BlogIn as configured by the guide (``declare_redirect``: "Declare Redirect Endpoint" ticked)."""
    idp_keys, sp_keys = generate_key_pair("JumpCloud"), generate_key_pair("BlogIn acme")
    sso_url = f"{sandbox.jumpcloud.base_url}/saml2/{APPLICATION}"
    acs = acs_url(sandbox.blogin.base_url)
    sp_entity = sp_entity_id(sandbox.blogin.base_url)
    idp = IdentityProvider(
        IdpSettings(
            "JumpCloud", sso_url, idp_keys.certificate_pem, idp_keys.private_key_pem, declare_redirect=declare_redirect
        ),
        IdpSideSp(sp_entity, (acs,), sp_keys.certificate_pem),
        workdir,
    )
    sp_settings = ServiceProviderSettings(
        entity_id=sp_entity,
        acs_url=acs,
        idp_metadata_xml=idp.metadata_xml(),
        key_pem=sp_keys.private_key_pem,
        certificate_pem=sp_keys.certificate_pem,
        crypto=crypto_settings(),
        allowed_skew_s=60,
    )
    return SamlParties(idp, sp_settings, idp_keys, sso_url, acs)


def _record(
    system: Any, kind: str, summary: str, data: dict[str, Any], *, success: bool = True, related_id: str | None = None
) -> str:
    with system.database.transaction() as session:
        return str(system.traces.record(session, kind, summary, data, success=success, related_id=related_id))


def _jumpcloud_event(sandbox: Sandbox, event_type: str, service: str, summary: str, **fields: Any) -> str:
    initiator = Initiator("", "user", USERNAME)
    with sandbox.jumpcloud.database.transaction() as session:
        return str(
            record_event(session, event_type, service=service, initiated_by=initiator, summary=summary, **fields)["id"]
        )


def record_sso_login(
    sandbox: Sandbox, parties: SamlParties, *, options: ResponseOptions | None = None, attributes: int = 0
) -> dict[str, str]:
    """One SP-initiated login as the running systems record it: BlogIn posts the AuthnRequest (redirects
    with it when JumpCloud declares its Redirect endpoint), the user logs in to the User Console, JumpCloud
    posts the Response back; each message as sent and as received (with JumpCloud's ``user_login_attempt``
    and ``sso_auth`` events). Returns the trace and event ids."""
    ids: dict[str, str] = {}
    with ServiceProvider(parties.sp_settings) as sp:
        request = sp.authn_request(relay_state=RELAY_STATE)
        ids["request_sent"] = _record(
            sandbox.blogin,
            "saml",
            f"AuthnRequest sent to JumpCloud ({request.binding})",
            capture(
                message_type="AuthnRequest",
                direction="sent",
                binding=request.binding,
                endpoint=parties.sso_url,
                xml=request.xml,
                verdict="sent",
                relay_state=RELAY_STATE,
                application=TENANT,
                flow_id=request.message_id,
            ),
        )
        if request.binding == "HTTP-POST":
            saml_request = request.form["SAMLRequest"]
        else:
            saml_request = unquote(request.url.split("SAMLRequest=", 1)[1].split("&", 1)[0])
        info = parties.idp.read_authn_request(saml_request, request.binding, relay_state=RELAY_STATE)
        ids["request_received"] = _record(
            sandbox.jumpcloud,
            "saml",
            f"AuthnRequest from {info.issuer} for {APPLICATION_LABEL}",
            capture(
                message_type="AuthnRequest",
                direction="received",
                binding=request.binding,
                endpoint=parties.sso_url,
                xml=info.xml,
                verdict="accepted",
                relay_state=RELAY_STATE,
                checks=[
                    {"name": "issuer", "ok": True, "detail": f"{info.issuer} is this application's SP Entity ID"},
                    {"name": "acs_url", "ok": True, "detail": f"{info.acs_url} is one of its ACS URLs"},
                ],
                application=APPLICATION,
                flow_id=request.message_id,
            ),
        )
        ids["login_event"] = _jumpcloud_event(
            sandbox,
            "user_login_attempt",
            "user_portal",
            f"{USERNAME} logged in to the User Console",
            resource={"type": "user", "username": USERNAME},
        )
        values = [("email", [USER]), ("firstname", ["Ada"]), ("lastname", ["Lovelace"])]
        if attributes:
            values.append(("memberOf", [f"Engineering group {i:05d}" for i in range(attributes)]))
        issued = parties.idp.issue_response(
            name_id=USER,
            name_id_format=NAMEID_FORMATS["emailAddress"],
            attributes=values,
            options=options or ResponseOptions(),
            request=info,
            relay_state=RELAY_STATE,
        )
        ids["sso_event"] = _jumpcloud_event(
            sandbox,
            "sso_auth",
            "sso",
            f"{USERNAME} signed in to {APPLICATION_LABEL}",
            resource={"type": "application", "name": APPLICATION_LABEL},
            extra={"idp_initiated": False, "sso_token_success": True},
        )
        ids["response_sent"] = _record(
            sandbox.jumpcloud,
            "saml",
            f"Response for {USERNAME} to {APPLICATION_LABEL}",
            capture(
                message_type="Response",
                direction="sent",
                binding="HTTP-POST",
                endpoint=parties.acs_url,
                xml=issued.xml,
                verdict="sent",
                relay_state=RELAY_STATE,
                expected_certificate_sha256=certificate_facts(parties.idp_keys.certificate_pem).fingerprint_sha256,
                application=APPLICATION,
                flow_id=request.message_id,
            ),
            related_id=ids["sso_event"],
        )
        expected = sp.expected_fingerprints[0]
        try:
            verified = sp.verify_response(issued.encoded, known_request_ids={request.message_id})
        except ResponseRejected as rejected:
            ids["response_received"] = _record(
                sandbox.blogin,
                "saml",
                f"Response rejected: {rejected.check}",
                capture(
                    message_type="Response",
                    direction="received",
                    binding="HTTP-POST",
                    endpoint=parties.acs_url,
                    xml=issued.xml,
                    verdict="rejected",
                    reason=rejected.reason,
                    relay_state=RELAY_STATE,
                    checks=[c.as_dict() for c in rejected.checks],
                    allowed_skew_s=60,
                    expected_certificate_sha256=expected,
                    application=TENANT,
                    flow_id=request.message_id,
                ),
                success=False,
            )
        else:
            ids["response_received"] = _record(
                sandbox.blogin,
                "saml",
                f"Response from {verified.issuer} accepted for {verified.name_id}",
                capture(
                    message_type="Response",
                    direction="received",
                    binding="HTTP-POST",
                    endpoint=parties.acs_url,
                    xml=issued.xml,
                    verdict="accepted",
                    relay_state=RELAY_STATE,
                    checks=[c.as_dict() for c in verified.checks],
                    allowed_skew_s=60,
                    expected_certificate_sha256=expected,
                    application=TENANT,
                    flow_id=request.message_id,
                ),
            )
    return ids


def base64_of(xml: str) -> str:
    return base64.b64encode(xml.encode()).decode()


def record_provisioning_run(sandbox: Sandbox, users: int = 2, *, valid_token: bool = True) -> list[str]:
    """JumpCloud's SCIM client against BlogIn's SCIM base URL, every exchange in JumpCloud's trace log,
    each attempt also recorded as a Directory Insights event linked to its exchange; returns event ids."""
    event_ids: list[str] = []
    exchanges: list[dict[str, Any]] = []
    base_url = f"{sandbox.blogin.base_url}/sso/scim/V2"
    with sandbox.blogin.database.transaction() as session:
        token = str(save_status(session, True, actor="admin@acme.example").token)
    with ScimClient(
        base_url, token if valid_token else "wrong-token-0123456789", on_exchange=exchanges.append
    ) as client:
        for number in range(users):
            user_name = f"user{number}@example.com"
            body = {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": user_name,
                "name": {"givenName": "User", "familyName": str(number)},
                "emails": [{"value": user_name, "primary": True}],
                "active": True,
            }
            try:
                client.create_user(body, operation="user_create_provision")
                success, error = True, None
            except ScimRequestError as failure:
                success, error = False, str(failure)
            exchange = exchanges[-1]
            with sandbox.jumpcloud.database.transaction() as session:
                event = record_event(
                    session,
                    "user_create_provision",
                    service="sso",
                    success=success,
                    error_message=error,
                    resource={"type": "user", "username": user_name},
                    summary=f"Provisioning {user_name} to BlogIn",
                )
                sandbox.jumpcloud.traces.record(
                    session,
                    "scim",
                    f"{exchange['method']} {exchange['path']} → {exchange['status']}",
                    exchange,
                    success=success,
                    related_id=event["id"],
                )
                event_ids.append(event["id"])
    return event_ids


def events_of(sandbox: Sandbox) -> list[SandboxEvent]:
    """Every event and trace of both systems, as the window loads them at start."""
    found = [
        *sandbox.jumpcloud.recent_events(),
        *sandbox.blogin.recent_events(),
        *sandbox.jumpcloud.recent_traces("saml"),
        *sandbox.blogin.recent_traces("saml"),
        *sandbox.jumpcloud.recent_traces("scim"),
        *sandbox.blogin.recent_traces("scim"),
    ]
    return sorted(found, key=lambda event: event.timestamp)


def provisioned(sandbox: Sandbox, emails: set[str]) -> bool:
    """Whether JumpCloud has created a user with each of ``emails`` in BlogIn (a 201 to its SCIM POST)."""
    created = [
        str(trace.data.get("request_body") or "")
        for trace in sandbox.jumpcloud.recent_traces("scim")
        if trace.data.get("method") == "POST" and trace.data.get("status") == 201
    ]
    return all(any(f'"{email}"' in body for body in created) for email in emails)
