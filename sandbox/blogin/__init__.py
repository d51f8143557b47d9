"""The mock BlogIn: admin console, password and SAML sign-in with JIT, SCIM 2.0 server."""

from typing import TYPE_CHECKING, Any

from sandbox.blogin.system import BlogIn

if TYPE_CHECKING:
    from sandbox.blogin.web import create_app


def __getattr__(name: str) -> Any:
    # The web layer (Flask and every blueprint) loads on first use, not with the system's services.
    if name == "create_app":
        from sandbox.blogin.web import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["BlogIn", "create_app"]
