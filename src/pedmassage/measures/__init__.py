"""Validated instruments as data, scoring exactly as published, and a chooser by age and ability.

- :func:`instruments` / :func:`instrument`: the catalogue, one YAML file per instrument under
  ``instruments/``, validated when first loaded.
- :func:`score`: one administration scored by the published rule; missing, unknown or
  out-of-range items raise :class:`pedmassage.errors.ValidationError` naming the item.
- :func:`choose`: pain and anxiety instruments for a child, best first, each with its reason, from
  the ordered rules in ``chooser.yaml``.
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
from pedmassage.measures.scoring import Adjustment, Score, score

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
    "child_age",
    "choose",
    "instrument",
    "instruments",
    "score",
]
