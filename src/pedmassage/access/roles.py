"""The roles a user may have. Each user has exactly one; what it allows is ``policy.py``."""

from __future__ import annotations

from typing import Literal, get_args

Role = Literal["administrator", "program_lead", "therapist", "physician", "guardian", "researcher"]
ROLES: tuple[str, ...] = get_args(Role)
STAFF_ROLES: frozenset[str] = frozenset({"program_lead", "therapist", "physician"})
"""Roles that work with a site's children (and so belong to one or more sites)."""
OPERATOR = "operator"
"""The person at the machine's command line: audited as such, not a user of the app."""
