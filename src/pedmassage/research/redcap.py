"""REDCap files: a data dictionary for the program's instruments, flat records to import, and a
randomization allocation table, so a study can run in a site's REDCap without retyping forms.

Formats and where they were checked:

- Data dictionary: the 18 column headers and their order in :data:`DICTIONARY_HEADERS` are those
  of a data dictionary downloaded from REDCap, ``IeDEA_tblCENTER_2020-06-30.csv`` in the public
  repository IeDEA/redcap-dictionaries (REDCap v8.3+), and match other public REDCap tools. Its
  rows show the conventions followed here: ``record_id`` first, choices written
  ``code, label | code, label``, blank cells for unused columns.
- Variable names: REDCap accepts lower-case letters, digits and underscores starting with a
  letter; it warns above 26 characters, and this module keeps every name within 26.
- Flat import (one row per record, event and repeat instance): ``record_id``, then
  ``redcap_event_name`` in longitudinal projects, ``redcap_repeat_instrument`` and
  ``redcap_repeat_instance`` (both blank on a non-repeating row, the instance counted from 1),
  the fields, and ``<form>_complete`` (0 incomplete, 1 unverified, 2 complete). Calculated
  fields are left out: REDCap computes them itself.
- Allocation table: the headers REDCap's own upload check (``Randomization::checkAllocFile`` in
  the REDCap source, read in a public copy) requires of an open (unblinded) randomization:
  ``redcap_randomization_group``, then ``redcap_data_access_group`` when randomizing by site
  (not produced here), then one column per stratification field named by its variable; every
  value must be one of the field's coded choices. Blinded randomization
  (``redcap_randomization_number``) is not produced.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from pedmassage.errors import ValidationError
from pedmassage.measures import Instrument, instrument
from pedmassage.measures import instruments as catalogue
from pedmassage.measures.model import Item

DICTIONARY_HEADERS: Final = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)

RECORD_ID: Final = "record_id"
PARTICIPANT_FORM: Final = "participant"
MAX_NAME: Final = 26
NAME_RULE: Final = re.compile(r"[a-z][a-z0-9_]{0,25}")
COMPLETE: Final = 2
INCOMPLETE: Final = 0
RANDOMIZATION_GROUP: Final = "redcap_randomization_group"

Value = int | float | str | None


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IdentifierField(_Data):
    """A participant field that identifies a child (a name, a date of birth), kept on the
    ``participant`` form and marked ``y`` so REDCap's de-identified exports leave it out."""

    name: str = Field(pattern=NAME_RULE.pattern, max_length=MAX_NAME)
    label: str
    validation: str | None = Field(None, description="REDCap text validation, e.g. date_ymd.")


class FormRow(_Data):
    """One instrument administered to one child: a row of the flat import.

    ``instance`` numbers a repeating instrument's administrations from 1 (two sessions' FLACC
    are instances 1 and 2); ``None`` for a non-repeating form. ``event`` is the unique event
    name in a longitudinal project (``baseline_arm_1``).
    """

    record_id: str = Field(min_length=1)
    instrument_id: str
    values: Mapping[str, float | None]
    instance: int | None = None
    event: str | None = None
    complete: bool = True


class Allocation(_Data):
    """One row of an allocation table: the group to give, and the stratum it is for."""

    group: int | str
    strata: Mapping[str, int | str] = Field(default_factory=dict)


# --- variable names -------------------------------------------------------------------------


def variable_name(*, text: str) -> str:
    """``text`` as a REDCap variable: lower-case letters, digits and underscores, starting with
    a letter (``v`` is put in front otherwise), at most 26 characters."""
    cleaned = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if not cleaned or not cleaned[0].isalpha():
        cleaned = f"v_{cleaned}".rstrip("_")
    return cleaned[:MAX_NAME].rstrip("_")


@cache
def _catalogue_names() -> dict[tuple[str, str], str]:
    """Every instrument item and total named once over the whole catalogue, in catalogue order,
    so a name never depends on which instruments one export happens to include."""
    taken = {RECORD_ID}
    names: dict[tuple[str, str], str] = {}
    for inst in catalogue().values():
        for key in [*(item.key for item in inst.items), "total"]:
            names[(inst.id, key)] = _unique(variable_name(text=f"{inst.id}_{key}"), taken)
    return names


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        suffix = f"_{n}"
        candidate = name[: MAX_NAME - len(suffix)].rstrip("_") + suffix
    taken.add(candidate)
    return candidate


