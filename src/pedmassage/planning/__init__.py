"""Session planning: protocols as data and a planner that never contradicts its screening.

Protocols live in ``protocols/*.yaml`` (one file each), goals in ``goals.yaml``, strokes and holds
in ``techniques.yaml`` and child-led touch steps in ``touch.yaml``. All are validated at load
against the body-site vocabulary, the developmental stages and the condition codes.

Choosing a protocol (``plan_session``)
    1. Only protocols whose ``applies_to.stages`` include the child's stage are eligible.
    2. Condition first: if an eligible protocol targets one of the child's conditions, the best of
       those is used. "Best" means, in order: serves the most requested goals, matches the most of
       the child's conditions, has a deliverer suited to the setting (parent at home; therapist in
       hospital, PICU, NICU or clinic; "either" suits both), then the protocol id.
    3. Goal next: otherwise an eligible protocol whose ``chosen_for_goals`` holds a requested goal
       (``sleep_bedtime`` for sleep, ``constipation_abdominal`` for constipation) is used, ranked
       the same way.
    4. Otherwise the stage's general routine (exactly one per stage; for ``preterm`` it is the TRI
       tactile-kinesthetic protocol).

Applying the screening
    - ``hold`` → ``ConflictError``; no plan is ever made on a hold.
    - Avoided sites: a step covered by an avoided site is dropped; a step containing one is narrowed
      to its named parts that are clear, or dropped when none is. Dropped sites are listed in
      ``skipped`` with the restriction that removed them. ``genital`` is never a step.
    - Pressure: every step is capped at the lower of the screening's ``max_pressure`` and the
      protocol's own ceiling; any step touching a gentle site is capped at 1; a step left at 0
      becomes a still hold.
    - Time: the total is the protocol's minutes, shortened to the explicit ``minutes`` argument and
      to the screening's ``max_minutes`` (a longer request never lengthens the studied dose). Steps
      are scaled in proportion and minutes freed by dropped steps go to the remaining ones. When
      the total is too short for every step (0.5 min each), the later steps are left out and
      listed in ``skipped``.
    - If no step remains, the plan is a single still hold (pressure 0) on the first clear site of
      ``touch.yaml``'s preference list, for up to 5 minutes; if no site is clear,
      ``ConflictError``.
    - Touch steps (child-led, graduated) are given when the caller reports touch apprehension, the
      protocol is child-led, or a screening precaution or reason mentions touch aversion or trauma.
"""

from pedmassage.planning.catalogue import goals, protocols
from pedmassage.planning.models import Dose, Protocol, Step
from pedmassage.planning.plan import PlannedRegion, SessionPlan, SkippedRegion
from pedmassage.planning.planner import plan_session

__all__ = [
    "Dose",
    "PlannedRegion",
    "Protocol",
    "SessionPlan",
    "SkippedRegion",
    "Step",
    "goals",
    "plan_session",
    "protocols",
]
