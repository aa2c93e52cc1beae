"""Reading entries into local codes: local codes, synonyms and standard {system, code} pairs all
land on the same local code; unknown entries are refused naming the nearest known ones."""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from pedmassage.errors import ValidationError
from pedmassage.vocabulary import (
    KINDS,
    SYSTEMS,
    code_book,
    label,
    medicine_class,
    resolve,
    standard_codes,
)
from pedmassage.vocabulary.terms import _local_codes, _term_table, normalize, term_list

CATALOGUE = Path(__file__).parents[2] / "src/pedmassage/safety/catalogue.yaml"


@pytest.mark.parametrize("kind", KINDS)
def test_every_local_code_resolves_to_itself(kind: str) -> None:
    for code in _local_codes(kind):
        assert resolve(kind, code, "f") == code


@pytest.mark.parametrize(
    ("kind", "entry", "code"),
    [
        ("condition", "hemophilia", "haemophilia"),
        ("condition", "lymphedema", "lymphoedema"),
        ("condition", "tumor", "tumour"),
        ("condition", "NEC", "necrotising_enterocolitis"),
        ("condition", "necrotizing enterocolitis", "necrotising_enterocolitis"),
        ("condition", "IVH", "intraventricular_haemorrhage"),
        ("condition", "ITP", "immune_thrombocytopenia"),
        ("condition", "DVT", "deep_vein_thrombosis"),
        ("condition", "JIA", "juvenile_idiopathic_arthritis"),
        ("condition", "CF", "cystic_fibrosis"),
        ("condition", "PTSD", "post_traumatic_stress"),
        ("condition", "ADHD", "adhd"),
        ("condition", "ASD", "autism"),
        ("condition", "seizures", "epilepsy"),
        ("condition", "trisomy 21", "down_syndrome"),
        ("device", "CVC", "central_venous_catheter"),
        ("device", "PICC line", "picc"),
        ("device", "NGT", "nasogastric_tube"),
        ("device", "NJT", "nasojejunal_tube"),
        ("device", "PEG", "gastrostomy_tube"),
        ("device", "G-tube", "gastrostomy_tube"),
        ("device", "VP shunt", "vp_shunt"),
        ("device", "UVC", "umbilical_venous_catheter"),
        ("device", "UAC", "umbilical_arterial_catheter"),
        ("device", "ETT", "endotracheal_tube"),
        ("device", "trach", "tracheostomy"),
        ("device", "bili lights", "phototherapy"),
        ("skin_finding", "cellulitis", "skin_infection"),
        ("skin_finding", "skin graft", "open_wound"),
        ("procedure", "LP", "lumbar_puncture"),
        ("procedure", "immunisation", "immunization"),
        ("body_site", "left thigh", "thigh_left"),
        ("lab", "Hb", "haemoglobin"),
        ("lab", "Hgb", "haemoglobin"),
        ("lab", "hemoglobin", "haemoglobin"),
        ("lab", "plt", "platelets"),
        ("lab", "ANC", "anc"),
        ("vital", "HR", "heart_rate"),
        ("vital", "RR", "respiratory_rate"),
        ("vital", "SpO2", "spo2"),
        ("vital", "temp", "temperature"),
        ("medication_class", "steroids", "corticosteroid"),
    ],
)
def test_spellings_and_abbreviations_resolve(kind: str, entry: str, code: str) -> None:
    assert resolve(kind, entry, "f") == code


@pytest.mark.parametrize("entry", ["vp shunt", "VP-SHUNT", "Vp_Shunt", "  vp   shunt "])
def test_case_spaces_hyphens_and_underscores_are_equivalent(entry: str) -> None:
    assert resolve("device", entry, "devices[0].kind") == "vp_shunt"


@pytest.mark.parametrize("kind", KINDS)
def test_no_synonym_names_two_codes(kind: str) -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for code, term in _term_table(kind).items():
        owners[normalize(code)].add(code)
        for synonym in term.synonyms:
            owners[normalize(synonym)].add(code)
    assert {s: c for s, c in owners.items() if len(c) > 1} == {}


@pytest.mark.parametrize("kind", KINDS)
def test_every_exported_code_reads_back_to_its_local_code(kind: str) -> None:
    short = {uri: name for name, uri in SYSTEMS.items()}
    for code in _local_codes(kind):
        for system, value in standard_codes(kind, code).items():
            assert resolve(kind, {"system": system, "code": value}, "f") == code
            assert resolve(kind, {"system": short[system], "code": value}, "f") == code


