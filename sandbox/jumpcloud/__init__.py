"""The mock JumpCloud: Admin Portal, User Console, SAML IdP, SCIM client, Directory Insights."""

from sandbox.jumpcloud.system import JumpCloud
from sandbox.jumpcloud.web import create_app

__all__ = ["JumpCloud", "create_app"]
