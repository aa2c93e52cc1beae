"""Request-scoped dependencies of the API: one unit of work per request, and the clock."""

from __future__ import annotations

from pedmassage.http import NowDep, SessionDep

__all__ = ["NowDep", "SessionDep"]
