"""The home diary's vocabulary (``diary.yaml``) and the adherence rule: pure, no database.

Adherence compares the sessions a parent logged with the sessions prescribed for the days that
have passed (:func:`adherence`):

- The period starts on the program's first day and ends at the earliest of ``as_of``, the
  program's last planned day and the day before it was ended (a replaced program owes nothing
  from the day its successor starts).
- A day counts once it is over, or as soon as a session is logged on it: the evening massage of
  ``as_of`` is not owed yet in the morning.
- Sessions due = ⌊sessions per week × days counted ÷ 7⌋, so a partial week owes only the whole
  sessions its days add up to (3 a week over 3 days owes 1).
- Logged sessions are those dated inside the counted days; ``fraction`` = logged ÷ due, capped at
  1 (extra sessions never hide missed ones elsewhere), and ``None`` while nothing is due yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import cache
from importlib.resources import files
from typing import Literal, Protocol

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field

from pedmassage.errors import KnowledgeDataError, ValidationError


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Response(_Data):
    id: str
    label: str
    description: str
    source: str


class Problem(_Data):
    id: str
    label: str
    flag: bool
    urgency: Literal["none", "review", "urgent"]
    advice: str
    source: str


class Sign(_Data):
    id: str
    text: str
    source: str
    stages: list[str] = Field(
        default_factory=list, description="Only for these developmental stages; empty = all."
    )

    def applies_to(self, stage: str) -> bool:
        return not self.stages or stage in self.stages


class Diary(_Data):
    version: str
    responses: list[Response] = Field(min_length=1)
    problems: list[Problem] = Field(min_length=1)
    stop_when: list[Sign] = Field(min_length=1)
    skip_if: list[Sign] = []
    always_avoid: list[Sign] = []

    def response_ids(self) -> list[str]:
        return [r.id for r in self.responses]

    def problem_ids(self) -> list[str]:
        return [p.id for p in self.problems]

    def problem(self, problem_id: str) -> Problem:
        return next(p for p in self.problems if p.id == problem_id)

    def response(self, response_id: str) -> Response:
        return next(r for r in self.responses if r.id == response_id)


@cache
def diary() -> Diary:
    """The diary vocabulary, validated once."""
    text = files("pedmassage.homecare").joinpath("diary.yaml").read_text(encoding="utf-8")
    try:
        loaded = Diary.model_validate(yaml.safe_load(text))
    except pydantic.ValidationError as exc:
        raise KnowledgeDataError(f"homecare/diary.yaml: {exc}") from exc
    if "none" not in loaded.problem_ids() or loaded.problem("none").flag:
        raise KnowledgeDataError("homecare/diary.yaml: needs a problem 'none' that raises no flag")
    return loaded


class ProgramTerms(Protocol):
    """What adherence needs to know about a program (a stored program satisfies it)."""

    @property
    def started_on(self) -> date: ...
    @property
    def ends_on(self) -> date: ...
    @property
    def sessions_per_week(self) -> int: ...
    @property
    def ended_on(self) -> date | None: ...


class LoggedSession(Protocol):
    @property
    def session_date(self) -> date: ...
    @property
    def minutes(self) -> int: ...


class Adherence(BaseModel):
    """Logged home sessions against those prescribed for the days counted so far."""

    model_config = ConfigDict(frozen=True)

    as_of: date
    first_day: date
    last_day: date | None = Field(description="The last day counted; None before the first.")
    days_counted: int
    days_planned: int
    sessions_due: int
    sessions_logged: int
    minutes_logged: int
    fraction: float | None = Field(description="logged ÷ due, at most 1; None when none is due.")

    @property
    def percent(self) -> int | None:
        return None if self.fraction is None else round(self.fraction * 100)


def adherence(program: ProgramTerms, logs: Iterable[LoggedSession], as_of: date) -> Adherence:
    """Adherence of ``logs`` to ``program`` as of ``as_of`` (see the module docstring)."""
    logged = list(logs)
    last = _last_counted_day(program, {log.session_date for log in logged}, as_of)
    days = 0 if last is None else (last - program.started_on).days + 1
    inside = [log for log in logged if _within(log.session_date, program.started_on, last)]
    due = program.sessions_per_week * days // 7
    return Adherence(
        as_of=as_of,
        first_day=program.started_on,
        last_day=last,
        days_counted=days,
        days_planned=(program.ends_on - program.started_on).days + 1,
        sessions_due=due,
        sessions_logged=len(inside),
        minutes_logged=sum(log.minutes for log in inside),
        fraction=None if due == 0 else min(len(inside) / due, 1.0),
    )


def _within(day: date, first: date, last: date | None) -> bool:
    return last is not None and first <= day <= last


def _last_counted_day(program: ProgramTerms, logged_days: set[date], as_of: date) -> date | None:
    today_counts = as_of in logged_days
    last = as_of if today_counts else as_of - timedelta(days=1)
    last = min(last, program.ends_on)
    if program.ended_on is not None:
        last = min(last, program.ended_on - timedelta(days=1))
    return last if last >= program.started_on else None


PSOC_AGAIN_DAYS_BEFORE_END = 6
"""Parent confidence is asked at the start and again in the routine's last week
(clinical-reference.md 5.3: PSOC at baseline and end)."""


class TakenMeasure(Protocol):
    @property
    def program_id(self) -> str | None: ...
    @property
    def taken_at(self) -> datetime: ...


def confidence_due(
    *, program_id: str, ends_on: date, measures: Iterable[TakenMeasure], as_of: date
) -> Literal["start", "end"] | None:
    """``"start"`` before the routine's first parent-confidence measure, ``"end"`` in its last
    week when only the first was given, else None."""
    taken = [m for m in measures if m.program_id == program_id]
    if not taken:
        return "start"
    final_week = ends_on - timedelta(days=PSOC_AGAIN_DAYS_BEFORE_END)
    if len(taken) == 1 and as_of >= final_week and taken[0].taken_at.date() < final_week:
        return "end"
    return None


MAX_LOG_MINUTES = 60
LATEST_TIME_ZONE_HOURS = 14
"""Dates are the family's calendar date: a date is in the future only once it is later than
today in every time zone (UTC+14 is the earliest)."""


def log_errors(
    *,
    started_on: date,
    session_date: date | None,
    minutes: int | None,
    response: str,
    problem: str,
    note: str,
    now: datetime,
) -> list[ValidationError]:
    """Every reason a diary entry cannot be right, each naming its field and what is allowed.

    A date or minutes of None is a box the form could not read as one; the form names that
    mistake itself, and the other fields are still checked so the parent sees every mistake."""
    book = diary()
    errors: list[ValidationError] = []
    if response not in book.response_ids():
        errors.append(
            ValidationError("response", response, "one of: " + ", ".join(book.response_ids()))
        )
    if problem not in book.problem_ids():
        errors.append(
            ValidationError("problem", problem, "one of: " + ", ".join(book.problem_ids()))
        )
    if minutes is not None and not 1 <= minutes <= MAX_LOG_MINUTES:
        errors.append(ValidationError("minutes", minutes, f"1 to {MAX_LOG_MINUTES} minutes"))
    if session_date is not None:
        errors += _date_errors(started_on, session_date, now)
    if problem == "other" and not note.strip():
        errors.append(
            ValidationError(
                "note", note, "a few words on what happened when the problem is 'other'"
            )
        )
    return errors


def _date_errors(started_on: date, session_date: date, now: datetime) -> list[ValidationError]:
    latest = (now + timedelta(hours=LATEST_TIME_ZONE_HOURS)).date()
    if session_date > latest:
        return [ValidationError("session_date", session_date.isoformat(), "not in the future")]
    if session_date < started_on:
        allowed = f"on or after {started_on.isoformat()}, when the home program started"
        return [ValidationError("session_date", session_date.isoformat(), allowed)]
    return []


def check_log(
    *,
    started_on: date,
    session_date: date,
    minutes: int,
    response: str,
    problem: str,
    note: str,
    now: datetime,
) -> None:
    """Refuse a diary entry that cannot be right, naming the first field that is wrong."""
    errors = log_errors(
        started_on=started_on,
        session_date=session_date,
        minutes=minutes,
        response=response,
        problem=problem,
        note=note,
        now=now,
    )
    if errors:
        raise errors[0]
