"""Plumbing the domain services stand on: who is calling (principal), the audit trail, the
event outbox, optimistic versioning, idempotent retries, throttles, SSRF guards, health."""
