"""The CEL context: the facts a rule condition can see, derived from one screening input.

Rules are written against these names only (a rule naming anything else fails at load):

============================  ===================================================================
``setting``                   string: hospital, picu, nicu, home, clinic
``age_days``                  int: chronological age on the day of ``assessed_at``
``age_years``                 double: chronological age in years (days / 365.25)
``corrected_age_days``        int: age corrected for preterm birth where the correction applies
``postmenstrual_weeks``       double: gestational age at birth + chronological age, in weeks
``stage``                     string: preterm, neonate, infant, toddler, preschool, school_age,
                              adolescent
``verbal``                    bool: the child speaks (from ``child.verbal``)
``cognitive_impairment``      bool
``weight_g``                  double or null: ``child.weight_g``, else a fresh ``weight`` vital
``lab``                       map code -> double: the latest result of each lab that is fresh
                              within its policy window; stale or absent codes are not keys, so
                              ``has(lab.platelets)`` is false for them
``lab_stale``                 list of codes whose latest result is older than the window
``lab_previous``              map code -> double: the latest result of each stale lab, if it was
                              taken within ``policy.stale_lookback_hours``; a dangerous old value
                              must not vanish just because it is old
``lab_previous_days``         map code -> int: whole days since that stale result was taken
``vital`` / ``vital_stale``   the same for vital signs (temperature window is short)
``vital_range``               map: the child's age band of healthy heart and respiratory rates
                              (``vital_ranges.yaml``): ``heart_rate_low`` / ``_high`` (1st and
                              99th centile), ``respiratory_rate_low`` / ``_high``; empty when no
                              fresh heart or respiratory rate is given
``conditions``                list of {code, site}; ``site`` may be null
``condition_codes``           list of condition codes
``devices``                   list of {kind, site}
``device_kinds``              list of device kinds
``procedures``                list of {kind, site, days_since}; ``days_since`` is whole calendar
                              days from the procedure date to the assessment date
``skin``                      list of {finding, site}
``skin_findings``             list of finding codes
``medication_classes``        list of medication classes
``respiratory_support``       string: none, oxygen, high_flow, cpap, bipap, ventilator
``respiratory_support_long_term``  bool: the child's usual long-term support, stable on it
``isolation``                 string: none, contact, droplet, airborne, enteric, protective
``goals_of_care``             string: curative or comfort
``touch_aversion``            bool
``trauma_history``            bool
``guardian_consent``          bool or null (null = not recorded)
``child_assent``              bool or null (null = not asked / not able)
``self_consent``              bool or null: an adolescent's own informed consent
``policy.<name>``             a threshold from the program policy (double), bound when the rules
                              are compiled, so it costs nothing per child
============================  ===================================================================

Lists of codes are sorted and de-duplicated so that the order data was entered in never changes a
result. Thresholds are bound at compile time rather than passed per child because converting a map
into CEL values costs more than evaluating most rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Literal

from pedmassage.development import GestationalAge, age_profile, stage_for
from pedmassage.safety.contract import Measurement, ProcedureIn, ScreeningInput
from pedmassage.safety.policy import Policy
from pedmassage.safety.vital_ranges import RANGED_VITALS, vital_ranges

CONTEXT_KEYS: frozenset[str] = frozenset(
    {
        "setting", "age_days", "age_years", "corrected_age_days", "postmenstrual_weeks", "stage",
        "verbal", "cognitive_impairment", "weight_g", "lab", "lab_stale", "lab_previous",
        "lab_previous_days", "vital", "vital_stale", "vital_range", "conditions",
        "condition_codes", "devices", "device_kinds", "procedures", "skin", "skin_findings",
        "medication_classes", "respiratory_support", "respiratory_support_long_term",
        "isolation", "goals_of_care", "touch_aversion", "trauma_history", "guardian_consent",
        "child_assent", "self_consent",
    }
)  # fmt: skip
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class Readings:
    """Latest value of each code, split by freshness, with the age of each latest result."""

    fresh: dict[str, float]
    stale: list[str]
    age_hours: dict[str, float]
    latest: dict[str, Measurement]
    """The latest result of every code given, fresh or not (for what a screening shows)."""
    previous: dict[str, float]
    """Stale latest results still within the look-back (``policy.stale_lookback_hours``)."""


@dataclass(frozen=True)
class Facts:
    """The CEL variables for one input, plus what requirement checks need beside them."""

    variables: dict[str, Any]
    labs: Readings
    vitals: Readings


def build_facts(inp: ScreeningInput, policy: Policy) -> Facts:
    """Derive every context value once per input (the input is already validated)."""
    now = inp.assessed_at
    labs = readings(inp.labs, "lab", policy, now)
    vitals = readings(inp.vitals, "vital", policy, now)
    child = inp.child
    ga = gestational_age(child.gestational_age_at_birth_weeks)
    profile = age_profile(child.birth_date, ga, now.date())
    weight = child.weight_g if child.weight_g is not None else vitals.fresh.get("weight")
    ranged = not vitals.fresh.keys().isdisjoint(RANGED_VITALS)
    variables = {
        "age_days": profile.chronological_days,
        "age_years": profile.chronological_days / DAYS_PER_YEAR,
        "corrected_age_days": profile.effective_days,
        "postmenstrual_weeks": profile.postmenstrual_weeks,
        "stage": stage_for(profile).id,
        "verbal": child.verbal,
        "cognitive_impairment": child.cognitive_impairment,
        "weight_g": weight,
        "lab": labs.fresh,
        "lab_stale": labs.stale,
        "lab_previous": labs.previous,
        "lab_previous_days": {c: int(labs.age_hours[c] // 24) for c in labs.previous},
        "vital": vitals.fresh,
        "vital_stale": vitals.stale,
        "vital_range": vital_ranges().context(profile.effective_days) if ranged else {},
        **_findings(inp),
        "setting": inp.setting,
        "respiratory_support": inp.respiratory_support,
        "respiratory_support_long_term": inp.respiratory_support_long_term,
        "isolation": inp.isolation,
        "goals_of_care": inp.goals_of_care,
        "touch_aversion": inp.touch_aversion,
        "trauma_history": inp.trauma_history,
        "guardian_consent": inp.guardian_consent,
        "child_assent": inp.child_assent,
        "self_consent": inp.self_consent,
    }
    return Facts(variables=variables, labs=labs, vitals=vitals)


def readings(
    measurements: Sequence[Measurement],
    kind: Literal["lab", "vital"],
    policy: Policy,
    now: datetime,
) -> Readings:
    """Keep the latest result per code; results older than the policy window count as missing."""
    if not measurements:
        return Readings(fresh={}, stale=[], age_hours={}, latest={}, previous={})
    latest: dict[str, Measurement] = {}
    for m in measurements:
        seen = latest.get(m.code)
        if seen is None or m.taken_at > seen.taken_at:
            latest[m.code] = m
    fresh: dict[str, float] = {}
    ages: dict[str, float] = {}
    stale: list[str] = []
    previous: dict[str, float] = {}
    windows = policy.thresholds[f"{kind}_max_age_hours"].value
    for code, m in latest.items():
        age = ages[code] = max((now - m.taken_at).total_seconds() / 3600, 0.0)
        window = windows.get(code) if isinstance(windows, dict) else None
        if window is None:
            window = policy.window_hours(kind, code)  # raises, naming the code
        if age <= window:
            fresh[code] = float(m.value)
        else:
            stale.append(code)
            if age <= policy.scalar("stale_lookback_hours"):
                previous[code] = float(m.value)
    stale.sort()
    return Readings(fresh=fresh, stale=stale, age_hours=ages, latest=latest, previous=previous)


@lru_cache(maxsize=256)
def gestational_age(weeks: float) -> GestationalAge:
    """``GestationalAge.from_weeks``, remembered: few distinct values occur."""
    return GestationalAge.from_weeks(weeks)


def _findings(inp: ScreeningInput) -> dict[str, Any]:
    """Lists of findings; most are empty, and an empty one costs nothing to build."""
    conditions, devices, procedures, skin = inp.conditions, inp.devices, inp.procedures, inp.skin
    today = inp.assessed_at.date()
    return {
        "conditions": [{"code": c.code, "site": c.site} for c in conditions] if conditions else [],
        "condition_codes": sorted({c.code for c in conditions}) if conditions else [],
        "devices": [{"kind": d.kind, "site": d.site} for d in devices] if devices else [],
        "device_kinds": sorted({d.kind for d in devices}) if devices else [],
        "procedures": [_procedure(p, today) for p in procedures] if procedures else [],
        "skin": [{"finding": s.finding, "site": s.site} for s in skin] if skin else [],
        "skin_findings": sorted({s.finding for s in skin}) if skin else [],
        "medication_classes": sorted({m.class_ for m in inp.medications}),
    }


def _procedure(p: ProcedureIn, today: date) -> dict[str, Any]:
    return {"kind": p.kind, "site": p.site, "days_since": (today - p.date).days}
