"""The sessions package's use cases in one place: screening (``screening.py``) and session records
with their lifecycle (``records.py``). Adapters import this module."""

from pedmassage.sessions.records import (
    add_addendum,
    add_adverse_event,
    complete_session,
    create_draft,
    cue_codes,
    end_session_early,
    get_session,
    list_sessions,
    record_session,
    session_public,
    sign_session,
    start_session,
)
from pedmassage.sessions.screening import (
    SCREENING_VALID_HOURS,
    CensusRow,
    census,
    get_screening,
    latest_screening,
    plan_from_screening,
    screen_child,
    screening_input,
    screening_public,
    suitable_pain_instruments,
)

__all__ = [
    "SCREENING_VALID_HOURS",
    "CensusRow",
    "add_addendum",
    "add_adverse_event",
    "census",
    "complete_session",
    "create_draft",
    "cue_codes",
    "end_session_early",
    "get_screening",
    "get_session",
    "latest_screening",
    "list_sessions",
    "plan_from_screening",
    "record_session",
    "screen_child",
    "screening_input",
    "screening_public",
    "session_public",
    "sign_session",
    "start_session",
    "suitable_pain_instruments",
]
