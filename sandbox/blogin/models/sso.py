"""BlogIn's single sign-on state: the configuration, the SP key pair, outstanding requests, used assertions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sandbox.blogin.models.base import Base, utc_now

CONFIGURATION_METHODS = ("metadata_url", "metadata_file", "manual")


class SsoConfiguration(Base):
    """The tenant's Single Sign-On tab (one row)."""

    __tablename__ = "sso_configuration"

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    enabled: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str] = mapped_column(String(128), default="")
    method: Mapped[str] = mapped_column(String(16), default="metadata_url")
    metadata_url: Mapped[str] = mapped_column(String(2048), default="")
    # The IdP metadata in use: fetched, uploaded, or built from the manual fields.
    metadata_xml: Mapped[str] = mapped_column(Text, default="")
    metadata_fetched_at: Mapped[datetime | None] = mapped_column(default=None)
    idp_entity_id: Mapped[str] = mapped_column(String(1024), default="")
    idp_sso_url: Mapped[str] = mapped_column(String(2048), default="")
    idp_sso_binding: Mapped[str] = mapped_column(String(128), default="")
    idp_slo_url: Mapped[str] = mapped_column(String(2048), default="")
    idp_certificate_pem: Mapped[str] = mapped_column(Text, default="")
    default_role: Mapped[str] = mapped_column(String(32), default="Reader")
    jit_enabled: Mapped[bool] = mapped_column(default=True)
    allowed_skew_s: Mapped[int] = mapped_column(default=60)
    signatures_required: Mapped[str] = mapped_column(String(16), default="assertion")
    idp_initiated_allowed: Mapped[bool] = mapped_column(default=True)
    updated: Mapped[datetime] = mapped_column(default=utc_now)

    @property
    def idp_configured(self) -> bool:
        return bool(self.metadata_xml and self.idp_entity_id)


class ServiceProviderKey(Base):
    """BlogIn's own SAML key pair, generated on first use; rotating keeps the old rows, inactive."""

    __tablename__ = "sso_sp_keys"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    private_key_pem: Mapped[str] = mapped_column(Text)
    certificate_pem: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True, index=True)
    created: Mapped[datetime] = mapped_column(default=utc_now)


class OutstandingAuthnRequest(Base):
    """An AuthnRequest sent and not yet answered; kept server-side because the IdP's POST is cross-site."""

    __tablename__ = "sso_outstanding_requests"

    request_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    relay_state: Mapped[str] = mapped_column(String(2048), default="/")
    created: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)


class ConsumedAssertion(Base):
    """An assertion ID already accepted once; never accepted again."""

    __tablename__ = "sso_consumed_assertions"

    assertion_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    issuer: Mapped[str] = mapped_column(String(1024), default="")
    name_id: Mapped[str] = mapped_column(String(512), default="")
    consumed_at: Mapped[datetime] = mapped_column(default=utc_now)
