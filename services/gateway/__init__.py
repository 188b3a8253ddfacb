"""The gateway: identity, sessions and roles, the public REST API v1; the only part facing users."""
