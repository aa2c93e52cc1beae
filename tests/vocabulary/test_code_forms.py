"""Every standard code in the vocabulary has the form its system defines.

The check-digit algorithms are written here from their published definitions, not imported from the
code under test: SNOMED CT Technical Implementation Guide, "Check-digit computation" (Verhoeff
dihedral-group check digit) and "Partition identifier"; LOINC Users' Guide, "Calculating mod 10
check digits". Each is first shown to accept known codes and to reject a corrupted one.
"""

from __future__ import annotations

import re

import pytest

from pedmassage.vocabulary import KINDS, SYSTEMS, standard_codes
from pedmassage.vocabulary.terms import _local_codes, term_list

# Verhoeff: multiplication table of the dihedral group D5.
_D = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
]
# The position permutation: p(1) = (1 5 7 6 2 8 3 0 9 4) applied i times for position i (mod 8).
_P1 = [1, 5, 7, 6, 2, 8, 3, 0, 9, 4]
_P = [list(range(10))]
for _ in range(7):
    _P.append([_P1[x] for x in _P[-1]])


def verhoeff_valid(number: str) -> bool:
    """True when the last digit is the Verhoeff check digit of the rest."""
    check = 0
    for i, digit in enumerate(reversed(number)):
        check = _D[check][_P[i % 8][int(digit)]]
    return check == 0


def snomed_concept_id_valid(sctid: str) -> bool:
    """6 to 18 digits, no leading zero, partition 00 (short) or 10 (long) concept, Verhoeff."""
    if not re.fullmatch(r"[1-9]\d{5,17}", sctid):
        return False
    return sctid[-3:-1] in ("00", "10") and verhoeff_valid(sctid)


def loinc_check_digit(digits: str) -> int:
    """LOINC mod 10: double the number formed by the odd positions (from the right), put the even
    positions in front, add the digits, and take the distance to the next multiple of ten."""
    reversed_digits = digits[::-1]
    odd = reversed_digits[0::2][::-1]
    even = reversed_digits[1::2][::-1]
    total = sum(int(d) for d in even + str(int(odd) * 2))
    return (10 - total % 10) % 10


def loinc_valid(code: str) -> bool:
    match = re.fullmatch(r"(\d{1,7})-(\d)", code)
    return match is not None and loinc_check_digit(match.group(1)) == int(match.group(2))


ICD10 = re.compile(r"[A-Z]\d{2}(\.[0-9A-Z]{1,2})?")
ATC_LEVELS = [
    re.compile(r"[A-Z]"),
    re.compile(r"[A-Z]\d{2}"),
    re.compile(r"[A-Z]\d{2}[A-Z]"),
    re.compile(r"[A-Z]\d{2}[A-Z]{2}"),
    re.compile(r"[A-Z]\d{2}[A-Z]{2}\d{2}"),
]


def atc_valid(code: str) -> bool:
    return any(level.fullmatch(code) for level in ATC_LEVELS)


@pytest.mark.parametrize("sctid", ["195967001", "404684003", "138875005", "108291000146105"])
def test_verhoeff_and_partition_accept_published_concept_ids(sctid: str) -> None:
    # 404684003 Clinical finding, 138875005 SNOMED CT root; the last is a long-format (extension)
    # id from clinical-reference.md section 7, partition 10.
    assert snomed_concept_id_valid(sctid)


@pytest.mark.parametrize("sctid", ["195967002", "195967010", "915967001", "195697001"])
def test_verhoeff_rejects_a_changed_or_transposed_digit(sctid: str) -> None:
    assert not snomed_concept_id_valid(sctid)


@pytest.mark.parametrize("code", ["777-3", "8310-5", "29463-7", "72514-3", "38213-5", "57696-7"])
def test_loinc_mod_10_accepts_published_codes(code: str) -> None:
    assert loinc_valid(code)


@pytest.mark.parametrize("code", ["777-4", "8301-5", "29463-1"])
def test_loinc_mod_10_rejects_a_wrong_check_digit(code: str) -> None:
    assert not loinc_valid(code)


def _all_codes(system: str) -> list[tuple[str, str, str]]:
    uri = SYSTEMS[system]
    return [
        (kind, local, codes[uri])
        for kind in KINDS
        for local in _local_codes(kind)
        if uri in (codes := standard_codes(kind, local))
    ]


def test_every_snomed_code_is_a_valid_concept_id() -> None:
    found = _all_codes("snomed")
    assert found, "the vocabulary exports SNOMED CT codes"
    assert [f for f in found if not snomed_concept_id_valid(f[2])] == []


def test_every_loinc_code_has_its_check_digit() -> None:
    found = _all_codes("loinc")
    assert {kind for kind, _, _ in found} == {"lab", "vital"}
    assert [f for f in found if not loinc_valid(f[2])] == []


def test_every_icd10_code_has_the_who_form() -> None:
    found = _all_codes("icd10")
    assert found
    assert [f for f in found if not ICD10.fullmatch(f[2])] == []


def test_every_atc_code_is_a_level_of_the_atc_hierarchy() -> None:
    classes = [c for c in _all_codes("atc")]
    medicines = [m.atc for m in term_list("medication_class").medicines.values() if m.atc]
    also = [
        ref.code
        for term in term_list("medication_class").entries.values()
        for ref in term.also
        if ref.system == "atc"
    ]
    assert classes and medicines and also
    assert [c for c in classes if not atc_valid(c[2])] == []
    assert [c for c in [*medicines, *also] if not atc_valid(c)] == []


def test_a_medicine_code_lies_inside_its_class_group() -> None:
    terms = term_list("medication_class")
    for name, medicine in terms.medicines.items():
        group = terms.entries[medicine.class_]
        groups = [group.atc, *(r.code for r in group.also)]
        if medicine.atc and any(groups) and medicine.class_ != "sedative":
            assert any(g and medicine.atc.startswith(g) for g in groups), name
