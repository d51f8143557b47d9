"""SAML 2.0 for both systems: keys and certificates, pysaml2 wrappers, metadata, message capture."""
