"""The flow diagram: the current SSO login or provisioning run as a live sequence diagram."""
