"""The code systems and the few fixed codes the FHIR export writes, each with where it comes from.

Codes of the child's own facts (conditions, devices, body sites, labs, vitals) are not here: they
come from the vocabulary (:func:`pedmassage.vocabulary.standard_codes`), and instruments carry their
own LOINC code (``measures/instruments/*.yaml``). What is here is what the export itself decides:
how a consent, a score or a relationship is coded. A concept no published source confirmed a code
for is sent as text only, never with a guessed code.
"""

from __future__ import annotations

from dataclasses import dataclass

from pedmassage.vocabulary import SYSTEMS

SNOMED = SYSTEMS["snomed"]
LOINC = SYSTEMS["loinc"]
ICD10 = SYSTEMS["icd10"]
UCUM = SYSTEMS["ucum"]

_HL7 = "http://terminology.hl7.org/CodeSystem/"
OBSERVATION_CATEGORY = _HL7 + "observation-category"
"""FHIR R4 ObservationCategoryCodes (preferred binding of Observation.category)."""
CONDITION_CLINICAL = _HL7 + "condition-clinical"
CONDITION_CATEGORY = _HL7 + "condition-category"
CONSENT_SCOPE = _HL7 + "consentscope"
"""FHIR R4 ConsentScopeCodes, the required binding of Consent.scope: adr, research,
patient-privacy, treatment."""
V3_ROLE_CODE = _HL7 + "v3-RoleCode"
V2_IDENTIFIER_TYPE = _HL7 + "v2-0203"


@dataclass(frozen=True)
class Code:
    """One coding: its system, its code and, where the code system's own display is known, that
    display (a wrong display is worse than none, so most codings here carry none)."""

    system: str
    code: str
    display: str | None = None


LOCAL_CODES = "urn:pedmassage:code:"
"""The program's own code systems, one per coded list (``urn:pedmassage:code:condition``…): every
coded fact carries its local code beside the standard ones, so a Bundle read back by pedmassage
keeps facts no standard code was confirmed for (a cast, haemophilia), and any other reader sees a
local coding it may ignore."""
PROFILE_EXTENSION = "urn:pedmassage:extension:"
"""Extensions on the Patient for what the screening reads of the profile and FHIR has no element
for: ``verbal``, ``cognitive-impairment``, ``touch-aversion``, ``trauma-history`` (booleans),
``goals-of-care`` (code: curative or comfort), ``gestational-age-weeks`` and
``gestational-age-days`` at birth (integers: no code for gestational age at birth was confirmed)."""
PROFILE_FLAGS = {
    "verbal": "verbal",
    "cognitive-impairment": "cognitive_impairment",
    "touch-aversion": "touch_aversion",
    "trauma-history": "trauma_history",
}
"""Extension name → the profile's field, for the boolean flags."""


def local_system(kind: str) -> str:
    """The program's own code system for one coded list."""
    return LOCAL_CODES + kind


MRN_SYSTEM = "urn:pedmassage:mrn"
"""Placeholder namespace of the hospital record number (Patient.identifier.system). A receiving
system matches patients on system + value, so a hospital replaces this with its own MRN namespace
(an OID as ``urn:oid:…`` or its URL) when it connects; ``export_bundle(mrn_system=…)`` takes it."""
MEDICAL_RECORD_NUMBER = Code(V2_IDENTIFIER_TYPE, "MR", "Medical record number")
"""HL7 v2 table 0203, the identifier type FHIR R4 Patient examples use for an MRN."""

VITAL_SIGNS = Code(OBSERVATION_CATEGORY, "vital-signs", "Vital Signs")
LABORATORY = Code(OBSERVATION_CATEGORY, "laboratory", "Laboratory")
SURVEY = Code(OBSERVATION_CATEGORY, "survey", "Survey")
"""An assessment tool's score (pain and fear scales), as FHIR R4 defines the ``survey`` category."""

CONDITION_ACTIVE = Code(CONDITION_CLINICAL, "active", "Active")
PROBLEM_LIST_ITEM = Code(CONDITION_CATEGORY, "problem-list-item", "Problem List Item")

