"""BlogIn's SCIM 2.0 service provider (``/sso/scim/V2``): Users are BlogIn users, Groups are Teams."""

from sandbox.blogin.scim import routes as _routes  # noqa: F401  (registers the endpoints on the blueprint)
from sandbox.blogin.scim.api import PREFIX, bp

__all__ = ["PREFIX", "bp"]
