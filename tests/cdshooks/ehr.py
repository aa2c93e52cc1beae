"""A small EHR played by the tests: its keys, its JWK Set and FHIR server on local ports, the JWT
it signs for each call, spec-shaped hook requests, and the cards rendered as text.

Everything listens on 127.0.0.1 only and stops when its ``with`` block ends.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
PATIENT_ID = "1288992"
"""The patient of the spec's examples."""


# --- keys ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SigningKey:
    """A private key the EHR signs with, and its public half as a JWK."""

    kid: str
    algorithm: str
    private: Any
    public_jwk: dict[str, Any]


def es384_key(kid: str = "ehr-es384") -> SigningKey:
    private = ec.generate_private_key(ec.SECP384R1())
    return _signing_key(kid, "ES384", private, jwt.algorithms.ECAlgorithm)


def rs384_key(kid: str = "ehr-rs384") -> SigningKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return _signing_key(kid, "RS384", private, jwt.algorithms.RSAAlgorithm)


def _signing_key(kid: str, algorithm: str, private: Any, kind: Any) -> SigningKey:
    public = json.loads(kind.to_jwk(private.public_key()))
    public.update({"kid": kid, "use": "sig", "alg": algorithm})
    return SigningKey(kid=kid, algorithm=algorithm, private=private, public_jwk=public)


def jwk_set(*keys: SigningKey) -> dict[str, Any]:
    return {"keys": [k.public_jwk for k in keys]}


# --- local HTTP servers ----------------------------------------------------------------------


@dataclass
class Seen:
    """One request a local server received."""

    path: str
    headers: dict[str, str]


@dataclass
class LocalServer:
    """An HTTP server on 127.0.0.1 answering GETs from ``answer(path, query)`` with JSON."""

    answer: Callable[[str, str], tuple[int, Any]]
    seen: list[Seen] = field(default_factory=list)
    url: str = ""


@contextmanager
def serving(answer: Callable[[str, str], tuple[int, Any]]) -> Iterator[LocalServer]:
    server = LocalServer(answer)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            server.seen.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
            status, body = server.answer(parts.path, parts.query)
            data = json.dumps(body).encode()
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", body)  # a redirect's answer is where to
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests read ``seen`` instead."""

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def fhir_answer(record: Mapping[str, Any]) -> Callable[[str, str], tuple[int, Any]]:
    """A FHIR server over ``record`` (a patient and lists of resources by type): a read of
    ``/fhir/Patient/<id>`` or a search ``/fhir/<Type>?…`` answered as a searchset Bundle."""

    def answer(path: str, query: str) -> tuple[int, Any]:
        parts = path.removeprefix("/fhir/").split("/")
        if parts[0] == "Patient" and len(parts) == 2:
            patient = record["patient"]
            return (200, patient) if parts[1] == patient["id"] else (404, {})
        resources = record.get(parts[0], [])
        return 200, searchset(resources)

    return answer


def searchset(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [{"resource": r} for r in resources],
    }


# --- the EHR ---------------------------------------------------------------------------------


@dataclass
class Ehr:
    """An EHR: its issuer URL, signing key and where its JWK Set is served."""

    issuer: str
    key: SigningKey
    jwks_url: str

    def token(
        self,
        audience: str | list[str],
        *,
        now: datetime,
        lifetime: timedelta = timedelta(minutes=5),
        key: SigningKey | None = None,
        issuer: str | None = None,
        headers: Mapping[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        """A JWT as the spec's example has it: ``alg``, ``typ``, ``kid`` (and ``jku``) in the
        header; ``iss``, ``aud``, ``exp``, ``iat``, ``jti`` (and ``tenant``) in the payload."""
        signer = key or self.key
        payload = {
            "iss": issuer or self.issuer,
            "aud": audience,
            "exp": int((now + lifetime).timestamp()),
            "iat": int(now.timestamp()),
            "jti": str(uuid.uuid4()),
            "tenant": "2ddd6c3a-8e9a-44c6-a305-52111ad302a2",
            **claims,
        }
        header: dict[str, Any] = {"kid": signer.kid}
        if self.jwks_url.startswith(("http://", "https://")):
            header["jku"] = self.jwks_url
        header.update(headers or {})
        return jwt.encode(payload, signer.private, algorithm=signer.algorithm, headers=header)


# --- the record and the requests -------------------------------------------------------------


def patient(birth_date: str = "2018-05-02") -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": PATIENT_ID,
        "active": True,
        "gender": "female",
        "birthDate": birth_date,
    }


def subject() -> dict[str, str]:
    return {"reference": f"Patient/{PATIENT_ID}"}


def observation(loinc: str, value: float, unit: str, taken: datetime, oid: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": loinc}]},
        "subject": subject(),
        "effectiveDateTime": taken.isoformat(),
        "valueQuantity": {
            "value": value,
            "unit": unit,
            "system": "http://unitsofmeasure.org",
            "code": unit,
        },
    }


def condition(snomed: str, display: str, oid: str) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": oid,
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "code": {"coding": [{"system": SNOMED, "code": snomed, "display": display}]},
        "subject": subject(),
    }


def vitals(now: datetime) -> list[dict[str, Any]]:
    """A normal temperature, heart rate, breathing rate and saturation an hour ago."""
    taken = now - timedelta(hours=1)
    return [
        observation("8310-5", 36.8, "Cel", taken, "temp-1"),
        observation("8867-4", 96, "/min", taken, "hr-1"),
        observation("9279-1", 22, "/min", taken, "rr-1"),
        observation("59408-5", 98, "%", taken, "spo2-1"),
    ]


def prefetch(record: Mapping[str, Any]) -> dict[str, Any]:
    """The full prefetch for ``record``: every key of the discovery's templates."""
    return {
        "patient": record["patient"],
        "conditions": searchset(record.get("Condition", [])),
        "observations": searchset(record.get("Observation", [])),
        "devices": searchset(record.get("Device", [])),
        "device_uses": searchset(record.get("DeviceUseStatement", [])),
        "medications": searchset(record.get("MedicationRequest", [])),
        "procedures": searchset(record.get("Procedure", [])),
    }