CONSENT_TREATMENT = Code(CONSENT_SCOPE, "treatment", "Treatment")
CONSENT_DOCUMENT = Code(LOINC, "59284-0", "Consent Document")
"""LOINC 59284-0, the one LOINC code of FHIR R4's consent-category value set that fits a consent to
care (the others are privacy and release-of-information documents). Its display was "Patient
Consent" in older LOINC releases; tx.fhir.org's expansion on LOINC 2.82 reads "Consent Document"."""

SCORE_UNIT = "{score}"
"""UCUM's unity with an annotation: how a scale's points are sent as a Quantity."""

FLACC_ITEMS: dict[str, Code] = {
    "face": Code(LOINC, "38216-8"),
    "legs": Code(LOINC, "38217-6"),
    "activity": Code(LOINC, "38218-4"),
    "cry": Code(LOINC, "38219-2"),
    "consolability": Code(LOINC, "38220-0"),
}
"""FLACC's five items by the keys of ``measures/instruments/flacc.yaml``. The range 38216-8 to
38220-0 is confirmed by two or more sources (clinical-reference.md 7); which code is which item
comes from a public FHIR Shorthand profile of the FLACC panel 38213-5 that names each code's LOINC
long name ("Pain severity Face FLACC" … "Pain severity Consolability FLACC"), and agrees with the
item order of the LHC-Forms rendering of the panel (38216-8, 38217-6 first). One source for the
item-by-item mapping: confirm the long names on loinc.org before release."""

MASSAGE_PROCEDURE_TEXT = "Therapeutic massage"
"""Procedure.code of a session, as text only. clinical-reference.md 7 lists SNOMED CT 387854002 for
massage therapy as UNVERIFIED, and no published terminology source consulted (FHIR value set
expansions, SNOMED browsers) confirmed it: public code lists carry the number without its fully
specified name. Until a SNOMED CT browser confirms a concept, no coding is sent."""

RELATIONSHIPS: dict[str, Code] = {
    "mother": Code(V3_ROLE_CODE, "MTH", "mother"),
    "mum": Code(V3_ROLE_CODE, "MTH", "mother"),
    "mom": Code(V3_ROLE_CODE, "MTH", "mother"),
    "father": Code(V3_ROLE_CODE, "FTH", "father"),
    "dad": Code(V3_ROLE_CODE, "FTH", "father"),
    "parent": Code(V3_ROLE_CODE, "PRN", "parent"),
    "guardian": Code(V3_ROLE_CODE, "GUARD", "guardian"),
    "legal guardian": Code(V3_ROLE_CODE, "GUARD", "guardian"),
}
"""A guardian's stated relationship, case-folded, to HL7 v3 RoleCode (the codes FHIR R4's
Patient Relationship Type value set draws on); any other relationship is sent as text only."""

UCUM_CODES: dict[str, str] = {
    "10^9/L": "10*9/L",
    "10^3/uL": "10*3/uL",
    "10^3/µL": "10*3/uL",
    "/µL": "/uL",
    "°C": "Cel",
    "degC": "Cel",
    "°F": "[degF]",
    "degF": "[degF]",
    "lb": "[lb_av]",
    "in": "[in_i]",
}
"""The printed spellings of units a lab or vital may be entered and stored in
(``vocabulary/terms/measures.yaml``) that are not UCUM's own codes, with the UCUM code for each
(UCUM writes powers of ten with ``*``, micro as ``u``, and customary units in brackets).

Every other accepted spelling already is a UCUM code: ``UCUM_AS_IS``. A value is sent as it was
measured, in its own unit, rather than converted: a conversion adds nothing a receiver cannot do
and may add rounding noise."""

UCUM_AS_IS = frozenset(
    {
        "10*9/L", "10*3/uL", "/nL", "/uL", "/L", "1", "{INR}", "{ratio}", "g/L", "g/dL", "mg/dL",
        "Cel", "[degF]", "/min", "{beats}/min", "{breaths}/min", "1/min", "%", "g", "kg",
        "[lb_av]", "cm", "mm", "m", "[in_i]",
    }
)  # fmt: skip


def ucum(unit: str) -> str:
    """The UCUM code of a stored unit."""
    return UCUM_CODES.get(unit, unit)


def relationship(stated: str) -> Code | None:
    """The RoleCode of a guardian's stated relationship, or None when none fits exactly."""
    return RELATIONSHIPS.get(" ".join(stated.casefold().split()))
