"""SCIM 2.0 (RFC 7643/7644): wire models, filters, PATCH, error bodies, and the HTTP client."""
