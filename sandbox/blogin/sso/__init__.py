"""BlogIn's SAML single sign-on: configuration, metadata, the assertion consumer service and JIT provisioning."""
