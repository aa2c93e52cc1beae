"""Coded labs, vitals, conditions and devices, with the one unit each is accepted in."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import yaml
from pydantic import BaseModel, ConfigDict

from pedmassage.errors import ValidationError


class MeasuredCode(BaseModel):
    """A lab or vital sign: its label, its unit and a physiologically possible range."""

    model_config = ConfigDict(frozen=True)

    label: str
    unit: str
    min: float
    max: float
    loinc: str | None = None


class CodeBook(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: str
    labs: dict[str, MeasuredCode]
    vitals: dict[str, MeasuredCode]
    conditions: dict[str, str]
    devices: dict[str, str]
    sexes: list[str]
    settings: list[str]

    def check_measure(self, kind: str, code: str, value: float, unit: str, field: str) -> None:
        """Refuse unknown codes, wrong units and impossible values, naming the field."""
        table = self.labs if kind == "lab" else self.vitals
        if code not in table:
            raise ValidationError(f"{field}.code", code, "one of: " + ", ".join(sorted(table)))
        spec = table[code]
        if unit != spec.unit:
            raise ValidationError(f"{field}.unit", unit, f"{spec.unit} for {code}")
        if not spec.min <= value <= spec.max:
            raise ValidationError(
                f"{field}.value", value, f"{spec.min:g} to {spec.max:g} {spec.unit} for {code}"
            )

    def check_condition(self, code: str, field: str = "condition.code") -> str:
        if code not in self.conditions:
            raise ValidationError(field, code, "one of: " + ", ".join(sorted(self.conditions)))
        return code

    def check_device(self, kind: str, field: str = "device.kind") -> str:
        if kind not in self.devices:
            raise ValidationError(field, kind, "one of: " + ", ".join(sorted(self.devices)))
        return kind


@cache
def code_book() -> CodeBook:
    raw = yaml.safe_load(files("pedmassage.vocabulary").joinpath("codes.yaml").read_text())
    return CodeBook(**raw)
