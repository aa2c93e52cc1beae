"""FHIR R4 in and out: a child's record read from, and written to, an EHR's resources."""
