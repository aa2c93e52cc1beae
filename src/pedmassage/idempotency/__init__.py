"""Idempotent creation: a retried request with the same ``Idempotency-Key`` stores nothing twice."""
