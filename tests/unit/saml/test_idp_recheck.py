"""An AuthnRequest read a while ago, resolved again against the service provider as it is configured now."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from sandbox.saml.idp import AuthnRequestInfo, IdpError, ServiceProviderSettings
from sandbox.saml.idp_options import RequestOptions
from sandbox.saml.idp_recheck import request_as_configured_now
from sandbox.saml.idp_refusals import deactivated_refusal, unknown_index_refusal

ENTITY = "https://sp.example/metadata"
FIRST, SECOND, THIRD = "https://sp.example/acs/1", "https://sp.example/acs/2", "https://sp.example/acs/3"


def _request(acs_url: str = FIRST, requested: str | None = None, index: int | None = None) -> AuthnRequestInfo:
    return AuthnRequestInfo(
        id="id-1",
        issuer=ENTITY,
        acs_url=acs_url,
        xml="",
        options=RequestOptions(acs_index=index),
        requested_acs_url=requested,
    )


def _sp(*acs_urls: str, indexes: tuple[tuple[int, str], ...] = (), entity_id: str = ENTITY) -> ServiceProviderSettings:
    return ServiceProviderSettings(entity_id=entity_id, acs_urls=acs_urls, acs_indexes=indexes)


def test_a_requested_acs_url_still_the_applications_is_kept() -> None:
    request = _request(SECOND, requested=SECOND)
    assert request_as_configured_now(request, _sp(FIRST, SECOND)) == request


def test_a_requested_acs_url_no_longer_the_applications_cannot_be_answered() -> None:
    with pytest.raises(IdpError, match=re.escape(f"requested ACS URL {SECOND} is no longer one of this application's")):
        request_as_configured_now(_request(SECOND, requested=SECOND), _sp(FIRST, THIRD))


def test_a_request_naming_no_acs_url_goes_to_the_default_as_it_is_now() -> None:
    assert request_as_configured_now(_request(FIRST), _sp(THIRD, FIRST)).acs_url == THIRD


def test_an_index_is_mapped_again_and_one_that_names_nothing_now_is_refused_at_the_default() -> None:
    request = _request(SECOND, index=7)
    assert request_as_configured_now(request, _sp(FIRST, THIRD, indexes=((7, THIRD),))).acs_url == THIRD
    now = request_as_configured_now(request, _sp(FIRST, THIRD, indexes=((1, THIRD),)))
    assert now.acs_url == FIRST and now.refusal == unknown_index_refusal(7)


def test_a_refusal_made_on_arrival_stays_and_goes_where_it_went() -> None:
    refused = AuthnRequestInfo(
        id="id-1",
        issuer=ENTITY,
        acs_url=SECOND,
        xml="",
        options=RequestOptions(acs_index=2),
        refusal=deactivated_refusal(),
    )
    now = request_as_configured_now(refused, _sp(FIRST, SECOND, indexes=((2, SECOND),)))
    assert now.acs_url == SECOND and now.refusal == deactivated_refusal()
    unknown = replace(_request(FIRST, index=9), refusal=unknown_index_refusal(9))
    assert request_as_configured_now(unknown, _sp(THIRD, SECOND, indexes=((9, SECOND),))).acs_url == THIRD


def test_a_changed_sp_entity_id_or_no_acs_url_left_cannot_be_answered() -> None:
    with pytest.raises(IdpError, match=re.escape("SP Entity ID is now https://other.example")):
        request_as_configured_now(_request(), _sp(FIRST, entity_id="https://other.example"))
    with pytest.raises(IdpError, match="no longer has an ACS URL"):
        request_as_configured_now(_request(), _sp())
