"""The mock JumpCloud's tables. Every module defining tables is imported here."""

from sandbox.jumpcloud.models.applications import SsoApplication, application_groups
from sandbox.jumpcloud.models.base import Base, new_object_id
from sandbox.jumpcloud.models.directory import Administrator, SystemUser, UserGroup, group_members
from sandbox.jumpcloud.models.insights import DirectoryInsightsEvent
from sandbox.jumpcloud.models.provisioning import (
    IdentityManagement,
    MailboxMessage,
    ProvisionedResource,
    ProvisioningOutbox,
)
from sandbox.traces import trace_table

Trace = trace_table(Base)

__all__ = [
    "Administrator",
    "Base",
    "DirectoryInsightsEvent",
    "IdentityManagement",
    "MailboxMessage",
    "ProvisionedResource",
    "ProvisioningOutbox",
    "SsoApplication",
    "SystemUser",
    "Trace",
    "UserGroup",
    "application_groups",
    "group_members",
    "new_object_id",
]
