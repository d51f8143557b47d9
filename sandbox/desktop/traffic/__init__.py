"""SCIM traffic: every request and response between the systems, with bodies and links to events."""
