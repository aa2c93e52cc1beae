"""Every table, imported in one place so Alembic and tests see the whole schema."""

from pedmassage.access.models import (
    ApiToken,
    GuardianLink,
    LoginFailure,
    LoginSession,
    User,
    UserSite,
)
from pedmassage.audit.models import AuditEntry
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
from pedmassage.idempotency.models import IdempotencyKey
from pedmassage.research.models import (
    Enrolment,
    Study,
    StudyAssessment,
    StudyMeasure,
    StudyVersion,
)
from pedmassage.screenings.models import Screening
from pedmassage.sessions.models import (
    Addendum,
    AdverseEvent,
    SessionMeasure,
    SessionRecord,
)
from pedmassage.sites.models import Site

__all__ = [
    "Addendum",
    "AdverseEvent",
    "ApiToken",
    "AuditEntry",
    "Base",
    "CareTeamMember",
    "Child",
    "ChildCondition",
    "ChildDevice",
    "ChildMedication",
    "ChildProcedure",
    "Enrolment",
    "Guardian",
    "GuardianLink",
    "HomeFlag",
    "HomeProgram",
    "HomeSessionLog",
    "IdempotencyKey",
    "LoginFailure",
    "LoginSession",
    "Observation",
    "ParentMeasure",
    "Screening",
    "SessionMeasure",
    "SessionRecord",
    "Site",
    "SkinFindingRecord",
    "Study",
    "StudyAssessment",
    "StudyMeasure",
    "StudyVersion",
    "User",
    "UserSite",
]
