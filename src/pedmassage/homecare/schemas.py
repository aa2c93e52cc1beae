"""Pydantic shapes for home programs: ``XCreate`` in, ``XPublic`` out.

Inputs are shaped loosely on purpose (strings and integers): the service checks each value against
the diary vocabulary and names the field and what is allowed, the same way on every edge.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pedmassage.homecare.routine import MAX_SESSIONS_PER_WEEK, MAX_WEEKS
from pedmassage.homecare.rules import MAX_LOG_MINUTES, Adherence, Problem, Response
from pedmassage.inbound import ITEM_KEYS, Code, Inbound, ItemKey, PersonName, Text
from pedmassage.planning.planner import MAX_REQUESTED_MINUTES
from pedmassage.sessions.schemas import SessionPublic

CareRole = Literal["therapist", "nurse", "physician", "child_life", "other"]


class CareTeamMemberCreate(Inbound):
    staff_name: PersonName = Field(description="As staff sign their notes.")
    role: CareRole = "therapist"


class CareTeamMemberPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    child_id: str
    staff_name: str
    role: str
    added_at: dt.datetime


class ParentPublic(BaseModel):
    """A parent linked to the child; the guardian id is what opens their home pages."""

    guardian_id: str
    name: str
    relationship: str
    home_page: str = Field(description="The parent's routine page (until login arrives).")


class CareTeamRosterPublic(BaseModel):
    """Who is on the child's care team and, for a member of it asking, the child's parents."""

    care_team: list[CareTeamMemberPublic]
    parents: list[ParentPublic]


class HomeProgramCreate(Inbound):
    """A home routine to prescribe; the planner fills in the steps from the screening."""

    screening_id: Text | None = Field(
        None,
        max_length=64,
        description="The child's latest screening (the default); a hold is refused.",
    )
    goals: list[Code] = Field(
        default=["relaxation"], min_length=1, max_length=10, description="sleep, pain, …"
    )
    minutes: int | None = Field(
        None,
        ge=1,
        le=MAX_REQUESTED_MINUTES,
        description="Shorten the routine to this many minutes.",
    )
    sessions_per_week: int | None = Field(
        None, ge=1, le=MAX_SESSIONS_PER_WEEK, description="Default: the protocol's dose."
    )
    weeks: int | None = Field(None, ge=1, le=MAX_WEEKS, description="Default: the protocol's dose.")


class HomeStep(BaseModel):
    site: str
    site_label: str
    technique: str
    pressure: int
    minutes: float
    plain_language: str


class HomeProgramPublic(BaseModel):
    id: str
    child_id: str
    version: int = Field(description="Sent back as ETag; the program's version.")
    screening_id: str
    status: str
    prescribed_by: str
    prescribed_at: dt.datetime
    started_on: dt.date
    ends_on: dt.date
    weeks: int
    sessions_per_week: int
    minutes: int
    timing: str
    goals: list[str]
    protocol_id: str
    protocol_version: str
    title: str
    position: str
    steps: list[HomeStep]
    touch_steps: list[str]
    avoid: list[str]
    stop_when: list[str]
    skip_if: list[str]
    precautions: list[str]
    notes: list[str]
    sources: list[str]
    ended_at: dt.datetime | None
    end_reason: str


class HomeLogCreate(Inbound):
    """One home session, as the parent remembers it."""

    session_date: dt.date = Field(description="The family's calendar date of the session.")
    minutes: int = Field(ge=1, le=MAX_LOG_MINUTES, description="1 to 60.")
    response: Text = Field(
        max_length=12, description="settled, relaxed, asleep, neutral, unsettled or refused."
    )
    problem: Text = Field(
        "none",
        max_length=24,
        description="none, pain_during_massage, skin_change, breathing_difficulty or other.",
    )
    note: Text = Field("", max_length=2000)


class HomeLogPublic(BaseModel):
    id: str
    program_id: str
    session_date: dt.date
    minutes: int
    response: str
    problem: str
    note: str
    logged_at: dt.datetime
    flag_id: str | None
    advice: str = Field(description="What the parent is told after logging this problem.")


class ParentMeasureCreate(Inbound):
    instrument: Text = Field(
        "psoc", max_length=40, description="A parent-report instrument; default PSOC."
    )
    items: dict[ItemKey, float] = Field(
        max_length=40, json_schema_extra=ITEM_KEYS, description='{"item_1": 4, …, "item_17": 5}'
    )


class ParentMeasurePublic(BaseModel):
    id: str
    child_id: str
    program_id: str | None
    instrument_id: str
    instrument_version: str
    total: float
    range: tuple[float, float]
    items: dict[str, float]
    taken_at: dt.datetime
    entered_by: str


class FlagAcknowledge(Inbound):
    action: Text = Field("", max_length=2000, description="What the therapist did or advised.")


class FlagPublic(BaseModel):
    id: str
    child_id: str
    child_name: str
    program_id: str
    log_id: str
    problem: str
    problem_label: str
    urgency: str
    session_date: dt.date
    note: str
    raised_at: dt.datetime
    acknowledged_by: str | None
    acknowledged_at: dt.datetime | None
    action: str


class HomeSummaryPublic(BaseModel):
    """A child's home program beside the hospital record: the routine, adherence, the diary."""

    child_id: str
    as_of: dt.date
    program: HomeProgramPublic | None
    adherence: Adherence | None
    recent_logs: list[HomeLogPublic]
    parent_measures: list[ParentMeasurePublic]
    open_flags: list[FlagPublic]


