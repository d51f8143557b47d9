"""The SAML tracer: every captured AuthnRequest, Response and LogoutRequest, decoded and explained."""
