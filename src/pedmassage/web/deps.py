"""Dependencies of the pages: the API's unit of work, which commits before the response is sent,
so a redirect after a form post always finds what was just stored."""

from __future__ import annotations

from pedmassage.api.deps import NowDep, SessionDep

PageDb = SessionDep

__all__ = ["NowDep", "PageDb"]
