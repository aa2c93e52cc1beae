"""Minimal clinically important differences (``mcid.yaml``), by instrument and age.

A mean change can be statistically clear and still too small for a child to notice; marking each
session's change against the smallest difference children report lets a clinician see both. Only
published paediatric estimates are used: an instrument without one has none.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import yaml
from pydantic import BaseModel, ConfigDict, Field


class Mcid(BaseModel):
    """The smallest decrease in the score children report as "a little less"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    instrument: str
    decrease: float = Field(gt=0)
    min_age_years: float = Field(ge=0)
    max_age_years: float = Field(gt=0)
    population: str = Field(min_length=1)
    source: str = Field(min_length=1)

    def applies_at(self, age_years: float) -> bool:
        """Within the ages the estimate was published for (inclusive, by whole years)."""
        return self.min_age_years <= int(age_years) <= self.max_age_years

    def reached(self, change: float) -> bool:
        """Whether a change (after minus before) is at least the published decrease."""
        return -change >= self.decrease


class _McidFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    entries: list[Mcid]


@cache
def mcids() -> dict[str, Mcid]:
    raw = yaml.safe_load(files("pedmassage.measures").joinpath("mcid.yaml").read_text("utf-8"))
    return {m.instrument: m for m in _McidFile.model_validate(raw).entries}


def mcid_for(instrument: str, age_years: float) -> Mcid | None:
    """The published MCID for this instrument at this age, or None where none is published."""
    found = mcids().get(instrument)
    return found if found is not None and found.applies_at(age_years) else None