def field_name(*, instrument_id: str, key: str) -> str:
    """The REDCap variable of an item (``key``) or of the total (``"total"``)."""
    found = _catalogue_names().get((instrument_id, key))
    if found is None:
        raise ValidationError(f"{instrument_id}.{key}", key, "an item key of the instrument")
    return found


def form_name(*, inst: Instrument) -> str:
    """The REDCap form (instrument) name: the catalogue id, already lower-case snake case."""
    return variable_name(text=inst.id)


# --- data dictionary ------------------------------------------------------------------------


def data_dictionary(
    *, instruments: Sequence[Instrument], identifiers: Sequence[IdentifierField] = ()
) -> list[dict[str, str]]:
    """Dictionary rows: ``record_id`` first, then the identifier fields on a ``participant``
    form (when there are any), then a form per instrument with its items and total."""
    first_form = (
        PARTICIPANT_FORM if identifiers or not instruments else form_name(inst=instruments[0])
    )
    rows = [_row(RECORD_ID, first_form, "text", "Record ID")]
    for field in identifiers:
        rows.append(_identifier_row(field))
    for inst in instruments:
        rows.extend(_instrument_rows(inst))
    return rows


def dictionary_csv(
    *, instruments: Sequence[Instrument], identifiers: Sequence[IdentifierField] = ()
) -> str:
    """The data dictionary as the CSV REDCap's Data Dictionary page uploads."""
    rows = data_dictionary(instruments=instruments, identifiers=identifiers)
    return csv_text(DICTIONARY_HEADERS, [[row[h] for h in DICTIONARY_HEADERS] for row in rows])


def _row(name: str, form: str, kind: str, label: str, **cells: str) -> dict[str, str]:
    row = dict.fromkeys(DICTIONARY_HEADERS, "")
    row.update({"Variable / Field Name": name, "Form Name": form})
    row.update({"Field Type": kind, "Field Label": label})
    for header, value in cells.items():
        row[_HEADER_OF[header]] = value
    return row


_HEADER_OF: Final = {
    "choices": "Choices, Calculations, OR Slider Labels",
    "note": "Field Note",
    "validation": "Text Validation Type OR Show Slider Number",
    "min": "Text Validation Min",
    "max": "Text Validation Max",
    "identifier": "Identifier?",
    "required": "Required Field?",
    "annotation": "Field Annotation",
}


def _identifier_row(field: IdentifierField) -> dict[str, str]:
    return _row(
        field.name,
        PARTICIPANT_FORM,
        "text",
        field.label,
        validation=field.validation or "",
        identifier="y",
    )


def _instrument_rows(inst: Instrument) -> list[dict[str, str]]:
    form = form_name(inst=inst)
    rows = [_item_row(inst, item, form) for item in inst.items]
    total = field_name(instrument_id=inst.id, key="total")
    note = _total_note(inst)
    rows.append(_row(total, form, "calc", "Total", choices=_calculation(inst), note=note))
    return rows


def _item_row(inst: Instrument, item: Item, form: str) -> dict[str, str]:
    name = field_name(instrument_id=inst.id, key=item.key)
    values = item.values
    if values is None:  # a continuous line (VAS 0-100 mm) cannot be a radio button
        return _row(
            name, form, "text", item.label, validation="number", min=f"{item.min:g}",
            max=f"{item.max:g}", note=item.unit or "",
        )  # fmt: skip
    choices = " | ".join(f"{v}, {_choice_label(item, v)}" for v in values)
    return _row(name, form, "radio", item.label, choices=choices)


def _choice_label(item: Item, value: int) -> str:
    """The anchor's words where the source gives them, else the score itself; a ``|`` inside a
    label would split the choice list, so it is replaced."""
    anchor = item.anchors.get(value)
    return (f"{value} - {anchor}" if anchor else str(value)).replace("|", "/")


