"""One demo massage session, given as a therapist would: the plan on the screening, the pressure
it allows, a pain score before and after on the scale that suits the child, recorded through the
same service as real sessions. Shared by the roster's months and the demo trial."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from pedmassage.children.models import Child
from pedmassage.demo.scores import items_for
from pedmassage.safety.contract import VerifyItem
from pedmassage.screenings import service as screenings
from pedmassage.sessions import service as sessions
from pedmassage.sessions.models import SessionRecord
from pedmassage.sessions.schemas import MeasureIn, SessionCreate, VerifiedReading

RESPONSES = (
    "settled",
    "relaxed, eyes closed",
    "asked for more back",
    "fell asleep",
    "chatty, then calm",
)


def give_session(
    db: Session,
    *,
    child: Child,
    screening_id: str,
    goals: Sequence[str],
    therapist: str,
    when: datetime,
    guardian: str,
    assent: bool | None,
    pre_level: float,
    post_level: float,
    rng: random.Random,
) -> SessionRecord:
    """Record one session that starts five minutes after ``when`` and is documented ten minutes
    after it ended, as a session documented at once must have ended (a plan of up to an hour
    would otherwise end after an "hour later"); ``pre_level`` and ``post_level`` (0 to 1) place
    the pain scores on the chosen scale's range."""
    from pedmassage.measures import instrument

    plan = screenings.plan_from_screening(db=db, screening_id=screening_id, goals=goals)
    pressure = max((r.pressure for r in plan.regions), default=0)
    # One pressure is documented per session: gentle-only regions are left out when it is above 1.
    regions = [r.site for r in plan.regions if pressure <= 1 or r.pressure > 1]
    tool = instrument(sessions.suitable_pain_instruments(child, when)[0])
    started, minutes = when + timedelta(minutes=5), max(1, int(plan.total_minutes))
    asked = screenings.screening_public(screenings.get_screening(db=db, screening_id=screening_id))
    return sessions.record_session(
        db=db,
        child_id=child.id,
        now=started + timedelta(minutes=minutes + 10),
        goals=goals,
        data=SessionCreate(
            screening_id=screening_id,
            therapist=therapist,
            started_at=started,
            minutes=minutes,
            pressure=pressure,
            regions=regions,
            technique=plan.regions[0].technique if plan.regions else "still hold",
            guardian_consent_by=f"{guardian}, in person",
            child_assent=assent,
            verified=verified_at_bedside(asked.result.verify),
            pre=MeasureIn(instrument=tool.id, items=items_for(tool, pre_level, rng)),
            post=MeasureIn(instrument=tool.id, items=items_for(tool, post_level, rng)),
            response=rng.choice(RESPONSES),
            cues=rng.sample(("relaxed", "eye_contact", "smiling", "asks_for_more"), 2),
        ),
    )


def verified_at_bedside(items: Sequence[VerifyItem]) -> dict[str, VerifiedReading]:
    """The readings a demo screening asked for, as a therapist would answer them: taken again
    (reading what the record last said), or, with nothing on record, gone without for a reason."""
    return {
        item.code: VerifiedReading(value=item.last_value)
        if item.last_value is not None
        else VerifiedReading(override_reason="Demo: not measured; the nurse reviewed the chart.")
        for item in items
    }
