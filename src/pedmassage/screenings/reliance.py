"""May this care rest on this screening, at this time? The one answer, used by every edge.

A screening describes the child when it was made: labs, lines, skin and the child's state change,
so care may rest on it only for a while, only if nothing newer says otherwise, and never on a hold.
Sessions (documented at once or step by step, in the API, the web app or the CLI) and home programs
ask :func:`screening_for_care`; nothing else restates these rules.

The windows are program policy with conservative defaults: a session within 12 hours of its
screening; a home program, which a parent gives over weeks with its own stop rules, prescribed
within 7 days of it. A session planned "now" tolerates :data:`CLOCK_SKEW` at both ends of its
window, since the screening's time may come from a tablet whose clock differs from the server's by
a few minutes (the same tolerance :func:`pedmassage.inbound.not_future` gives every stated time); a
time stated for a session (its start) and a home program get no tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from pedmassage.errors import ConflictError, NotFoundError, ValidationError
from pedmassage.inbound import CLOCK_SKEW as CLOCK_SKEW
from pedmassage.screenings.models import Screening

CareKind = Literal["session", "home_program"]

SESSION_VALID_HOURS = 12
HOME_PROGRAM_VALID_DAYS = 7
VALID_FOR: dict[CareKind, timedelta] = {
    "session": timedelta(hours=SESSION_VALID_HOURS),
    "home_program": timedelta(days=HOME_PROGRAM_VALID_DAYS),
}
WINDOW_WORDS: dict[CareKind, str] = {
    "session": f"{SESSION_VALID_HOURS} h",
    "home_program": f"{HOME_PROGRAM_VALID_DAYS} days",
}
CARE_WORDS: dict[CareKind, str] = {"session": "session", "home_program": "home program"}


@dataclass(frozen=True)
class Care:
    """Care that must rest on a screening: a session starting at ``at``, or a home program
    prescribed at ``at``. ``at_field`` names the input ``at`` came from, when it was stated (the
    refusal then names it); when ``at`` is simply now, the screening is what must change."""

    kind: CareKind
    at: datetime
    at_field: str | None = None

    @classmethod
    def session(cls, at: datetime, at_field: str | None = None) -> Care:
        return cls("session", at, at_field)

    @classmethod
    def home_program(cls, at: datetime) -> Care:
        return cls("home_program", at)


def screening_for_care(
    *, db: Session, child_id: str, care: Care, screening_id: str | None = None
) -> Screening:
    """The screening ``care`` rests on: the one named, or else the child's latest.

    Refused when the named screening is another child's, when it holds, when ``care`` falls
    outside its window, or when a newer screening of the child replaces it.
    """
    lookahead = CLOCK_SKEW if care.kind == "session" else timedelta(0)
    latest = latest_screening_before(db=db, child_id=child_id, moment=care.at + lookahead)
    screening = latest if screening_id is None else db.get(Screening, screening_id)
    if screening is None and screening_id is not None:
        raise NotFoundError("screening", screening_id)
    if screening is None:
        raise ConflictError(
            f"The child has not been screened: screen before prescribing a "
            f"{CARE_WORDS[care.kind]}.",
            field="screening_id",
        )
    if screening.child_id != child_id:
        raise ValidationError("screening_id", screening_id, "a screening of this child")
    refuse_hold(screening, care.kind)
    _within_window(screening, care)
    if latest is not None and latest.id != screening.id:
        raise _superseded(screening, latest, care.kind)
    return screening


def refuse_hold(screening: Screening, kind: CareKind = "session") -> None:
    """No care of any kind rests on a hold: the reasons must be cleared and the child screened
    again. Asked on its own before a session form is even shown."""
    if screening.decision == "hold":
        reasons = screening.result.get("reasons", [])
        why = "; ".join(str(r["message"]) for r in reasons if r.get("decision") == "hold")
        raise ConflictError(
            f"The screening says hold: no {CARE_WORDS[kind]} may start on it"
            + (f" ({why})." if why else "."),
            field="screening_id",
        )


def latest_screening_before(
    *, db: Session, child_id: str, moment: datetime | None
) -> Screening | None:
    """The child's most recent screening made at or before ``moment`` (``None``: ever)."""
    query = select(Screening).where(Screening.child_id == child_id)
    if moment is not None:
        query = query.where(Screening.assessed_at <= moment)
    order = (Screening.assessed_at.desc(), Screening.id.desc())
    return db.scalars(query.order_by(*order).limit(1)).first()


def _within_window(screening: Screening, care: Care) -> None:
    planned_now = care.kind == "session" and care.at_field is None
    tolerance = CLOCK_SKEW if planned_now else timedelta(0)
    start = screening.assessed_at - tolerance
    end = screening.assessed_at + VALID_FOR[care.kind] + tolerance
    if start <= care.at <= end:
        return
    window = f"within {WINDOW_WORDS[care.kind]} after the screening"
    if care.at_field is not None:
        allowed = f"{window} at {screening.assessed_at.isoformat()}; screen again"
        raise ValidationError(care.at_field, care.at.isoformat(), allowed)
    allowed = f"a screening from the last {WINDOW_WORDS[care.kind]}; screen again"
    raise ValidationError("screening_id", screening.id, allowed)


def _superseded(screening: Screening, latest: Screening, kind: CareKind) -> Exception:
    """A session names its screening at the bedside, so a newer one is a change of state (409);
    a home program names one only to confirm the default, so another id is a bad input (422)."""
    if kind == "home_program":
        return ValidationError("screening_id", screening.id, f"the latest screening ({latest.id})")
    return ConflictError(
        f"A newer screening ({latest.assessed_at.isoformat()}, {latest.decision}) replaces "
        "this one: a session rests on the child's latest screening.",
        field="screening_id",
    )
