"""The mock BlogIn: admin console, password and SAML sign-in with JIT, SCIM 2.0 server."""

from sandbox.blogin.system import BlogIn
from sandbox.blogin.web import create_app

__all__ = ["BlogIn", "create_app"]
