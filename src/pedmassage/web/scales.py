"""Pain scales as form inputs, built from the instrument definitions rather than written by hand.

The instrument files are the single source of what each item accepts; rendering from them means a
corrected anchor or a new scale reaches the session form without touching a template.
"""

from __future__ import annotations

from dataclasses import dataclass

from pedmassage.errors import PedmassageError
from pedmassage.web.forms import Errors, FormInput


@dataclass(frozen=True)
class Choice:
    value: str
    text: str


@dataclass(frozen=True)
class ItemField:
    """One item: a select of its allowed values, or a number box for a continuous item."""

    key: str
    label: str
    choices: tuple[Choice, ...] | None
    min: float
    max: float
    unit: str | None
    optional: bool
    required: bool


@dataclass(frozen=True)
class ScaleForm:
    id: str
    name: str
    single_item: bool
    items: tuple[ItemField, ...]
    low: float
    high: float

    def field(self, timepoint: str, key: str) -> str:
        """The input name of one item at one timepoint; unique across the scales on a page."""
        return f"{timepoint}.{self.id}.{key}"


def scale_form(instrument_id: str) -> ScaleForm:
    from pedmassage.measures import instrument

    inst = instrument(instrument_id)
    optional_groups = {name for name, rule in inst.groups.items() if rule == "all_or_none"}
    items = tuple(
        ItemField(
            key=item.key,
            label=item.label,
            choices=_choices(item.values, item.anchors),
            min=item.min,
            max=item.max,
            unit=item.unit,
            optional=item.group in optional_groups,
            required=item.group is None,
        )
        for item in inst.items
    )
    low, high = inst.range
    return ScaleForm(
        id=inst.id, name=inst.name, single_item=inst.single_item, items=items, low=low, high=high
    )


def scale_name(instrument_id: str) -> str:
    """The scale's name for history tables; an id no longer shipped is shown as it is."""
    from pedmassage.measures import instrument

    try:
        return instrument(instrument_id).name
    except PedmassageError:
        return instrument_id


def item_scores(
    form: FormInput, timepoint: str, scale: ScaleForm
) -> tuple[dict[str, float], Errors]:
    """The answered items of one timepoint, and an error beside each unanswered required item.

    Checked here, per timepoint, because the scoring service names only the item: the form must
    say whether the "before" or the "after" answer is missing. Ranges stay the service's job.
    """
    scores: dict[str, float] = {}
    errors: Errors = {}
    for item in scale.items:
        name = scale.field(timepoint, item.key)
        text = form.text(name)
        if not text:
            if item.required:
                errors[name] = "Required."
            continue
        try:
            scores[item.key] = float(text)
        except ValueError:
            errors[name] = f"A number, {item.min:g} to {item.max:g} (given: {text})."
    return scores, errors


def _choices(values: tuple[int, ...] | None, anchors: dict[int, str]) -> tuple[Choice, ...] | None:
    if values is None:
        return None
    return tuple(Choice(str(v), f"{v} · {anchors[v]}" if v in anchors else str(v)) for v in values)
