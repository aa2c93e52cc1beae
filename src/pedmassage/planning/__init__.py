"""Session planning: protocols as data and a planner that never contradicts its screening.

Protocols live in ``protocols/*.yaml`` (one file each), goals in ``goals.yaml``, strokes and holds
in ``techniques.yaml`` (each with a kind: still, stroking, kneading, friction, vibration or
passive_movement) and child-led touch steps in ``touch.yaml``. All are validated at load against
the body-site vocabulary, the developmental stages and the condition codes.

Choosing a protocol (``plan_session``)
    Candidates, best first, among protocols whose ``applies_to.stages`` include the child's stage:
    1. Condition protocols: those targeting one of the child's conditions, ranked by: serves the
       most requested goals, matches the most of the child's conditions, has a deliverer suited to
       the setting (parent at home; therapist in hospital, PICU, NICU or clinic; "either" suits
       both), then the protocol id.
    2. Goal protocols: those whose ``chosen_for_goals`` holds a requested goal (``sleep_bedtime``
       for sleep, ``constipation_abdominal`` for constipation, the TRI protocol for weight_gain),
       ranked the same way.
    3. The stage's general routine (exactly one per stage; for ``preterm`` the TRI protocol).
    4. The stage's still-touch protocols (``preterm_containment`` for ``preterm``).
    The first candidate that applies is planned. One does not apply when the screening allows less
    pressure than its ``min_pressure`` (the TRI protocol needs stroking: still touch showed no
    weight benefit), or, for a condition or goal protocol, when the screening's sites and
    precautions leave none of its steps (clockwise abdominal massage with the abdomen avoided).
    Each candidate passed over is listed in ``not_applicable`` with the reason and named in
    ``selection_reason``; a requested goal the plan does not pursue, because its protocol does not
    apply or because no protocol for the stage serves it, is listed in ``declined_goals``.

Applying the screening
    - ``hold`` → ``ConflictError``; no plan is ever made on a hold.
    - Avoided sites: a step covered by an avoided site is dropped; a step containing one is narrowed
      to its named parts that are clear, or dropped when none is. Dropped sites are listed in
      ``skipped`` with the restriction that removed them. ``genital`` is never a step.
    - Forbidden techniques: a step whose technique kind the screening forbids is dropped and listed
      in ``skipped`` with the kind. Forbidden kinds are the screening's
      ``modifications.forbidden_techniques`` (kneading and friction under bleeding precautions,
      everything but still touch in the platelet hold tier); they are listed in
      ``forbidden_kinds``.
    - Pressure: every step is capped at the lower of the screening's ``max_pressure`` and the
      protocol's own ceiling; any step touching a gentle site is capped at 1; a step left at 0
      becomes a still hold.
    - Still holds are never repeated: holds on one area, or on a region and a part of it, become
      one hold on the larger area for their summed minutes.
    - Time: the total is the protocol's minutes, shortened to the explicit ``minutes`` argument and
      to the screening's ``max_minutes`` (a longer request never lengthens the studied dose). Steps
      are scaled in proportion and minutes freed by dropped steps go to the remaining ones. When
      the total is too short for every step (0.5 min each), the later steps are left out and
      listed in ``skipped``.
    - If no step of a routine or still-touch protocol remains, the plan is a single still hold
      (pressure 0) on the first clear site of ``touch.yaml``'s preference list, for up to 5
      minutes; if no site is clear, ``ConflictError``.
    - Touch steps (child-led, graduated) are given when the caller reports touch apprehension, the
      protocol is child-led, or a screening precaution or reason mentions touch aversion or trauma.
"""

from pedmassage.planning.catalogue import goals, protocols
from pedmassage.planning.models import Dose, Protocol, Step
from pedmassage.planning.plan import (
    DeclinedGoal,
    NotApplicable,
    PlannedRegion,
    SessionPlan,
    SkippedRegion,
)
from pedmassage.planning.planner import plan_session

__all__ = [
    "DeclinedGoal",
    "Dose",
    "NotApplicable",
    "PlannedRegion",
    "Protocol",
    "SessionPlan",
    "SkippedRegion",
    "Step",
    "goals",
    "plan_session",
    "protocols",
]
