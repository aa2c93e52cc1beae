"""The sessions package's use cases in one place, for the edges: session records step by step
(``records.py``), documented at once (``documentation.py``), and the pain scales that fit a child
(``measures.py``). Screenings have their own package, :mod:`pedmassage.screenings`."""

from pedmassage.sessions.cues import cue_codes, cues_for_stage
from pedmassage.sessions.documentation import record_session
from pedmassage.sessions.measures import suitable_pain_instruments
from pedmassage.sessions.records import (
    add_addendum,
    add_adverse_event,
    complete_session,
    create_draft,
    end_session_early,
    get_session,
    list_sessions,
    session_ids_starting,
    session_public,
    sign_session,
    start_session,
)
from pedmassage.sessions.verification import Witness

__all__ = [
    "Witness",
    "add_addendum",
    "add_adverse_event",
    "complete_session",
    "create_draft",
    "cue_codes",
    "cues_for_stage",
    "end_session_early",
    "get_session",
    "list_sessions",
    "record_session",
    "session_ids_starting",
    "session_public",
    "sign_session",
    "start_session",
    "suitable_pain_instruments",
]
