"""Child-led, graduated touch steps for children who may not welcome touch."""

from __future__ import annotations

from pedmassage.planning.models import Protocol, TouchGuidance
from pedmassage.safety.contract import ScreeningResult
from pedmassage.vocabulary import site_map


def _screening_texts(screening: ScreeningResult) -> list[str]:
    texts = list(screening.modifications.precautions)
    for reason in screening.reasons:
        texts += [reason.rule_id, reason.message]
    return [t.lower() for t in texts]


def needs_touch_steps(
    *,
    apprehension: bool,
    screening: ScreeningResult,
    protocol: Protocol,
    guidance: TouchGuidance,
) -> bool:
    """True when the caller, the protocol or the screening signals touch aversion or trauma."""
    if apprehension or protocol.child_led:
        return True
    texts = _screening_texts(screening)
    return any(word in text for text in texts for word in guidance.triggers)


def touch_steps(*, stage: str, hold_site: str, guidance: TouchGuidance) -> list[str]:
    """The stage's steps, naming a site the screening leaves clear for the opening still hold."""
    steps = guidance.steps.get(stage, guidance.steps["default"])
    where = site_map().label(hold_site).lower()
    return [step.replace("{hold_site}", where) for step in steps]
