"""De-identification for research exports, following HIPAA Safe Harbor.

45 CFR 164.514(b)(2)(i) lists eighteen identifiers, (A) to (R), that must be removed from a data
set, of the individual and of relatives, employers or household members, before it counts as
de-identified under the Safe Harbor method; (b)(2)(ii) adds that the covered entity must have no
actual knowledge that what remains could identify the individual. This module turns a child
record into an export row by a rule for every field (:data:`CHILD_RULES`), so a field nobody has
ruled on is refused instead of leaking.

Which rule removes which field of a child record (the fields of ``ChildPublic``):

- (A) names: ``display_name``, ``goals_of_care_by`` and ``guardians`` (names of relatives) are
  dropped.
- (B) geographic subdivisions smaller than a state: a child record holds no address; ``ward`` is
  a named hospital unit, dropped with the free text because at a small site it can single a
  child out.
- (C) all elements of dates (except year) directly related to the individual, and ages over 89:
  ``birth_date``, ``goals_of_care_at``, ``as_of``, ``observations[].taken_at`` and
  ``procedures[].date`` are shifted by the child's secret offset (:func:`date_offset_days`);
  ``age_days`` becomes whole years with ages over 89 reported as ``"90+"``
  (:func:`age_years_grouped`).
- (D) telephone, (E) fax, (F) e-mail, (G) social security, (I) health plan beneficiary,
  (J) account, (K) certificate or licence numbers, (L) vehicle and (M) device identifiers and
  serial numbers, (N) URLs, (O) IP addresses, (P) biometric identifiers, (Q) photographs: no
  field of a child record holds them (devices are recorded by kind, never by serial number);
  wherever a person typed them, they would be in free text, which is dropped (``touch_notes``,
  ``age_label``).
- (H) medical record numbers: ``mrn`` is dropped.
- (R) any other unique identifying number, characteristic or code: ``id``, ``site_id`` are
  replaced by keyed pseudonyms (:class:`KeyedIds`); ``version`` and ``observations[].id`` are
  dropped.

Two departures a reader must know about:

- **Shifted dates are still dates.** Safe Harbor keeps only the year. Shifting every date of a
  child by one secret offset keeps intervals (time from enrolment to a session, a child's age)
  that analyses need, and is common practice, but a shifted full date is not Safe Harbor; an
  export that must meet Safe Harbor to the letter reports years or intervals only, or is
  released under an expert determination (164.514(b)(1)) or as a limited data set with a data
  use agreement (164.514(e)).
- **Pseudonyms are re-identification codes** (164.514(c)): they are computed from the opaque
  record id (a random ULID, not derived from information about the child) with a secret held
  by the site and never released, so the recipient cannot reverse or link them.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Final, Literal, TypeVar

from pedmassage.errors import ValidationError

PSEUDONYM_HEX_CHARS: Final = 16
"""64 bits of the HMAC. By the birthday bound, n ids collide with probability about
n² / 2^65: 1.4e-12 for 10,000 children, 2.7e-8 for a million. Long enough for any site; short
enough to read aloud when a researcher queries a row with the site."""

MIN_SECRET_BYTES: Final = 32
"""The site secret is an HMAC-SHA256 key; shorter than the 256-bit output would weaken it."""

SUPPRESSED: Final = "suppressed"
"""What a suppressed count becomes. A word rather than ``<5``: a complementary cell may be large."""

OLDEST_REPORTED_AGE: Final = 89
"""Safe Harbor (C): ages over 89 are aggregated into a single category of 90 or older."""

DAYS_PER_YEAR: Final = 365.25

D = TypeVar("D", date, datetime)

Action = Literal["keep", "drop", "pseudonym", "shift", "age", "shift_items"]


def _hmac(secret: bytes, message: str) -> bytes:
    return hmac.new(secret, message.encode("utf-8"), hashlib.sha256).digest()


def _checked_secret(secret: bytes) -> bytes:
    if len(secret) < MIN_SECRET_BYTES:
        raise ValidationError(
            "secret", f"{len(secret)} bytes", f"at least {MIN_SECRET_BYTES} random bytes"
        )
    return secret


class KeyedIds:
    """Pseudonyms for record ids: stable across exports made with the same site secret (so a
    researcher can join this year's export to last year's), unlinkable without it (so two
    recipients, or a recipient and the public, cannot match rows)."""

    __slots__ = ("_secret",)

    def __init__(self, *, secret: bytes) -> None:
        self._secret = _checked_secret(secret)

    def pseudonym(self, *, kind: str, value: str) -> str:
        """HMAC-SHA256 of ``kind`` and ``value``, hex, first :data:`PSEUDONYM_HEX_CHARS`.

        The kind is part of the message so a child and a site that happen to share an id string
        get different pseudonyms.
        """
        digest = _hmac(self._secret, f"id\x1f{kind}\x1f{value}")
        return digest.hex()[:PSEUDONYM_HEX_CHARS]


def date_offset_days(*, secret: bytes, child_id: str, max_days: int = 365) -> int:
    """The child's date shift: a whole number of days in ``±1..max_days``, never 0.

    Derived from the HMAC of the child's id, so every export made with the same secret shifts
    the child's dates alike (intervals hold across exports) and nobody without the secret can
    undo it. Zero is excluded so no child keeps true dates; the 64-bit draw makes modulo bias
    negligible.
    """
    if max_days < 1:
        raise ValidationError("max_days", max_days, "a whole number of days, 1 or more")
    digest = _hmac(_checked_secret(secret), f"date-offset\x1f{child_id}")
    draw = int.from_bytes(digest[:8], "big")
    magnitude = 1 + (draw >> 1) % max_days
    return magnitude if draw & 1 else -magnitude


def shift(*, value: D, offset_days: int) -> D:
    """A date or timestamp moved by the child's offset; same type out as in."""
    return value + timedelta(days=offset_days)


