"""Upload Metadata's reading of SP metadata: which ACS URL becomes the Default URL."""

from __future__ import annotations

import pytest

from sandbox.saml.sp_metadata import SpMetadataError, parse_sp_metadata

POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
ARTIFACT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"


def metadata(*services: str) -> str:
    return (
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.example/">'
        '<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f"{''.join(services)}</md:SPSSODescriptor></md:EntityDescriptor>"
    )


def acs(location: str, index: int, is_default: str | None = None, binding: str = POST) -> str:
    flag = f' isDefault="{is_default}"' if is_default is not None else ""
    return f'<md:AssertionConsumerService Binding="{binding}" Location="{location}" index="{index}"{flag}/>'


def test_without_is_default_the_lowest_index_leads_and_the_rest_follow_in_index_order() -> None:
    read = parse_sp_metadata(metadata(acs("https://sp.example/b", 2), acs("https://sp.example/a", 1)))
    # No isDefault anywhere: the first in the document is the default (SAML metadata §2.2.3).
    assert read.acs_urls == ("https://sp.example/b", "https://sp.example/a")
    assert read.acs_indexes == ((1, "https://sp.example/a"), (2, "https://sp.example/b"))


def test_the_endpoint_marked_is_default_is_the_default_url_whatever_its_index() -> None:
    read = parse_sp_metadata(
        metadata(acs("https://sp.example/a", 0), acs("https://sp.example/b", 1), acs("https://sp.example/c", 2, "true"))
    )
    assert read.acs_urls == ("https://sp.example/c", "https://sp.example/a", "https://sp.example/b")


@pytest.mark.parametrize("false", ["false", "0", " false "])
def test_endpoints_marked_not_default_give_way_to_one_left_unmarked(false: str) -> None:
    read = parse_sp_metadata(
        metadata(acs("https://sp.example/a", 0, false), acs("https://sp.example/b", 1), acs("https://sp.example/c", 2))
    )
    assert read.acs_urls[0] == "https://sp.example/b"


def test_when_every_endpoint_says_not_default_the_first_is_taken() -> None:
    read = parse_sp_metadata(metadata(acs("https://sp.example/b", 1, "false"), acs("https://sp.example/a", 0, "false")))
    assert read.acs_urls == ("https://sp.example/b", "https://sp.example/a")


def test_a_default_with_another_binding_is_not_taken() -> None:
    read = parse_sp_metadata(
        metadata(acs("https://sp.example/artifact", 0, "true", ARTIFACT), acs("https://sp.example/post", 1))
    )
    assert read.acs_urls == ("https://sp.example/post",)


def test_no_post_endpoint_is_refused_in_words() -> None:
    with pytest.raises(SpMetadataError, match="no AssertionConsumerService with the HTTP-POST binding"):
        parse_sp_metadata(metadata(acs("https://sp.example/artifact", 0, None, ARTIFACT)))