class DiaryLabels(BaseModel):
    """The diary's words for its codes, so an entry reads as the parent chose it."""

    responses: dict[str, str]
    problems: dict[str, str]


class ParentRoutinePublic(BaseModel):
    """All a parent's routine page shows: the routine, how it is going and the diary so far."""

    child_id: str
    child_name: str
    guardian_id: str
    as_of: dt.date
    program: HomeProgramPublic | None
    adherence: Adherence | None = Field(description="The same figures the care team sees.")
    recent_logs: list[HomeLogPublic] = Field(description="The latest entries, newest first.")
    just_logged: HomeLogPublic | None = Field(description="The entry the parent has just saved.")
    confidence_due: Literal["start", "end"] | None = Field(
        description="Whether the parent-confidence questionnaire is asked now, and which."
    )
    labels: DiaryLabels


class ParentDiaryFormPublic(BaseModel):
    """What a parent's diary form offers: the routine it logs against and the answers to pick."""

    child_name: str
    guardian_id: str
    program: HomeProgramPublic | None = Field(description="None: nothing to log against yet.")
    responses: list[Response]
    problems: list[Problem]
    max_minutes: int


class ConfidenceQuestion(BaseModel):
    """One statement of the questionnaire, by its item key, and the answers it takes."""

    key: str
    answers: list[int]


class ParentConfidenceFormPublic(BaseModel):
    """The parent-confidence questionnaire as the parent answers it, one question per item."""

    child_name: str
    guardian_id: str
    instrument_id: str
    questions: list[ConfidenceQuestion]


class HomeViewPublic(BaseModel):
    """A child's home program as one member of staff may see it.

    ``state`` is ``ask`` (no one named yet), ``denied`` (not on the care team) or ``shown``
    (``summary`` holds the routine, adherence, diary, parent measures and open flags).
    """

    child_id: str
    staff: str
    state: Literal["ask", "denied", "shown"]
    summary: HomeSummaryPublic | None


class ChildHomePublic(BaseModel):
    """The child's home program beside the hospital sessions, for the care team."""

    child_id: str
    child_name: str
    home: HomeViewPublic
    hospital_sessions: list[SessionPublic] = Field(
        description="Newest first; only when the home program is shown."
    )
    labels: DiaryLabels