def age_years_grouped(*, age_years: float) -> str | int:
    """Whole years (completed, as ages are spoken), with ages over 89 reported as ``"90+"``."""
    if not math.isfinite(age_years) or age_years < 0:
        raise ValidationError("age_years", age_years, "a number of years, 0 or more")
    whole = math.floor(age_years)
    return "90+" if whole > OLDEST_REPORTED_AGE else whole


def strip_free_text(
    *, record: Mapping[str, object], free_text_fields: Collection[str]
) -> dict[str, object]:
    """The record without its free-text fields: typed text can hold any of the eighteen
    identifiers, and no rule can find them all, so free text never leaves the site."""
    return {key: value for key, value in record.items() if key not in free_text_fields}


def suppress_small_cells(
    *,
    rows: Sequence[Mapping[str, object]],
    count_fields: Sequence[str],
    threshold: int = 5,
    total_field: str | None = None,
) -> list[dict[str, object]]:
    """Aggregate rows with small counts hidden, so no cell points at one or a few children.

    Primary suppression: a count from 1 to ``threshold - 1`` in ``count_fields`` (or in
    ``total_field``) becomes :data:`SUPPRESSED`; zero is shown, as it points at nobody.

    Complementary suppression, row-total case only: when a row publishes its total and exactly
    one of its cells is suppressed, that cell is the total minus the others, so one more cell is
    suppressed as well: the smallest non-zero remaining cell (first in ``count_fields`` order on
    ties), else a zero cell, else the total itself. Column totals across rows (a totals row) are
    not protected here; do not publish one beside suppressed cells without checking it.
    """
    if threshold < 1:
        raise ValidationError("threshold", threshold, "a whole number, 1 or more")
    return [_suppress_row(row, count_fields, threshold, total_field) for row in rows]


