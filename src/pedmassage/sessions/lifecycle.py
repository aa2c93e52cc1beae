"""The session lifecycle as a state machine.

``draft`` (planned on a screening) → ``in_progress`` (consent confirmed, the child said yes, pre
measure taken) → ``completed`` or ``ended_early`` (a child's "no" or disengagement at any time ends
it) → ``signed`` (immutable). A signed session takes only addenda. Every other move is illegal and
raises :class:`IllegalTransitionError`, so no code path can, say, edit a signed note or complete a
session that never started.
"""

from __future__ import annotations

from typing import Literal

from pedmassage.errors import IllegalTransitionError

State = Literal["draft", "in_progress", "completed", "ended_early", "signed"]
Action = Literal["start", "complete", "end_early", "record_adverse_event", "sign", "amend"]

STATES: tuple[State, ...] = ("draft", "in_progress", "completed", "ended_early", "signed")

TRANSITIONS: dict[Action, dict[State, State]] = {
    "start": {"draft": "in_progress"},
    "complete": {"in_progress": "completed"},
    # A "no" at the very start ends a draft; a "no" or disengagement later ends the session.
    "end_early": {"draft": "ended_early", "in_progress": "ended_early"},
    "record_adverse_event": {
        "in_progress": "in_progress",
        "completed": "completed",
        "ended_early": "ended_early",
    },
    "sign": {"completed": "signed", "ended_early": "signed"},
    "amend": {"signed": "signed"},
}


def next_state(state: str, action: Action) -> State:
    """The state after ``action``, or :class:`IllegalTransitionError`."""
    moves = TRANSITIONS[action]
    if state not in moves:
        raise IllegalTransitionError(action, state, sorted(moves))
    return moves[state]
