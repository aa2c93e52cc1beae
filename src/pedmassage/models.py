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
from pedmassage.sessions.models import (
    Addendum,
    AdverseEvent,
    Screening,
    SessionMeasure,
    SessionRecord,
)

__all__ = [
    "Addendum",
    "AdverseEvent",
    "Base",
    "Child",
    "ChildCondition",
    "ChildDevice",
    "ChildMedication",
    "ChildProcedure",
    "Guardian",
    "Observation",
    "Screening",
    "SessionMeasure",
    "SessionRecord",
    "SkinFindingRecord",
]
