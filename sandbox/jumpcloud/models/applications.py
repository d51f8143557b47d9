"""USER AUTHENTICATION › SSO Applications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, LargeBinary, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sandbox.jumpcloud.models.base import Base, new_object_id, utc_now
from sandbox.jumpcloud.models.directory import UserGroup

application_groups = Table(
    "application_groups",
    Base.metadata,
    Column("application_id", ForeignKey("sso_applications.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("user_groups.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class SsoApplication(Base):
    """A configured application: SAML SSO or a bookmark, with its User Groups."""

    __tablename__ = "sso_applications"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=new_object_id)
    # Catalog entry the application was created from (``blogin``, ``custom-saml``, ...).
    catalog_key: Mapped[str] = mapped_column(String(64))
    # <applicationname>: the path segment of the SSO IdP URL, fixed at creation.
    name: Mapped[str] = mapped_column(String(128), unique=True)
    display_label: Mapped[str] = mapped_column(String(256))
    description: Mapped[str] = mapped_column(String(1024), default="")
    portal_image: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    portal_image_type: Mapped[str | None] = mapped_column(String(64), default=None)
    show_in_portal: Mapped[bool] = mapped_column(default=True)
    is_bookmark: Mapped[bool] = mapped_column(default=False)
    bookmark_url: Mapped[str] = mapped_column(String(2048), default="")
    # Shown as configured (https://sso.jumpcloud.com/saml2/<applicationname> by default).
    sso_idp_url: Mapped[str] = mapped_column(String(2048))
    sso_active: Mapped[bool] = mapped_column(default=True)
    # The SSO tab's settings (idpEntityId, spEntityId, acsUrl, ...), see REFERENCE.md.
    sso_config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    idp_certificate_pem: Mapped[str] = mapped_column(Text, default="")
    idp_private_key_pem: Mapped[str] = mapped_column(Text, default="")
    created: Mapped[datetime] = mapped_column(default=utc_now)
    updated: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)

    groups: Mapped[list[UserGroup]] = relationship(secondary=application_groups, order_by="UserGroup.name")