def _calculation(inst: Instrument) -> str:
    """The instrument's total in REDCap calculation syntax, by its published rule."""
    counted = [item for item in inst.items if item.in_total]
    method = inst.scoring.method
    if method == "primary_item":
        return _ref(inst, str(inst.scoring.primary_item))
    if method == "weighted_percent":
        parts = "+".join(f"{_ref(inst, i.key)}/{i.categories}" for i in counted)
        return f"100*({parts})/{len(counted)}"
    if any(item.group for item in counted):  # one of a group is answered: sum() skips blanks
        return "sum(" + ",".join(_term(inst, item) for item in counted) + ")"
    return "+".join(_term(inst, item) for item in counted)


def _term(inst: Instrument, item: Item) -> str:
    if item.reverse:
        return f"({int(item.min + item.max)}-{_ref(inst, item.key)})"
    return _ref(inst, item.key)


def _ref(inst: Instrument, key: str) -> str:
    return f"[{field_name(instrument_id=inst.id, key=key)}]"


def _total_note(inst: Instrument) -> str:
    if inst.scoring.prematurity is not None:
        return "Prematurity points are not included; add them as the scoring card says."
    return ""


# --- flat records ---------------------------------------------------------------------------


def flat_records(*, rows: Sequence[FormRow]) -> str:
    """The flat import CSV: one line per record, event and repeat instance.

    Item values are the scores, which are also the radio codes; a blank is a missing item.
    """
    forms = _forms_in_order(rows)
    longitudinal = _longitudinal(rows)
    repeating = any(row.instance is not None for row in rows)
    headers = [RECORD_ID]
    headers += ["redcap_event_name"] if longitudinal else []
    headers += ["redcap_repeat_instrument", "redcap_repeat_instance"] if repeating else []
    for inst in forms:
        headers += [field_name(instrument_id=inst.id, key=item.key) for item in inst.items]
        headers.append(f"{form_name(inst=inst)}_complete")
    lines = [_flat_line(row, headers, longitudinal, repeating) for row in rows]
    return csv_text(headers, lines)


def _forms_in_order(rows: Sequence[FormRow]) -> list[Instrument]:
    seen: dict[str, Instrument] = {}
    for row in rows:
        if row.instrument_id not in seen:
            seen[row.instrument_id] = instrument(row.instrument_id)
    return list(seen.values())


def _longitudinal(rows: Sequence[FormRow]) -> bool:
    with_event = {row.event is not None for row in rows}
    if len(with_event) > 1:
        raise ValidationError("event", None, "an event on every row or on none")
    return with_event == {True}


def _flat_line(row: FormRow, headers: list[str], longitudinal: bool, repeating: bool) -> list[str]:
    inst = instrument(row.instrument_id)
    if row.instance is not None and row.instance < 1:
        raise ValidationError("instance", row.instance, "a repeat instance numbered from 1")
    cells = dict.fromkeys(headers, "")
    cells[RECORD_ID] = row.record_id
    if longitudinal:
        cells["redcap_event_name"] = str(row.event)
    if repeating and row.instance is not None:
        cells["redcap_repeat_instrument"] = form_name(inst=inst)
        cells["redcap_repeat_instance"] = str(row.instance)
    for key, value in row.values.items():
        cells[field_name(instrument_id=inst.id, key=key)] = _cell(value)
    cells[f"{form_name(inst=inst)}_complete"] = str(COMPLETE if row.complete else INCOMPLETE)
    return [cells[h] for h in headers]


def _cell(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# --- allocation table -----------------------------------------------------------------------


def allocation_table_csv(*, assignments: Sequence[Allocation], strata_fields: Sequence[str]) -> str:
    """An open randomization's allocation table for REDCap's upload: the group column, then one
    column per stratification field; REDCap refuses blank cells, so they are refused here."""
    headers = [RANDOMIZATION_GROUP, *strata_fields]
    lines: list[list[str]] = []
    for n, assignment in enumerate(assignments, start=1):
        extra = sorted(set(assignment.strata) - set(strata_fields))
        if extra:
            raise ValidationError(f"assignments[{n}].strata", extra, ", ".join(strata_fields))
        line = [str(assignment.group), *(str(assignment.strata.get(f, "")) for f in strata_fields)]
        if any(cell.strip() == "" for cell in line):
            raise ValidationError(f"assignments[{n}]", line, "a coded value in every column")
        lines.append(line)
    return csv_text(headers, lines)


def csv_text(headers: Sequence[str], lines: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(lines)
    return out.getvalue()
