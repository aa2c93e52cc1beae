"""The synthetic children of the demo program.

Every child here is invented. The mix follows the program's typical caseload: preterm infants in the
NICU, oncology and post-surgical children on the paediatric ward, and children with chronic
conditions (asthma, arthritis, autism, ADHD, cystic fibrosis, post-traumatic stress) seen at home.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NICU = "NICU"
WARD = "Ward 4 Paediatrics"


@dataclass(frozen=True)
class DemoChild:
    """One synthetic child: age in days at the demo's 'today', and the facts that shape screening."""

    name: str
    age_days: int
    sex: str
    conditions: tuple[tuple[str, str | None], ...]
    setting: str
    ward: str | None
    ga_weeks: int = 40
    ga_days: int = 0
    verbal: bool = True
    cognitive_impairment: bool = False
    devices: tuple[tuple[str, str | None], ...] = ()
    medications: tuple[str, ...] = ()
    touch_aversion: bool = False
    trauma_history: bool = False
    touch_notes: str = ""
    oncology: bool = False
    surgery: tuple[str, int] | None = None  # (site, days before the demo's first day)
    goals: tuple[str, ...] = ("relaxation",)
    baseline: float = 0.5  # pre-session score as a fraction of the scale's range
    sessions_per_week: float = 2.0
    extra: dict[str, str] = field(default_factory=dict)


def _y(years: float) -> int:
    return round(years * 365.25)


