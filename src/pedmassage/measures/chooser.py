"""Which pain and anxiety instruments suit a child, best first, each with its reason.

The preferences are data (``chooser.yaml``: ordered candidates, each with a CEL condition, a
reason and the source behind it). Two guarantees hold whatever the data says: an instrument is
never offered outside its own age band (``Instrument.age_band``), and a self-report instrument is
never offered to a child who cannot self-report, which includes every sedated child (a sedated
child cannot give a reliable self-report; the note saying so comes from ``chooser.yaml``).

Age: ``age_months`` is chronological. For infants born preterm the corrected age is computed while
the correction rule of :mod:`pedmassage.development` applies (born before 37+0 weeks, under 24
months chronological): corrected months = chronological months − (40 − GA weeks) × 7 / 30.4375.
Each instrument's age band says which of the two ages its source uses. An infant born preterm is
``before_term_equivalent`` while the postmenstrual age is under 37+0 weeks (the ``preterm`` stage).
An unknown gestational age is treated as term (no correction).

Setting: COMFORT-B belongs to intensive care; ``setting`` (the child's care setting, as in the
screening contract) tells the rules whether the child is in a PICU or NICU. Unknown (None) is
treated as not intensive care, so COMFORT-B is then offered only to a sedated child.
"""

from __future__ import annotations

import math
from functools import cache
from importlib.resources import files
from typing import Literal, TypedDict, get_args

import cel
import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field

from pedmassage.development import GestationalAge
from pedmassage.development.policy import policy
from pedmassage.errors import KnowledgeDataError, ValidationError
from pedmassage.measures.catalogue import instrument, instruments
from pedmassage.measures.model import DAYS_PER_MONTH, Construct, Waiver
from pedmassage.safety.contract import Setting

Domain = Literal["pain", "anxiety"]
DOMAINS: tuple[Domain, ...] = ("pain", "anxiety")
VARIABLES = frozenset(
    {
        "age_months",
        "corrected_months",
        "corrected",
        "born_preterm",
        "nonverbal",
        "cognitive_impairment",
        "sedated",
        "before_term_equivalent",
        "intensive_care",
    }
)
CONSTRUCTS: dict[Domain, frozenset[Construct]] = {
    "pain": frozenset({"pain", "distress"}),
    "anxiety": frozenset({"anxiety", "fear", "distress"}),
}


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChildAge(_Frozen):
    """The ages the chooser used: chronological, and corrected where the rule applies."""

    chronological_months: float
    corrected_months: float
    corrected: bool
    born_preterm: bool
    gestational_age_weeks: float | None
    before_term_equivalent: bool = False


class ChoiceJson(TypedDict):
    pain: list[str]
    anxiety: list[str]
    reasons: dict[str, str]


class Recommendation(_Frozen):
    id: str
    reason: str


class Choice(_Frozen):
    """Recommended instruments, best first. ``notes`` explains an empty list."""

    age: ChildAge
    pain: list[Recommendation]
    anxiety: list[Recommendation]
    notes: list[str] = []

    def as_json(self) -> ChoiceJson:
        """``{"pain": [ids], "anxiety": [ids], "reasons": {id: reason}}`` for printing."""
        return {
            "pain": [rec.id for rec in self.pain],
            "anxiety": [rec.id for rec in self.anxiety],
            "reasons": _reasons([*self.pain, *self.anxiety]),
        }


class Candidate(_Frozen):
    id: str
    when: str = Field(description="CEL condition over the chooser variables.")
    reason: str
    source: str = Field(min_length=1, description="What the condition rests on.")
    only_if_empty: bool = False


class SelfReportWithheld(_Frozen):
    """Why self-report scales are not offered, said once in ``Choice.notes``."""

    sedated: str
    nonverbal: str
    source: str


class ChooserRules(_Frozen):
    version: str
    source: str
    intensive_care_settings: frozenset[Setting]
    self_report_withheld: SelfReportWithheld
    pain: tuple[Candidate, ...]
    anxiety: tuple[Candidate, ...]
    empty_notes: dict[Domain, str]


def choose(
    *,
    age_months: float,
    gestational_age_weeks: float | None = None,
    nonverbal: bool = False,
    cognitive_impairment: bool = False,
    sedated: bool = False,
    setting: str | None = None,
) -> Choice:
    """Pain and anxiety instruments for this child, best first, each with its reason.

    ``nonverbal`` means the child cannot give a self-report (spoken or pointed); ``sedated``
    covers sedated or ventilated children, who are offered observer scales only; ``setting`` is
    the care setting (``picu``, ``nicu``, ``hospital``, ``home``, ``clinic``; None if unknown).
    """
    age = child_age(age_months, gestational_age_weeks)
    rules = chooser_rules()
    flags = {
        "nonverbal": nonverbal,
        "cognitive_impairment": cognitive_impairment,
        "sedated": sedated,
    }
    context: dict[str, object] = {
        "age_months": age.chronological_months,
        "corrected_months": age.corrected_months,
        "corrected": age.corrected,
        "born_preterm": age.born_preterm,
        "before_term_equivalent": age.before_term_equivalent,
        "intensive_care": _intensive_care(setting, rules),
        **flags,
    }
    waivers = frozenset(name for name in get_args(Waiver) if flags[name])
    picked = {domain: _pick(domain, context, age, waivers) for domain in DOMAINS}
    notes = [rules.empty_notes[domain] for domain in DOMAINS if not picked[domain]]
    if sedated or nonverbal:
        withheld = rules.self_report_withheld
        notes.insert(0, withheld.sedated if sedated else withheld.nonverbal)
    return Choice(age=age, pain=picked["pain"], anxiety=picked["anxiety"], notes=notes)


