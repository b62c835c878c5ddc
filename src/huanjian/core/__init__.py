"""Cross-cutting infrastructure: settings, time, database, request context."""
