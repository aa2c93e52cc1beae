"""What a session delivered and how the child responded, checked as it is recorded.

What was delivered may never exceed what the screening allowed: the check is the screening's own
(:func:`pedmassage.safety.allowance.check_delivery`), the same one the forms and the planner use.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from pedmassage.errors import ValidationError
from pedmassage.inbound import CLOCK_SKEW_MINUTES, not_future
from pedmassage.safety.allowance import check_delivery
from pedmassage.safety.contract import ScreeningResult
from pedmassage.sessions.cues import cue_codes
from pedmassage.sessions.models import SessionRecord
from pedmassage.sessions.schemas import MeasureIn


def measured_by(measure: MeasureIn | None, timepoint: str, now: datetime) -> None:
    """A measure that states its own time (``pre.taken_at``, ``post.taken_at``) was taken by
    ``now``; one without takes the session's start or end, which are checked themselves."""
    if measure is not None and measure.taken_at is not None:
        not_future(measure.taken_at, f"{timepoint}.taken_at", now)


def finish(record: SessionRecord, ended_at: datetime, minutes: int) -> None:
    """The end time: after the start, and with no more minutes given than have passed."""
    if record.started_at is not None and ended_at < record.started_at:
        raise ValidationError(
            "ended_at", ended_at.isoformat(), f"after the start at {record.started_at.isoformat()}"
        )
    if record.started_at is not None:
        elapsed = math.ceil((ended_at - record.started_at).total_seconds() / 60)
        if minutes > elapsed + CLOCK_SKEW_MINUTES:
            allowed = elapsed + CLOCK_SKEW_MINUTES
            raise ValidationError("minutes", minutes, f"0 to {allowed} (the time since the start)")
    record.ended_at = ended_at


def deliver(
    record: SessionRecord,
    regions: Sequence[str],
    pressure: int,
    minutes: int,
    technique: str,
    *,
    partial: bool = False,
) -> None:
    """Record what was delivered, refused where it exceeds what the screening allowed."""
    mods = ScreeningResult.model_validate(record.screening.result).modifications
    check_delivery(mods, regions, pressure, minutes, partial=partial)
    record.regions, record.pressure, record.minutes = list(regions), pressure, minutes
    record.technique = technique


def close(
    record: SessionRecord,
    heart_rate: int | None,
    spo2: int | None,
    cues: Sequence[str],
    response: str,
    note: str,
) -> None:
    """Monitoring after the session, the cues seen and the child's response in words."""
    known = {**cue_codes()["engagement"], **cue_codes()["disengagement"]}
    for i, cue in enumerate(cues):
        if cue not in known:
            raise ValidationError(f"cues[{i}]", cue, "one of: " + ", ".join(sorted(known)))
    record.heart_rate_post, record.spo2_post = heart_rate, spo2
    record.cues, record.response, record.note = list(cues), response, note


def session_end(started_at: datetime, minutes: int) -> datetime:
    """When a session documented at once ended: its start plus the minutes given."""
    return started_at + timedelta(minutes=minutes)
