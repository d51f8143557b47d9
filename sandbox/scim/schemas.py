"""The SCIM schemas this server implements (RFC 7643 §4, §8.7) and the discovery documents built from them.

One table of attribute definitions drives validation, PATCH path resolution, filter typing and the
``/Schemas`` endpoint, so what the server says it does is what it does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
LIST_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH_REQUEST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
SERVICE_PROVIDER_CONFIG_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"

MAX_RESULTS = 1000


@dataclass(frozen=True)
class Attribute:
    """One attribute definition, as RFC 7643 §7 describes it."""

    name: str
    type: str = "string"
    multi_valued: bool = False
    required: bool = False
    case_exact: bool = False
    mutability: str = "readWrite"
    returned: str = "default"
    uniqueness: str = "none"
    description: str = ""
    sub_attributes: tuple[Attribute, ...] = ()
    canonical_values: tuple[str, ...] = ()
    reference_types: tuple[str, ...] = ()

    def sub(self, name: str) -> Attribute | None:
        lowered = name.lower()
        return next((a for a in self.sub_attributes if a.name.lower() == lowered), None)

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "multiValued": self.multi_valued,
            "description": self.description,
            "required": self.required,
            "caseExact": self.case_exact,
            "mutability": self.mutability,
            "returned": self.returned,
            "uniqueness": self.uniqueness,
        }
        if self.canonical_values:
            doc["canonicalValues"] = list(self.canonical_values)
        if self.reference_types:
            doc["referenceTypes"] = list(self.reference_types)
        if self.sub_attributes:
            doc["subAttributes"] = [a.document() for a in self.sub_attributes]
        return doc


def _multi(name: str, description: str, types: tuple[str, ...] = (), *, value_type: str = "string") -> Attribute:
    """The common shape of emails, phoneNumbers, ims, photos, entitlements, roles, x509Certificates."""
    subs = [
        Attribute("value", type=value_type, description=f"The value of the {name} entry."),
        Attribute("display", description="A human-readable name, primarily used for display purposes."),
        Attribute("type", description="A label indicating the attribute's function.", canonical_values=types),
        Attribute("primary", type="boolean", description="Indicates the 'primary' or preferred value."),
    ]
    return Attribute(name, type="complex", multi_valued=True, description=description, sub_attributes=tuple(subs))


@dataclass(frozen=True)
class Schema:
    id: str
    name: str
    description: str
    attributes: tuple[Attribute, ...]
    _index: dict[str, Attribute] = field(default_factory=dict, compare=False, repr=False)
    # The multi-valued attributes with a "primary" sub-attribute, at most one of whose values is primary.
    with_primary: tuple[str, ...] = field(default=(), init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({a.name.lower(): a for a in self.attributes})
        primaried = tuple(a.name for a in self.attributes if a.multi_valued and a.sub("primary") is not None)
        object.__setattr__(self, "with_primary", primaried)

    def attribute(self, name: str) -> Attribute | None:
        return self._index.get(name.lower())

    def document(self, location: str) -> dict[str, Any]:
        return {
            "schemas": [SCHEMA_SCHEMA],
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "attributes": [a.document() for a in self.attributes],
            "meta": {"resourceType": "Schema", "location": f"{location}/Schemas/{self.id}"},
        }


# Attributes every resource has (RFC 7643 §3.1); not listed in the schema documents themselves.
ID = Attribute("id", case_exact=True, mutability="readOnly", returned="always", uniqueness="server")
EXTERNAL_ID = Attribute("externalId", case_exact=True, description="An identifier defined by the provisioning client.")
META = Attribute(
    "meta",
    type="complex",
    mutability="readOnly",
    sub_attributes=(
        Attribute("resourceType", case_exact=True, mutability="readOnly"),
        Attribute("created", type="dateTime", mutability="readOnly"),
        Attribute("lastModified", type="dateTime", mutability="readOnly"),
        Attribute("location", type="reference", case_exact=True, mutability="readOnly", reference_types=("uri",)),
        Attribute("version", case_exact=True, mutability="readOnly"),
    ),
)
COMMON = (ID, EXTERNAL_ID, META)

_ref = Attribute(
    "$ref", type="reference", case_exact=True, reference_types=("User", "Group"), description="The URI of the resource."
)

USER = Schema(
    USER_SCHEMA,
    "User",
    "User Account",
    (
        Attribute(
            "userName",
            required=True,
            uniqueness="server",
            description="Unique identifier for the User, used to sign in. Unique regardless of case.",
        ),
        Attribute(
            "name",
            type="complex",
            description="The components of the user's real name.",
            sub_attributes=(
                Attribute("formatted", description="The full name; BlogIn's Display Name."),
                Attribute("familyName", description="The family name; BlogIn's Last Name."),
                Attribute("givenName", description="The given name; BlogIn's First Name."),
                Attribute("middleName", description="The middle name(s)."),
                Attribute("honorificPrefix", description="The honorific prefix(es)."),
                Attribute("honorificSuffix", description="The honorific suffix(es)."),
            ),
        ),
        Attribute("displayName", description="The name of the User, suitable for display to end-users."),
        Attribute("nickName", description="The casual way to address the user."),
        Attribute("profileUrl", type="reference", reference_types=("external",), description="Profile page URL."),
        Attribute("title", description="The user's title; BlogIn's Job title."),
        Attribute("userType", description="The relationship between the organization and the user."),
        Attribute("preferredLanguage", description="The user's preferred written or spoken language."),
        Attribute("locale", description="The user's default location for localization."),
        Attribute("timezone", description="The User's time zone in the IANA Time Zone database format."),
        Attribute("active", type="boolean", description="Whether the user can sign in to BlogIn."),
        Attribute(
            "password",
            mutability="writeOnly",
            returned="never",
            description="The user's BlogIn password; stored hashed and never returned.",
        ),
        _multi("emails", "Email addresses for the user.", ("work", "home", "other")),
        _multi("phoneNumbers", "Phone numbers for the User; the first is BlogIn's Phone Number.", ("work", "mobile")),
        _multi("ims", "Instant messaging addresses for the User."),
        _multi("photos", "URLs of photos of the User.", ("photo", "thumbnail"), value_type="reference"),
        Attribute(
            "addresses",
            type="complex",
            multi_valued=True,
            description="A physical mailing address for this User.",
            sub_attributes=(
                Attribute("formatted"),
                Attribute("streetAddress"),
                Attribute("locality"),
                Attribute("region"),
                Attribute("postalCode"),
                Attribute("country"),
                Attribute("type", canonical_values=("work", "home", "other")),
                Attribute("primary", type="boolean"),
            ),
        ),
        Attribute(
            "groups",
            type="complex",
            multi_valued=True,
            mutability="readOnly",
            description="The BlogIn Teams the user belongs to.",
            sub_attributes=(
                Attribute("value", mutability="readOnly", case_exact=True),
                Attribute("$ref", type="reference", mutability="readOnly", reference_types=("Group",)),
                Attribute("display", mutability="readOnly"),
                Attribute("type", mutability="readOnly", canonical_values=("direct",)),
            ),
        ),
        _multi("entitlements", "A list of entitlements for the User."),
        _multi("roles", "A list of roles for the User."),
        _multi("x509Certificates", "A list of certificates issued to the User.", value_type="binary"),
    ),
)

ENTERPRISE_USER = Schema(
    ENTERPRISE_USER_SCHEMA,
    "EnterpriseUser",
    "Enterprise User",
    (
        Attribute("employeeNumber", description="A string identifier, typically numeric or alphanumeric."),
        Attribute("costCenter", description="Identifies the name of a cost center."),
        Attribute("organization", description="Identifies the name of an organization."),
        Attribute("division", description="Identifies the name of a division."),
        Attribute("department", description="Identifies the name of a department."),
        Attribute(
            "manager",
            type="complex",
            description="The User's manager.",
            sub_attributes=(
                Attribute("value", case_exact=True, description="The id of the manager's User."),
                Attribute("$ref", type="reference", reference_types=("User",)),
                Attribute("displayName", mutability="readOnly"),
            ),
        ),
    ),
)

GROUP = Schema(
    GROUP_SCHEMA,
    "Group",
    "Group — a BlogIn Team",
    (
        Attribute(
            "displayName",
            required=True,
            uniqueness="server",
            description="The name of the Team, unique regardless of case.",
        ),
        Attribute(
            "members",
            type="complex",
            multi_valued=True,
            description="The Users in the Team.",
            sub_attributes=(
                Attribute("value", case_exact=True, mutability="immutable", description="The id of a User."),
                _ref,
                Attribute("display", mutability="readOnly", description="The member's display name."),
                Attribute("type", mutability="immutable", canonical_values=("User",)),
            ),
        ),
    ),
)

SCHEMAS = {USER.id: USER, ENTERPRISE_USER.id: ENTERPRISE_USER, GROUP.id: GROUP}


@dataclass(frozen=True)
class ResourceType:
    name: str
    endpoint: str
    schema: Schema
    extensions: tuple[Schema, ...] = ()

    def schema_for(self, urn: str) -> Schema | None:
        lowered = urn.lower()
        for candidate in (self.schema, *self.extensions):
            if candidate.id.lower() == lowered:
                return candidate
        return None

    def attribute(self, name: str) -> Attribute | None:
        """A core attribute or a common one (id, externalId, meta), matched case-insensitively."""
        found = self.schema.attribute(name)
        if found is None:
            lowered = name.lower()
            found = next((a for a in COMMON if a.name.lower() == lowered), None)
        return found

    def describe(self, names: tuple[str, ...]) -> tuple[str, bool]:
        """(type, caseExact) for a path of names; unknown paths are treated as case-insensitive strings."""
        attribute = self.attribute(names[0]) if names else None
        if attribute is None and names and ":" in names[0]:
            urn, _, rest = names[0].rpartition(":")
            extension = self.schema_for(urn)
            attribute = extension.attribute(rest) if extension else None
        for name in names[1:]:
            attribute = attribute.sub(name) if attribute else None
        if attribute is None:
            return "string", False
        return attribute.type, attribute.case_exact

    def document(self, location: str) -> dict[str, Any]:
        return {
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": self.name,
            "name": self.name,
            "endpoint": self.endpoint,
            "description": self.schema.description,
            "schema": self.schema.id,
            "schemaExtensions": [{"schema": e.id, "required": False} for e in self.extensions],
            "meta": {"resourceType": "ResourceType", "location": f"{location}/ResourceTypes/{self.name}"},
        }


USER_TYPE = ResourceType("User", "/Users", USER, (ENTERPRISE_USER,))
GROUP_TYPE = ResourceType("Group", "/Groups", GROUP)
RESOURCE_TYPES = {USER_TYPE.name: USER_TYPE, GROUP_TYPE.name: GROUP_TYPE}


def service_provider_config(location: str, documentation: str) -> dict[str, Any]:
    """What this server supports, stated exactly (RFC 7643 §5)."""
    return {
        "schemas": [SERVICE_PROVIDER_CONFIG_SCHEMA],
        "documentationUri": documentation,
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": True},
        "sort": {"supported": True},
        "etag": {"supported": True},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "Secret (Bearer) token",
                "description": "The Secret (Bearer) token from BlogIn's User Provisioning settings, "
                "sent as 'Authorization: Bearer <token>'.",
                "specUri": "https://www.rfc-editor.org/info/rfc6750",
                "documentationUri": documentation,
                "primary": True,
            }
        ],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": f"{location}/ServiceProviderConfig",
        },
    }
