"""People, roles, per-person permissions, sessions and API tokens."""