def test_a_narrower_standard_code_is_read_but_never_exported() -> None:
    seizure = {"system": "snomed", "code": "91175000"}
    assert resolve("condition", seizure, "conditions[0]") == "epilepsy"
    assert "91175000" not in standard_codes("condition", "epilepsy").values()


def test_a_misspelt_entry_names_the_field_and_the_nearest_codes() -> None:
    with pytest.raises(ValidationError) as err:
        resolve("condition", "haemophila", "conditions[2].code")
    assert err.value.field == "conditions[2].code"
    assert err.value.value == "haemophila"
    assert "haemophilia" in err.value.allowed


def test_an_unmapped_standard_code_is_refused_on_the_code() -> None:
    with pytest.raises(ValidationError) as err:
        resolve("device", {"system": "http://snomed.info/sct", "code": "1"}, "devices[0].kind")
    assert err.value.field == "devices[0].kind.code"


def test_an_unknown_system_is_refused_on_the_system() -> None:
    with pytest.raises(ValidationError) as err:
        resolve("condition", {"system": "http://example.org", "code": "x"}, "conditions[0].code")
    assert err.value.field == "conditions[0].code.system"
    assert "snomed" in err.value.allowed


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        resolve("allergy", "peanut", "f")
    assert err.value.field == "kind"


def test_every_catalogue_vocabulary_code_has_an_entry_here() -> None:
    vocabulary = yaml.safe_load(CATALOGUE.read_text())["vocabulary"]
    lists = {
        "condition": vocabulary["extra_conditions"],
        "procedure": vocabulary["procedures"],
        "skin_finding": vocabulary["skin_findings"],
        "medication_class": vocabulary["medication_classes"],
    }
    for kind, codes in lists.items():
        missing = set(codes) - set(_local_codes(kind))
        assert missing == set(), kind


def test_catalogue_labels_match_the_labels_here() -> None:
    vocabulary = yaml.safe_load(CATALOGUE.read_text())["vocabulary"]
    for kind, section in [
        ("procedure", "procedures"),
        ("skin_finding", "skin_findings"),
        ("medication_class", "medication_classes"),
    ]:
        for code, text in vocabulary[section].items():
            assert label(kind, code) == text


def test_new_conditions_and_devices_are_in_the_code_book() -> None:
    book = code_book()
    for code in ("epilepsy", "necrotising_enterocolitis", "sickle_cell_disease", "mucositis"):
        assert code in book.conditions
    for kind in ("vp_shunt", "umbilical_venous_catheter", "chest_drain", "phototherapy"):
        assert kind in book.devices


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("enoxaparin", "anticoagulant"),
        ("Clexane", "anticoagulant"),
        ("heparin", "anticoagulant"),
        ("warfarin", "anticoagulant"),
        ("rivaroxaban", "anticoagulant"),
        ("aspirin", "antiplatelet"),
        ("clopidogrel", "antiplatelet"),
        ("morphine", "opioid"),
        ("fentanyl", "opioid"),
        ("oxycodone", "opioid"),
        ("midazolam", "sedative"),
        ("lorazepam", "sedative"),
        ("chloral hydrate", "sedative"),
        ("dexmedetomidine", "sedative"),
        ("tacrolimus", "immunosuppressant"),
        ("cyclosporine", "immunosuppressant"),
        ("mycophenolate mofetil", "immunosuppressant"),
        ("prednisolone", "corticosteroid"),
        ("methylprednisolone", "corticosteroid"),
        ("methotrexate", "chemotherapy"),
        ("vincristine", "chemotherapy"),
        ("ibuprofen", "nsaid"),
        ("levetiracetam", "antiepileptic"),
        ("insulin", "insulin"),
    ],
)
def test_medicine_names_map_to_their_class(name: str, cls: str) -> None:
    assert medicine_class(name) == cls


def test_every_medicine_maps_to_a_listed_class() -> None:
    terms = term_list("medication_class")
    assert {m.class_ for m in terms.medicines.values()} <= set(terms.entries)


def test_an_unknown_medicine_names_the_nearest() -> None:
    with pytest.raises(ValidationError) as err:
        medicine_class("enoxaparine", "medications[0].name")
    assert err.value.field == "medications[0].name"
    assert "enoxaparin" in err.value.allowed


def test_resolving_a_local_code_costs_next_to_nothing() -> None:
    # The screening runs at 5,000 children/s with a handful of codes each: 100,000 look-ups of
    # local codes must take a small fraction of a second, not compete with the screening.
    codes = list(_local_codes("condition"))
    resolve("condition", codes[0], "f")
    start = time.perf_counter()
    for i in range(100_000):
        resolve("condition", codes[i % len(codes)], "f")
    assert time.perf_counter() - start < 0.5
