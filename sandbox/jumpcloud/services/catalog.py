"""The application catalog behind **+ Add New Application**."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class JitAttribute:
    """A JIT required attribute: the SP name is fixed; the JumpCloud attribute name can be changed."""

    sp_name: str
    jumpcloud_attribute: str


@dataclass(frozen=True)
class CatalogEntry:
    key: str
    name: str
    summary: str
    logo: str  # file under static/apps/
    sso_type: str = "saml"  # "saml" or "bookmark"
    default_name: str = ""  # <applicationname> suggested for the SSO IdP URL
    jit_attributes: tuple[JitAttribute, ...] = ()
    supports_identity_management: bool = False
    sso_defaults: dict[str, Any] = field(default_factory=dict)


BLOGIN_JIT = (
    JitAttribute("email", "email"),
    JitAttribute("firstname", "firstname"),
    JitAttribute("lastname", "lastname"),
    JitAttribute("title", "jobTitle"),
    JitAttribute("phone", "workPhone"),
)

CATALOG: tuple[CatalogEntry, ...] = (
    CatalogEntry(
        key="blogin",
        name="BlogIn",
        summary="Internal blog and company newsletter. SAML SSO, JIT and SCIM Identity Management.",
        logo="blogin.svg",
        default_name="blogin",
        jit_attributes=BLOGIN_JIT,
        supports_identity_management=True,
    ),
    CatalogEntry(
        key="custom-saml",
        name="Custom SAML App",
        summary="Connect any SAML 2.0 service provider.",
        logo="custom-saml.svg",
        default_name="custom-saml-app",
    ),
    CatalogEntry(
        key="bookmark",
        name="Bookmark Application",
        summary="A tile in the User Portal that opens a sign-in URL.",
        logo="bookmark.svg",
        sso_type="bookmark",
        default_name="bookmark",
    ),
    CatalogEntry(
        key="slack",
        name="Slack",
        summary="Team messaging. SAML SSO.",
        logo="slack.svg",
        default_name="slack",
    ),
    CatalogEntry(
        key="zoom",
        name="Zoom",
        summary="Video meetings. SAML SSO.",
        logo="zoom.svg",
        default_name="zoom",
    ),
    CatalogEntry(
        key="salesforce",
        name="Salesforce",
        summary="CRM. SAML SSO.",
        logo="salesforce.svg",
        default_name="salesforce",
    ),
    CatalogEntry(
        key="atlassian",
        name="Atlassian Cloud",
        summary="Jira and Confluence. SAML SSO.",
        logo="atlassian.svg",
        default_name="atlassian",
    ),
)


def catalog_entry(key: str) -> CatalogEntry | None:
    return next((entry for entry in CATALOG if entry.key == key), None)


def search_catalog(text: str) -> list[CatalogEntry]:
    """Entries whose name or summary contains ``text`` (case-insensitive); all when blank."""
    needle = text.strip().lower()
    if not needle:
        return list(CATALOG)
    return [entry for entry in CATALOG if needle in entry.name.lower() or needle in entry.summary.lower()]
