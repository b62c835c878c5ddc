"""Audit trail (留痕溯源): append-only, hash-chained, head signed with HMAC."""
