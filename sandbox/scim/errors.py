"""SCIM error responses exactly as RFC 7644 §3.12 describes them."""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
SCIM_CONTENT_TYPE = "application/scim+json"

# The scimType values RFC 7644 §3.12 defines (all of them answer 400 except where noted).
SCIM_TYPES = frozenset(
    {
        "invalidFilter",
        "tooMany",
        "uniqueness",  # 409
        "mutability",
        "invalidSyntax",
        "invalidPath",
        "noTarget",
        "invalidValue",
        "invalidVers",
        "sensitive",
    }
)


class ScimError(Exception):
    """A SCIM request that cannot be honoured; mapped once to an error body by the server."""

    def __init__(
        self, status: int, detail: str, scim_type: str | None = None, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        if scim_type is not None and scim_type not in SCIM_TYPES:
            raise ValueError(f"not an RFC 7644 scimType: {scim_type}")
        self.status = status
        self.detail = detail
        self.scim_type = scim_type
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return error_body(self.status, self.detail, self.scim_type)


def error_body(status: int, detail: str, scim_type: str | None = None) -> dict[str, Any]:
    """The JSON error document: ``status`` is a string, as the RFC's examples show it."""
    body: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(status)}
    if scim_type:
        body["scimType"] = scim_type
    body["detail"] = detail
    return body


def bad_request(detail: str, scim_type: str) -> ScimError:
    return ScimError(400, detail, scim_type)


def invalid_filter(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidFilter")


def invalid_path(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidPath")


def invalid_value(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidValue")


def invalid_syntax(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidSyntax")


def no_target(detail: str) -> ScimError:
    return ScimError(400, detail, "noTarget")


def mutability(detail: str) -> ScimError:
    return ScimError(400, detail, "mutability")


def not_found(detail: str) -> ScimError:
    return ScimError(404, detail)


def uniqueness(detail: str) -> ScimError:
    return ScimError(409, detail, "uniqueness")
