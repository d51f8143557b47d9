"""BlogIn's SCIM 2.0 service provider (``/sso/scim/V2``): Users are BlogIn users, Groups are Teams.

The service is put in front of the console's Flask app by ``sandbox.blogin.scim.service.mount``.
"""

PREFIX = "/sso/scim/V2"

__all__ = ["PREFIX"]