def _intensive_care(setting: str | None, rules: ChooserRules) -> bool:
    if setting is None:
        return False
    if setting not in get_args(Setting):
        raise ValidationError("setting", setting, "one of: " + ", ".join(get_args(Setting)))
    return setting in rules.intensive_care_settings


def child_age(age_months: float, gestational_age_weeks: float | None) -> ChildAge:
    """Chronological and corrected age in months (see the module docstring for the rule)."""
    if isinstance(age_months, bool) or not math.isfinite(age_months) or age_months < 0:
        raise ValidationError("age_months", age_months, "0 or more months (chronological age)")
    rule = policy().corrected_age
    ga = None if gestational_age_weeks is None else GestationalAge.from_weeks(gestational_age_weeks)
    preterm = ga is not None and ga.total_days < rule.preterm_below_weeks * 7
    corrected = preterm and age_months < rule.correct_until_chronological_months
    early_days = rule.term_weeks * 7 - ga.total_days if ga is not None and corrected else 0
    postmenstrual_days = None if ga is None else ga.total_days + age_months * DAYS_PER_MONTH
    return ChildAge(
        chronological_months=float(age_months),
        corrected_months=age_months - early_days / DAYS_PER_MONTH,
        corrected=corrected,
        born_preterm=preterm,
        gestational_age_weeks=gestational_age_weeks,
        before_term_equivalent=(
            preterm
            and postmenstrual_days is not None
            and postmenstrual_days < rule.preterm_below_weeks * 7
        ),
    )


@cache
def chooser_rules() -> ChooserRules:
    """The ordered candidates from ``chooser.yaml``, checked and with conditions compiled."""
    text = files("pedmassage.measures").joinpath("chooser.yaml").read_text(encoding="utf-8")
    try:
        rules = ChooserRules.model_validate(yaml.safe_load(text))
    except pydantic.ValidationError as exc:
        raise KnowledgeDataError(f"chooser.yaml: {exc}") from exc
    for domain in DOMAINS:
        for candidate in getattr(rules, domain):
            _check_candidate(domain, candidate)
    return rules


def _check_candidate(domain: Domain, candidate: Candidate) -> None:
    known = instruments()
    if candidate.id not in known:
        raise KnowledgeDataError(f"chooser.yaml: {domain} names unknown instrument {candidate.id}")
    if known[candidate.id].construct not in CONSTRUCTS[domain]:
        raise KnowledgeDataError(f"chooser.yaml: {candidate.id} does not measure {domain}")
    unknown = set(_program(candidate.when).variables()) - VARIABLES
    if unknown:
        raise KnowledgeDataError(
            f"chooser.yaml: condition {candidate.when!r} uses unknown names {sorted(unknown)}"
        )


@cache
def _program(expression: str) -> cel.Program:
    try:
        return cel.compile(expression)
    except ValueError as exc:
        raise KnowledgeDataError(f"chooser.yaml: cannot compile {expression!r}: {exc}") from exc


def _holds(candidate: Candidate, context: dict[str, object]) -> bool:
    result = _program(candidate.when).execute(context)
    if not isinstance(result, bool):
        raise KnowledgeDataError(f"chooser.yaml: {candidate.when!r} did not give true or false")
    return result


def _pick(
    domain: Domain, context: dict[str, object], age: ChildAge, waivers: frozenset[str]
) -> list[Recommendation]:
    picked: list[Recommendation] = []
    for candidate in getattr(chooser_rules(), domain):
        if any(rec.id == candidate.id for rec in picked) or (candidate.only_if_empty and picked):
            continue
        if _allowed(candidate.id, age, waivers, _no_self_report(context)) and _holds(
            candidate, context
        ):
            picked.append(Recommendation(id=candidate.id, reason=candidate.reason))
    return picked


def _no_self_report(context: dict[str, object]) -> bool:
    """A child who cannot speak or point a rating, or who is sedated, cannot self-report."""
    return bool(context["nonverbal"]) or bool(context["sedated"])


def _allowed(
    instrument_id: str, age: ChildAge, waivers: frozenset[str], no_self_report: bool
) -> bool:
    """The two guarantees: inside the instrument's age band, and no self-report when barred."""
    inst = instrument(instrument_id)
    if no_self_report and inst.requires.self_report:
        return False
    return inst.fits(
        chronological_months=age.chronological_months,
        corrected_months=age.corrected_months,
        waivers=waivers,
        before_term_equivalent=age.before_term_equivalent,
    )


def _reasons(recommendations: list[Recommendation]) -> dict[str, str]:
    """One reason per id; an id recommended for both domains keeps both distinct reasons."""
    reasons: dict[str, str] = {}
    for rec in recommendations:
        previous = reasons.get(rec.id)
        if previous is None:
            reasons[rec.id] = rec.reason
        elif rec.reason not in previous:
            reasons[rec.id] = f"{previous} | {rec.reason}"
    return reasons