def _suppress_row(
    row: Mapping[str, object], fields: Sequence[str], threshold: int, total_field: str | None
) -> dict[str, object]:
    out = dict(row)
    counted = [*fields, total_field] if total_field else list(fields)
    for field in counted:
        if 0 < _count(row, field) < threshold:
            out[field] = SUPPRESSED
    hidden = [f for f in fields if out[f] == SUPPRESSED]
    if total_field is None or out[total_field] == SUPPRESSED or len(hidden) != 1:
        return out
    shown = [f for f in fields if out[f] != SUPPRESSED]
    nonzero = sorted((f for f in shown if _count(row, f) > 0), key=lambda f: _count(row, f))
    zero = [f for f in shown if _count(row, f) == 0]
    complement = (nonzero or zero or [total_field])[0]
    out[complement] = SUPPRESSED
    return out


def _count(row: Mapping[str, object], field: str) -> int:
    value = row.get(field)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(field, value, "a count: a whole number, 0 or more")
    return value


CHILD_RULES: Final[Mapping[str, Action]] = {
    "id": "pseudonym",
    "site_id": "pseudonym",
    "version": "drop",
    "display_name": "drop",
    "mrn": "drop",
    "birth_date": "shift",
    "sex": "keep",
    "gestational_age": "keep",
    "born_preterm": "keep",
    "verbal": "keep",
    "cognitive_impairment": "keep",
    "setting": "keep",
    "ward": "drop",
    "touch_aversion": "keep",
    "trauma_history": "keep",
    "touch_notes": "drop",
    "goals_of_care": "keep",
    "goals_of_care_by": "drop",
    "goals_of_care_at": "shift",
    "as_of": "shift",
    "age_days": "age",
    "age_label": "drop",
    "corrected_age_days": "keep",
    "stage": "keep",
    "stage_label": "keep",
    "conditions": "keep",
    "devices": "keep",
    "observations": "shift_items",
    "procedures": "shift_items",
    "skin": "keep",
    "medications": "keep",
    "guardians": "drop",
}
"""Every field of a child record and what the export does with it (see the module docstring for
the Safe Harbor identifier behind each ``drop``, ``pseudonym``, ``shift`` and ``age``)."""

ITEM_DATES: Final = ("taken_at", "date")
ITEM_DROPPED: Final = ("id",)


def deidentify_child(
    *, record: Mapping[str, object], secret: bytes, max_days: int = 365
) -> dict[str, object]:
    """A child record as an export row, by :data:`CHILD_RULES`.

    A field without a rule is refused, so a column added to the record later cannot reach an
    export until someone decides what Safe Harbor requires of it. ``age_days`` leaves as
    ``age_years`` (whole years, ``"90+"`` over 89).
    """
    unknown = sorted(set(record) - set(CHILD_RULES))
    if unknown:
        raise ValidationError("record", unknown, "fields with a rule in CHILD_RULES")
    child_id = str(record["id"])
    offset = date_offset_days(secret=secret, child_id=child_id, max_days=max_days)
    keys = KeyedIds(secret=secret)
    out: dict[str, object] = {}
    for field, value in record.items():
        action = CHILD_RULES[field]
        if action == "keep":
            out[field] = value
        elif action == "pseudonym":
            out[field] = keys.pseudonym(kind=field, value=str(value))
        elif action == "shift":
            out[field] = _shifted(value, offset)
        elif action == "age":
            out["age_years"] = _age_from_days(value)
        elif action == "shift_items":
            out[field] = [_shifted_item(item, offset) for item in _items(field, value)]
    return out


def _shifted(value: object, offset: int) -> object:
    if value is None:
        return None
    if isinstance(value, date):  # a datetime is a date too; shift keeps the type
        return shift(value=value, offset_days=offset)
    raise ValidationError("date", value, "a date or timestamp")


def _age_from_days(value: object) -> str | int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError("age_days", value, "a number of days")
    return age_years_grouped(age_years=value / DAYS_PER_YEAR)


def _items(field: str, value: object) -> list[Mapping[str, object]]:
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise ValidationError(field, value, "a list of records")
    return value


def _shifted_item(item: Mapping[str, object], offset: int) -> dict[str, object]:
    kept = {key: value for key, value in item.items() if key not in ITEM_DROPPED}
    return {
        key: _shifted(value, offset) if key in ITEM_DATES else value for key, value in kept.items()
    }
