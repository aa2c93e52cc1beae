"""The audit trail: every read and write of a child's data, every login and refusal, appended to a
hash-chained log that the database itself refuses to change."""
