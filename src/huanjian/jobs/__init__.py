"""Background work: durable queued and scheduled jobs with history."""
