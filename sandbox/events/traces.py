"""Kinds of captured traffic carried on the bus next to ordinary events."""

EVENT = "event"
SAML = "saml"
SCIM = "scim"

KINDS = (EVENT, SAML, SCIM)
