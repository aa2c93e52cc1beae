"""Validated instruments as data, scoring exactly as published, and a chooser by age and ability.

- :func:`instruments` / :func:`instrument`: the catalogue, one YAML file per instrument under
  ``instruments/``, validated when first loaded.
- :func:`score`: one administration scored by the published rule; missing, unknown or
  out-of-range items raise :class:`pedmassage.errors.ValidationError` naming the item. The score's
  ``version`` names the scoring version (N-PASS: ``2008+card``); :func:`scoring_version` reads a
  recorded version back, so old records keep their meaning.
- :func:`choose`: pain and anxiety instruments for a child, best first, each with its reason, from
  the ordered rules in ``chooser.yaml``, by age (corrected where the band says so), ability,
  sedation and care setting.
"""

from pedmassage.measures.catalogue import instrument, instruments
from pedmassage.measures.chooser import (
    ChildAge,
    Choice,
    ChoiceJson,
    Recommendation,
    child_age,
    choose,
)
from pedmassage.measures.model import AgeBand, Band, Instrument, Item, Requires
from pedmassage.measures.scoring import Adjustment, Score, ScoringVersion, score, scoring_version

__all__ = [
    "Adjustment",
    "AgeBand",
    "Band",
    "ChildAge",
    "Choice",
    "ChoiceJson",
    "Instrument",
    "Item",
    "Recommendation",
    "Requires",
    "Score",
    "ScoringVersion",
    "child_age",
    "choose",
    "instrument",
    "instruments",
    "score",
    "scoring_version",
]
