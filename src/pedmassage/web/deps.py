"""Dependencies of the pages: one unit of work per request, which commits before the response is
sent, so a redirect after a form post always finds what was just stored."""

from __future__ import annotations

from pedmassage.http import NowDep, SessionDep

PageDb = SessionDep

__all__ = ["NowDep", "PageDb"]
