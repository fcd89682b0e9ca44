"""The running server's moving parts: intake threads, the inbox workers that answer, and
the delivery of outbox rows."""