def patient_view(
    record: Mapping[str, Any] | None, fhir_server: str, *, with_token: bool = True
) -> dict[str, Any]:
    """A patient-view call shaped like the spec's example request."""
    body: dict[str, Any] = {
        "hookInstance": str(uuid.uuid4()),
        "fhirServer": fhir_server,
        "hook": "patient-view",
        "context": {
            "userId": "Practitioner/example",
            "patientId": PATIENT_ID,
            "encounterId": "89284",
        },
    }
    if with_token:
        body["fhirAuthorization"] = {
            "access_token": "some-opaque-fhir-access-token",
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "user/Patient.read user/Observation.read user/Condition.read",
            "subject": "cds-service4",
        }
    if record is not None:
        body["prefetch"] = prefetch(record)
    return body


def massage_order(order_id: str = "massage-1") -> dict[str, Any]:
    return {
        "resourceType": "ServiceRequest",
        "id": order_id,
        "status": "draft",
        "intent": "order",
        "code": {"text": "Therapeutic massage, 20 minutes"},
        "subject": subject(),
    }


def medication_order() -> dict[str, Any]:
    """The spec's example draft order: amoxicillin, from the order-select R4 example."""
    return {
        "resourceType": "MedicationRequest",
        "id": "smart-MedicationRequest-103",
        "status": "draft",
        "intent": "order",
        "medicationCodeableConcept": {
            "coding": [
                {
                    "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                    "code": "617993",
                    "display": (
                        "Amoxicillin 120 MG/ML / clavulanate potassium 8.58 MG/ML Oral Suspension"
                    ),
                }
            ],
        },
        "subject": subject(),
    }


def order_select(
    record: Mapping[str, Any], fhir_server: str, selections: list[str], orders: list[Any]
) -> dict[str, Any]:
    """An order-select call shaped like the spec's R4 example."""
    body = patient_view(record, fhir_server)
    body["hook"] = "order-select"
    body["context"] = {
        "userId": "PractitionerRole/123",
        "patientId": PATIENT_ID,
        "encounterId": "89284",
        "selections": selections,
        "draftOrders": {"resourceType": "Bundle", "entry": [{"resource": o} for o in orders]},
    }
    return body


def render(cards: list[dict[str, Any]]) -> str:
    """The cards as the EHR shows them, one summary line each (and its suggestions)."""
    lines = []
    for card in cards:
        lines.append(
            f"[{card['indicator'].upper()}] {card['summary']}  ({card['source']['label']})"
        )
        lines.extend(f"    -> {s['label']}" for s in card.get("suggestions", []))
    return "\n".join(lines) or "(no cards)"


@dataclass(frozen=True)
class Played:
    """What the EHR saw: the HTTP status, the cards, and the cards as it rendered them."""

    status: int
    cards: list[dict[str, Any]]
    text: str


def play(
    client: Any, ehr: Ehr, base: str, service_id: str, body: dict[str, Any], now: datetime
) -> Played:
    """The EHR's side of one hook: discovery, the call with a fresh JWT, the cards shown.

    ``client`` is an HTTP client of the pedmassage app served at ``base``: the JWT's audience is
    the service's URL there.
    """
    services = {s["id"]: s for s in client.get("/cds-services").json()["services"]}
    service = services[service_id]
    assert body["hook"] == service["hook"]
    token = ehr.token(f"{base}/cds-services/{service_id}", now=now)
    answer = client.post(
        f"/cds-services/{service_id}", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    cards = answer.json().get("cards", []) if answer.status_code == 200 else []
    text = render(cards) if answer.status_code == 200 else f"HTTP {answer.status_code}"
    print(f"--- {service['hook']} -> {service_id}\n{text}")  # noqa: T201 - the EHR's screen
    return Played(answer.status_code, cards, text)
