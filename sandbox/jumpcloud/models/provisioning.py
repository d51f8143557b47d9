"""Identity Management (SCIM provisioning): configuration per application, the outbox, the id
mapping between JumpCloud and the application, and the sandbox's Mailbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sandbox.jumpcloud.models.base import Base, new_object_id, utc_now

# IdentityManagement.status
INACTIVE = "inactive"
ACTIVE = "active"

# ProvisioningOutbox.status
PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"
# Superseded by a later operation on the same resource, or dropped with a deactivated integration.
SKIPPED = "skipped"

# ProvisioningOutbox.operation
SYNC_USER = "sync_user"
DELETE_USER = "delete_user"
SYNC_GROUP = "sync_group"
DELETE_GROUP = "delete_group"

USER = "user"
GROUP = "group"


class IdentityManagement(Base):
    """The Identity Management tab of one application: where to provision and how."""

    __tablename__ = "identity_management"

    application_id: Mapped[str] = mapped_column(
        String(24), ForeignKey("sso_applications.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16), default=INACTIVE)
    base_url: Mapped[str] = mapped_column(String(2048), default="")
    token_key: Mapped[str] = mapped_column(String(1024), default="")
    # "Enable management of User Groups and Group Membership in this application".
    group_management: Mapped[bool] = mapped_column(default=False)
    activated_at: Mapped[datetime | None] = mapped_column(default=None)
    last_sync: Mapped[datetime | None] = mapped_column(default=None)
    created: Mapped[datetime] = mapped_column(default=utc_now)
    updated: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)

    @property
    def active(self) -> bool:
        return self.status == ACTIVE


class ProvisioningOutbox(Base):
    """One operation to deliver to an application, queued in the transaction of the change.

    Operations on one resource (``resource_type``, ``resource_id``) are delivered in ``seq`` order;
    different resources are delivered concurrently.
    """

    __tablename__ = "provisioning_outbox"
    __table_args__ = (
        Index("ix_outbox_status_seq", "status", "seq"),
        Index("ix_outbox_status_due", "status", "next_attempt_at"),
        Index("ix_outbox_resource", "application_id", "resource_type", "resource_id", "status"),
    )

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(String(24), index=True)
    resource_type: Mapped[str] = mapped_column(String(8))
    resource_id: Mapped[str] = mapped_column(String(24))
    operation: Mapped[str] = mapped_column(String(16))
    # What a deleted resource was (its name), or a new password to send once.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created: Mapped[datetime] = mapped_column(default=utc_now)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class ProvisionedResource(Base):
    """A JumpCloud user or group as it exists in the application: its SCIM id and what was last sent."""

    __tablename__ = "provisioned_resources"
    __table_args__ = (Index("ix_provisioned_scim_id", "application_id", "resource_type", "scim_id"),)

    application_id: Mapped[str] = mapped_column(
        String(24), ForeignKey("sso_applications.id", ondelete="CASCADE"), primary_key=True
    )
    resource_type: Mapped[str] = mapped_column(String(8), primary_key=True)
    jumpcloud_id: Mapped[str] = mapped_column(String(24), primary_key=True)
    scim_id: Mapped[str] = mapped_column(String(256))
    # The attributes (users) or display name and member SCIM ids (groups) the application holds.
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)


class MailboxMessage(Base):
    """An e-mail JumpCloud sent to an administrator (import results); the sandbox keeps them here."""

    __tablename__ = "mailbox_messages"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=new_object_id)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(512))
    body: Mapped[str] = mapped_column(Text)
    sent: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    read: Mapped[bool] = mapped_column(default=False)
