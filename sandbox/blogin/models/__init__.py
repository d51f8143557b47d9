"""The mock BlogIn's tables. Every module defining tables is imported here."""

from sandbox.blogin.models.audit import AuditEvent
from sandbox.blogin.models.base import Base, new_resource_id
from sandbox.blogin.models.people import ROLES, Team, User, team_members
from sandbox.blogin.models.posts import Post
from sandbox.blogin.models.provisioning import ProvisioningSettings, ScimFault
from sandbox.blogin.models.sso import ConsumedAssertion, OutstandingAuthnRequest, ServiceProviderKey, SsoConfiguration
from sandbox.traces import trace_table

Trace = trace_table(Base)

__all__ = [
    "ROLES",
    "AuditEvent",
    "Base",
    "ConsumedAssertion",
    "OutstandingAuthnRequest",
    "Post",
    "ProvisioningSettings",
    "ScimFault",
    "ServiceProviderKey",
    "SsoConfiguration",
    "Team",
    "Trace",
    "User",
    "new_resource_id",
    "team_members",
]