ROSTER: tuple[DemoChild, ...] = (
    # Preterm and term neonates in the NICU (ages at the demo's today; sessions start 90 days ago
    # only for those old enough, see seed.py).
    DemoChild("Baby Amara", 70, "female", (("prematurity", None),), "nicu", NICU, 28, 3,
              verbal=False, devices=(("nasogastric_tube", "face"),), goals=("bonding",),
              baseline=0.45, sessions_per_week=5),
    DemoChild("Baby Luca", 55, "male", (("prematurity", None),), "nicu", NICU, 30, 1,
              verbal=False, goals=("bonding",), baseline=0.4, sessions_per_week=5),
    DemoChild("Baby Noor", 40, "female", (("prematurity", None),), "nicu", NICU, 32, 0,
              verbal=False, devices=(("peripheral_iv", "hand_left"),), goals=("bonding",),
              baseline=0.35, sessions_per_week=5),
    DemoChild("Baby Tomas", 95, "male", (("prematurity", None),), "nicu", NICU, 26, 5,
              verbal=False, devices=(("nasogastric_tube", "face"),), goals=("bonding",),
              baseline=0.5, sessions_per_week=4),
    DemoChild("Baby Mei", 100, "female", (("prematurity", None),), "home", None, 33, 4,
              verbal=False, goals=("sleep", "bonding"), baseline=0.35, sessions_per_week=1),
    DemoChild("Baby Kofi", 120, "male", (("prematurity", None), ("constipation", None)), "home",
              None, 35, 2, verbal=False, goals=("constipation",), baseline=0.4,
              sessions_per_week=1),
    # Infants and toddlers
    DemoChild("Ines", 250, "female", (("sleep_problem", None),), "home", None, verbal=False,
              goals=("sleep",), baseline=0.3, sessions_per_week=1),
    DemoChild("Yusuf", 300, "male", (("post_surgical", "abdomen"),), "hospital", WARD,
              verbal=False, devices=(("gastrostomy_tube", "abdomen"),), surgery=("abdomen", 5),
              goals=("pain",), baseline=0.5),
    DemoChild("Maya", _y(1.5), "female", (("sleep_problem", None),), "home", None, verbal=False,
              goals=("sleep",), baseline=0.35, sessions_per_week=1),
    DemoChild("Oskar", _y(2.2), "male", (("cancer", None),), "hospital", WARD, verbal=False,
              devices=(("implanted_port", "chest_right"),), medications=("chemotherapy",),
              oncology=True, goals=("pain", "anxiety"), baseline=0.5),
    DemoChild("Leila", _y(2.8), "female", (("cerebral_palsy", None), ("constipation", None)),
              "home", None, verbal=False, cognitive_impairment=True, goals=("constipation",),
              baseline=0.45, sessions_per_week=1),
    # Preschool
    DemoChild("Sami", _y(3.5), "male", (("autism", None),), "clinic", None, verbal=False,
              touch_aversion=True, touch_notes="Prefers deep, predictable strokes; dislikes face.",
              goals=("touch_tolerance", "sleep"), baseline=0.45, sessions_per_week=2),
    DemoChild("Ana", _y(4.2), "female", (("asthma", None),), "home", None,
              goals=("breathing", "anxiety"), baseline=0.4, sessions_per_week=1),
    DemoChild("Theo", _y(4.8), "male", (("cancer", None),), "hospital", WARD,
              devices=(("central_venous_catheter", "chest_right"),),
              medications=("chemotherapy",), oncology=True, goals=("pain", "anxiety"),
              baseline=0.55),
    DemoChild("Zara", _y(5.1), "female", (("autism", None),), "clinic", None, verbal=False,
              touch_aversion=True, touch_notes="Needs a visual schedule; starts with hands.",
              goals=("touch_tolerance",), baseline=0.5),
    DemoChild("Eli", _y(5.5), "male", (("juvenile_idiopathic_arthritis", None),), "home", None,
              goals=("pain",), baseline=0.55, sessions_per_week=1),
    DemoChild("Hana", _y(5.9), "female", (("post_surgical", "leg_right"),), "hospital", WARD,
              devices=(("cast", "leg_right"),), surgery=("leg_right", 3), goals=("pain",),
              baseline=0.6),
    # School age
    DemoChild("Mateo", _y(6.5), "male", (("asthma", None),), "home", None,
              goals=("breathing", "sleep"), baseline=0.35, sessions_per_week=1),
    DemoChild("Aisha", _y(7.2), "female", (("cystic_fibrosis", None),), "home", None,
              goals=("breathing", "anxiety"), baseline=0.45, sessions_per_week=1),
    DemoChild("Finn", _y(7.8), "male", (("adhd", None),), "clinic", None, goals=("anxiety",),
              baseline=0.4),
    DemoChild("Lina", _y(8.3), "female", (("cancer", None),), "hospital", WARD,
              devices=(("picc", "arm_left"),), medications=("chemotherapy",), oncology=True,
              goals=("pain", "anxiety"), baseline=0.5),
    DemoChild("Omar", _y(8.9), "male", (("post_traumatic_stress", None),), "clinic", None,
              trauma_history=True, touch_notes="Asks before every touch; back only at first.",
              goals=("anxiety", "touch_tolerance"), baseline=0.5),
    DemoChild("Chloe", _y(9.4), "female", (("juvenile_idiopathic_arthritis", None),), "home",
              None, goals=("pain",), baseline=0.5, sessions_per_week=1),
    DemoChild("Ravi", _y(9.9), "male", (("cystic_fibrosis", None),), "hospital", WARD,
              devices=(("peripheral_iv", "arm_right"),), goals=("breathing",), baseline=0.45),
    DemoChild("Sofia", _y(10.4), "female", (("post_surgical", "abdomen"),), "hospital", WARD,
              devices=(("drain", "abdomen"),), surgery=("abdomen", 2), goals=("pain",),
              baseline=0.6),
    DemoChild("Jonas", _y(10.9), "male", (("adhd", None), ("sleep_problem", None)), "clinic",
              None, goals=("sleep", "anxiety"), baseline=0.4),
    DemoChild("Amelie", _y(11.3), "female", (("cancer", None),), "hospital", WARD,
              devices=(("implanted_port", "chest_left"),), medications=("chemotherapy",),
              oncology=True, goals=("pain", "anxiety"), baseline=0.55),
    DemoChild("Kai", _y(11.8), "male", (("asthma", None),), "home", None,
              goals=("breathing",), baseline=0.35, sessions_per_week=1),
    # Adolescents
    DemoChild("Nadia", _y(12.4), "female", (("post_traumatic_stress", None),), "clinic", None,
              trauma_history=True, touch_aversion=True,
              touch_notes="Chooses the region herself; stop signal agreed.",
              goals=("anxiety",), baseline=0.55),
    DemoChild("Lucas", _y(12.9), "male", (("cancer", None), ("bone_metastasis", "leg_left")),
              "hospital", WARD, devices=(("central_venous_catheter", "chest_left"),),
              medications=("chemotherapy",), oncology=True, goals=("pain", "sleep"),
              baseline=0.6),
    DemoChild("Freya", _y(13.5), "female", (("juvenile_idiopathic_arthritis", None),), "home",
              None, goals=("pain", "sleep"), baseline=0.5, sessions_per_week=1),
    DemoChild("Adam", _y(14.1), "male", (("cystic_fibrosis", None),), "hospital", WARD,
              devices=(("picc", "arm_right"),), goals=("breathing", "anxiety"), baseline=0.45),
    DemoChild("Sara", _y(14.6), "female", (("adhd", None),), "clinic", None,
              goals=("anxiety",), baseline=0.4),
    DemoChild("Malik", _y(15.2), "male", (("post_surgical", "back_lower"),), "hospital", WARD,
              surgery=("back_lower", 6), goals=("pain",), baseline=0.6),
    DemoChild("Elena", _y(15.8), "female", (("cancer", None),), "hospital", WARD,
              devices=(("implanted_port", "chest_right"),),
              medications=("chemotherapy", "anticoagulant"), oncology=True,
              goals=("pain", "anxiety"), baseline=0.55),
    DemoChild("Jamal", _y(16.3), "male", (("asthma", None),), "home", None,
              goals=("anxiety", "sleep"), baseline=0.3, sessions_per_week=1),
    DemoChild("Ivy", _y(16.9), "female", (("autism", None),), "clinic", None,
              touch_aversion=True, touch_notes="Light touch is aversive; firm, slow strokes.",
              goals=("anxiety", "touch_tolerance"), baseline=0.45, sessions_per_week=1),
    DemoChild("Noah", _y(17.4), "male", (("cancer", None),), "hospital", WARD,
              devices=(("central_venous_catheter", "chest_right"),),
              medications=("chemotherapy",), oncology=True, goals=("pain", "sleep"),
              baseline=0.5),
    DemoChild("Grace", _y(7.5), "female", (("post_surgical", "chest"),), "hospital", WARD,
              devices=(("drain", "chest_left"),), surgery=("chest", 4), goals=("pain",),
              baseline=0.6),
    DemoChild("Ben", _y(13.0), "male", (("cerebral_palsy", None),), "home", None,
              verbal=False, cognitive_impairment=True, goals=("pain", "relaxation"),
              baseline=0.45, sessions_per_week=1),
)
