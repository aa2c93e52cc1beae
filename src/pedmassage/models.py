"""Every table, imported in one place so Alembic and tests see the whole schema."""

from pedmassage.children.models import (
    Child,
    ChildCondition,
    ChildDevice,
    ChildMedication,
    ChildProcedure,
    Guardian,
    Observation,
    SkinFindingRecord,
)
from pedmassage.db import Base
from pedmassage.homecare.models import (
    CareTeamMember,
    HomeFlag,
    HomeProgram,
    HomeSessionLog,
    ParentMeasure,
)
from pedmassage.screenings.models import Screening
from pedmassage.sessions.models import (
    Addendum,
    AdverseEvent,
    SessionMeasure,
    SessionRecord,
)

__all__ = [
    "Addendum",
    "AdverseEvent",
    "Base",
    "CareTeamMember",
    "Child",
    "ChildCondition",
    "ChildDevice",
    "ChildMedication",
    "ChildProcedure",
    "Guardian",
    "HomeFlag",
    "HomeProgram",
    "HomeSessionLog",
    "Observation",
    "ParentMeasure",
    "Screening",
    "SessionMeasure",
    "SessionRecord",
    "SkinFindingRecord",
]
