"""The therapist's "Today" page: the children in care at their sites, in the order to see them.

The ward list answers "who is on the ward"; this page answers "whom do I still have to see, and
what will I find": each child's latest screening (while a session may still rest on it), the
readings it asks to take again, whether a session was already given today, and problems parents
logged at home that nobody has acknowledged yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from pedmassage.children.service import MAX_PAGE_SIZE, ChildListing, children_page, listing
from pedmassage.homecare.access import viewer_for
from pedmassage.homecare.public import flag_public
from pedmassage.homecare.schemas import FlagPublic
from pedmassage.homecare.service import open_flags
from pedmassage.http import ActorDep, allow
from pedmassage.http.idempotent import KeptAnswerRoute
from pedmassage.safety.contract import ScreeningResult, VerifyItem
from pedmassage.screenings.reliance import CLOCK_SKEW, VALID_FOR
from pedmassage.screenings.service import latest_screenings
from pedmassage.sessions.service import list_sessions
from pedmassage.web.deps import NowDep, PageDb
from pedmassage.web.rendering import render
from pedmassage.web.session_fields import STATE_LABELS

router = APIRouter(include_in_schema=False, route_class=KeptAnswerRoute)

#: The settings where a child is in the program's care today (home and clinic children are seen
#: through their home program and its flags instead).
IN_CARE_SETTINGS = ("hospital", "picu", "nicu")
#: A session in one of these states has been given: the child has been seen today.
GIVEN = frozenset({"completed", "signed", "ended_early"})
#: Still to see first, each group in ward and name order: a child not screened within the session
#: window (the screening is the first step at the bedside and gates everything else), then
#: "modify" (readings to take and changes to plan before touching), then "proceed"; a hold comes
#: last of those still to see, since no session may rest on it until the child is screened again
#: later; children already seen today go to the end, kept in view to confirm the round is done.
RANKS = {"unscreened": 0, "modify": 1, "proceed": 2, "hold": 3, "done": 4}


@dataclass(frozen=True)
class TodayRow:
    """One child on the Today page, with what the therapist needs before reaching the bed."""

    child: ChildListing
    decision: str | None  # None: no screening a session could rest on now
    screened_at: datetime | None  # of the latest screening, current or not
    verify: list[VerifyItem]
    session_state: str | None  # of today's latest session
    flags: list[FlagPublic]

    @property
    def done(self) -> bool:
        return self.session_state in GIVEN

    @property
    def rank(self) -> int:
        return RANKS["done" if self.done else (self.decision or "unscreened")]

    @property
    def session_label(self) -> str:
        return STATE_LABELS.get(self.session_state or "", "Not yet")


@router.get("/today", dependencies=[allow("child.list")])
def today_page(request: Request, db: PageDb, now: NowDep, actor: ActorDep) -> Response:
    """The children in care at the person's sites, those still to see first (see :data:`RANKS`).

    A screening counts only while a session may rest on it (the session window, with the clock
    tolerance a session planned now gets), so yesterday's "proceed" reads "not screened today".
    """
    pages = [
        children_page(db=db, setting=s, site_ids=actor.site_ids, limit=MAX_PAGE_SIZE, listing=True)
        for s in IN_CARE_SETTINGS
    ]
    children = [c for page in pages for c in page.items]
    latest = latest_screenings(db=db, child_ids=[c.id for c in children])
    staff_name = viewer_for(actor).staff_name or ""
    flags: dict[str, list[FlagPublic]] = {}
    for flag in open_flags(db=db, staff_name=staff_name, site_ids=actor.site_ids):
        flags.setdefault(flag.child_id, []).append(flag_public(flag))
    earliest = now - VALID_FOR["session"] - CLOCK_SKEW
    rows = []
    for child in children:
        screening = latest.get(child.id)
        current = screening is not None and earliest <= screening.assessed_at <= now + CLOCK_SKEW
        result = ScreeningResult.model_validate(screening.result) if screening else None
        today = [
            s
            for s in list_sessions(db=db, child_id=child.id)
            if (s.started_at or s.created_at).date() == now.date()
        ]
        rows.append(
            TodayRow(
                child=listing(child, now.date()),
                decision=result.decision if result and current else None,
                screened_at=screening.assessed_at if screening else None,
                verify=list(result.verify) if result and current else [],
                session_state=today[-1].status if today else None,
                flags=flags.get(child.id, []),
            )
        )
    rows.sort(key=lambda r: (r.rank, r.child.ward or "", r.child.display_name, r.child.id))
    return render(
        request,
        "today.html",
        {
            "to_see": [r for r in rows if not r.done],
            "seen": [r for r in rows if r.done],
            "cut": any(page.next_offset is not None for page in pages),
        },
    )
