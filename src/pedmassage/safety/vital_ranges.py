"""Age-banded reference ranges for heart rate and respiratory rate (``vital_ranges.yaml``).

A heart rate of 160 is normal for a baby and alarming for a teenager, so one fixed threshold
cannot serve every age: each band gives the 1st and 99th centiles of healthy children, and rules
read the band for the child's age as ``vital_range.<code>_low`` / ``_high``.
"""

from __future__ import annotations

from bisect import bisect_right
from functools import cache
from importlib.resources import files

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from pedmassage.safety.spec import Evidence

DAYS_PER_MONTH = 365.25 / 12
RANGED_VITALS = ("heart_rate", "respiratory_rate")


class Band(BaseModel):
    """One age band: its upper age (exclusive) and the 1st and 99th centile of each vital."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    until_months: int = Field(gt=0)
    heart_rate: tuple[float, float]
    respiratory_rate: tuple[float, float]

    @model_validator(mode="after")
    def _ordered(self) -> Band:
        for low, high in (self.heart_rate, self.respiratory_rate):
            if not 0 < low < high:
                raise ValueError(f"band until {self.until_months} months: low must be below high")
        return self


class VitalRanges(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    version: int = Field(ge=1)
    source: str = Field(min_length=1)
    evidence: Evidence
    age_basis: str = Field(min_length=1)
    bands: tuple[Band, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ascending(self) -> VitalRanges:
        ages = [b.until_months for b in self.bands]
        if ages != sorted(set(ages)):
            raise ValueError("bands must be in ascending age order, without repeats")
        return self

    def band_for(self, age_days: int) -> Band:
        """The band for a child ``age_days`` old; before birth-equivalent age, the first band;
        past the last band, the last band (adolescents keep the 15-18 year range)."""
        months = max(age_days, 0) / DAYS_PER_MONTH
        index = bisect_right(self._limits, months)
        return self.bands[min(index, len(self.bands) - 1)]

    def context(self, age_days: int) -> dict[str, float]:
        """The ``vital_range`` map the rules see for a child of ``age_days``."""
        band = self.band_for(age_days)
        return {
            "heart_rate_low": band.heart_rate[0],
            "heart_rate_high": band.heart_rate[1],
            "respiratory_rate_low": band.respiratory_rate[0],
            "respiratory_rate_high": band.respiratory_rate[1],
        }

    @property
    def _limits(self) -> list[int]:
        return [b.until_months for b in self.bands]


@cache
def vital_ranges() -> VitalRanges:
    raw = yaml.safe_load(files("pedmassage.safety").joinpath("vital_ranges.yaml").read_text())
    return VitalRanges(**raw)
