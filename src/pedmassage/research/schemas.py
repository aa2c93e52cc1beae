"""Shapes in and out of the study service: registration and amendments, enrolment, withdrawal
and the trial's outcome measures. No shape carries the allocation seed or an assignment not yet
made."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from pedmassage.inbound import ITEM_KEYS, Inbound, ItemKey, Text
from pedmassage.research.protocol import Protocol

StudyCode = Annotated[
    str, Field(min_length=2, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
]
"""A study's code, as used in paths and file names (the pattern leaves no room for NUL)."""
Decision = Literal["enrol", "declined", "other"]
Consent = Literal["guardian", "self"]
Assent = Literal["given", "not_able", "not_applicable"]


class StudyCreate(Inbound):
    """A new study: its short code (used in paths and file names) and its protocol."""

    code: StudyCode
    protocol: Protocol


class StudyChange(Inbound):
    """A new version of the protocol; after the first enrolment it is an amendment and needs a
    reason, and the arms, strata, randomization and primary outcome may no longer change."""

    protocol: Protocol
    reason: Text = Field("", max_length=2000)


class AssessmentIn(Inbound):
    """A child assessed for the study and what followed. ``enrol`` randomizes the child at once
    when they are eligible and consent is recorded; ``declined`` and ``other`` record why an
    eligible child was not enrolled (CONSORT counts both)."""

    decision: Decision
    consent: Consent | None = Field(
        None, description="Who gave permission to take part (needed to enrol)."
    )
    assent: Assent | None = Field(
        None,
        description="The child's own agreement: given, not able (infant, not verbal), or not "
        "applicable (the child consented). A child who says no is 'declined'.",
    )
    reason: Text = Field("", max_length=500, description="Why not enrolled (declined, other).")


class WithdrawalIn(Inbound):
    reason: Text = Field(min_length=3, max_length=500)


class StudyMeasureIn(Inbound):
    """An outcome measure for the trial: day 0 is baseline, before the first session."""

    instrument: Text = Field(min_length=1, max_length=40)
    day: int = Field(ge=0, le=365, description="0 (baseline) or an outcome's day.")
    items: dict[ItemKey, float] = Field(
        max_length=40, json_schema_extra=ITEM_KEYS, description='Single-item scales: {"score": N}.'
    )
    taken_at: AwareDatetime | None = Field(None, description="Defaults to now.")


class VersionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    amendment: bool
    reason: str
    changes: list[str]
    changed_by: str
    changed_at: datetime


class StudyPublic(BaseModel):
    """A study as the team sees it: its protocol, versions and how far enrolment has got."""

    id: str
    code: str
    title: str
    status: str
    version: int
    protocol: Protocol
    blocks_concealed: bool = Field(
        description="Block sizes are shown only to the program lead: knowing them lets the last "
        "assignment of a block be guessed."
    )
    site_names: dict[str, str]
    registered_by: str
    registered_at: datetime
    first_enrolled_at: datetime | None
    enrolled: int
    versions: list[VersionPublic]


class AssessmentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    child_id: str
    eligible: bool
    unmet: list[str]
    outcome: str
    reason: str
    assessed_at: datetime
    assessed_by: str


class StudyMeasurePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    instrument_id: str
    day: int
    score: float
    measured_at: datetime
    measured_by: str


class EnrolmentPublic(BaseModel):
    """A randomized child's enrolment: the arm is shown only once this record exists."""

    id: str
    study_code: str
    child_id: str
    number: int
    stratum: str
    arm: str
    arm_label: str
    arm_kind: str
    enrolled_at: datetime
    enrolled_by: str
    protocol_version: int
    consent: str
    assent: str
    withdrawn_at: datetime | None
    withdrawal_reason: str
    measures: list[StudyMeasurePublic]
    due: list[str] = Field(description="Outcome measures still to take, with their window.")


class AssessmentResult(BaseModel):
    """What an assessment produced: the assessment, and the enrolment when the child was
    randomized."""

    assessment: AssessmentPublic
    enrolment: EnrolmentPublic | None


class AnalysisPublic(BaseModel):
    """One analysis of the primary outcome: the adjusted mean difference, massage minus control,
    with its CI, or why it could not be run yet."""

    name: str
    population: str
    n: int
    not_run: str = ""
    arm: str | None = None
    reference_arm: str | None = None
    estimate: float | None = None
    se: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    level: float | None = None
    p: float | None = None
    df: int | None = None
    n_per_arm: dict[str, int] = Field(default_factory=dict)
    model: str = ""


class ConsortRowPublic(BaseModel):
    stage: str
    arm: str
    item: str
    reason: str
    n: int


class BalanceRowPublic(BaseModel):
    characteristic: str
    cells: list[str]


class StudyResultsPublic(BaseModel):
    """A study's results from its records as of a day: the CONSORT flow (as the diagram's rows
    and in words), the baseline table and the two analyses."""

    code: str
    title: str
    outcome: str
    as_of: str
    arm_labels: list[str]
    consort: list[ConsortRowPublic]
    consort_in_words: str
    balance: list[BalanceRowPublic]
    itt: AnalysisPublic
    per_protocol: AnalysisPublic
