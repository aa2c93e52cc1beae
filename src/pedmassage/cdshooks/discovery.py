"""The CDS services pedmassage offers an EHR, as ``GET {base}/cds-services`` describes them.

Two services run the same screening at two moments: when a clinician opens a child's record
(``patient-view``) and when a clinician selects a massage order (``order-select``). Both ask for
the same data, so both have the same prefetch templates; the observation template names exactly
the readings the screening rules look at, by their LOINC codes taken from the project's code book
(``vocabulary/codes.yaml``), so the template and the rules cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pedmassage.vocabulary import code_book

Hook = Literal["patient-view", "order-select"]

SCREENING_SERVICE = "pedmassage-massage-screening"
ORDER_SERVICE = "pedmassage-massage-order"

LOINC = "http://loinc.org"
SCREENED_LABS = ("platelets", "anc", "inr", "haemoglobin")
SCREENED_VITALS = ("temperature", "heart_rate", "respiratory_rate", "spo2", "weight")
"""The readings whose latest values the rules read (the local codes of the code book)."""


def observation_codes() -> list[str]:
    """The LOINC codes of :data:`SCREENED_LABS` and :data:`SCREENED_VITALS`, in that order."""
    book = code_book()
    labs = [book.labs[code].loinc for code in SCREENED_LABS]
    vitals = [book.vitals[code].loinc for code in SCREENED_VITALS]
    return [code for code in (*labs, *vitals) if code]


def prefetch_templates() -> dict[str, str]:
    """What the screening needs, one FHIR query per key, within the spec's prefetch subset.

    Only active conditions and medicines are asked for; observations and procedures come newest
    first (``_sort=-date``), so the first page holds the latest reading of each kind and the most
    recent procedures, which are all the rules look at. Devices come with their statements of
    use, which say where a line or tube is (a FHIR R4 Device has no body site) and whether it is
    still in place.
    """
    patient = "{{context.patientId}}"
    codes = ",".join(f"{LOINC}|{code}" for code in observation_codes())
    return {
        "patient": f"Patient/{patient}",
        "conditions": f"Condition?patient={patient}&clinical-status=active",
        "observations": f"Observation?patient={patient}&code={codes}&_sort=-date",
        "devices": f"Device?patient={patient}",
        "device_uses": f"DeviceUseStatement?patient={patient}",
        "medications": f"MedicationRequest?patient={patient}&status=active",
        "procedures": f"Procedure?patient={patient}&_sort=-date",
    }


USAGE = (
    "Calls must carry a JWT signed by an EHR this pedmassage site trusts (its issuer and JWK Set "
    "configured by the operator). The cards cover the clinical precautions only: consent and "
    "assent are asked at the bedside, and the therapist screens again before each session."
)


@dataclass(frozen=True)
class Service:
    """One CDS service: the hook it answers and how it presents itself in discovery."""

    id: str
    hook: Hook
    title: str
    description: str

    def discovery_entry(self) -> dict[str, Any]:
        return {
            "hook": self.hook,
            "title": self.title,
            "description": self.description,
            "id": self.id,
            "prefetch": prefetch_templates(),
            "usageRequirements": USAGE,
        }


SERVICES: dict[str, Service] = {
    s.id: s
    for s in (
        Service(
            id=SCREENING_SERVICE,
            hook="patient-view",
            title="pedmassage massage precaution screening",
            description=(
                "Screens the child whose record is opened against pedmassage's massage "
                "precaution rules (blood counts, fever, lines and devices, recent procedures, "
                "conditions, medicines) and says whether massage may go ahead, needs changes, "
                "or should be held, with each reason and its source."
            ),
        ),
        Service(
            id=ORDER_SERVICE,
            hook="order-select",
            title="pedmassage massage order check",
            description=(
                "When a massage order is selected, screens the child against pedmassage's "
                "massage precaution rules; on a hold, suggests removing the draft order, and on "
                "changes, suggests adding them to the order. Other orders get no card."
            ),
        ),
    )
}


def discovery() -> dict[str, Any]:
    """The discovery document: ``{"services": [...]}``."""
    return {"services": [s.discovery_entry() for s in SERVICES.values()]}
