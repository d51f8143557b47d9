"""The mock JumpCloud: Admin Portal, User Console, SAML IdP, SCIM client, Directory Insights."""

from typing import TYPE_CHECKING, Any

from sandbox.jumpcloud.system import JumpCloud

if TYPE_CHECKING:
    from sandbox.jumpcloud.web import create_app


def __getattr__(name: str) -> Any:
    # The web layer (Flask and every blueprint) loads on first use, not with the system's services.
    if name == "create_app":
        from sandbox.jumpcloud.web import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["JumpCloud", "create_app"]
