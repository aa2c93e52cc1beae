"""Pydantic shapes for screenings (``ScreeningCreate`` in, ``ScreeningPublic`` out)."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, Field

from pedmassage.children.schemas import ChildPublic
from pedmassage.inbound import Code, Inbound, PersonName
from pedmassage.planning.planner import MAX_REQUESTED_MINUTES
from pedmassage.safety.contract import Isolation, RespiratorySupport, ScreeningResult, Setting


class ScreeningCreate(Inbound):
    """What the therapist states at the bedside; everything else comes from the child's record."""

    therapist: PersonName = Field(description="Who screens.")
    assessed_at: AwareDatetime | None = Field(None, description="Defaults to now.")
    setting: Setting | None = Field(None, description="Defaults to the child's setting.")
    guardian_consent: bool | None = Field(
        None, description="Guardian permission confirmed for this session; null = not recorded."
    )
    child_assent: bool | None = Field(
        None, description="The child's own yes/no, asked now; null = not developmentally able."
    )
    self_consent: bool | None = Field(
        None,
        description=(
            "A young person's own informed consent, where the program policy accepts it; "
            "null = not recorded."
        ),
    )
    respiratory_support: RespiratorySupport = "none"
    respiratory_support_long_term: bool = Field(
        False,
        description="The child's usual long-term support (home ventilation), stable on it.",
    )
    isolation: Isolation = "none"


class PlanCreate(Inbound):
    """Ask for a plan on a screening: the goals, and the minutes if not the protocol's own."""

    goals: list[Code] = Field(
        default=["relaxation"], max_length=10, description="pain, anxiety, sleep, …"
    )
    minutes: int | None = Field(None, ge=1, le=MAX_REQUESTED_MINUTES)


class ScreenedChildPublic(BaseModel):
    """A child with the decision of their latest screening, for a ward list."""

    child: ChildPublic
    decision: str | None
    screened_at: datetime | None


class ScreeningPublic(BaseModel):
    id: str
    child_id: str
    assessed_at: datetime
    actor: str
    result: ScreeningResult
