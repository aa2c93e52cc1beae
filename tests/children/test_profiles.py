"""Child profiles on real databases (SQLite and PostgreSQL): what is stored, and what is refused.

Every refusal names the field and what is allowed, and stores nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pedmassage.children import service
from pedmassage.children.models import Child, Observation
from pedmassage.children.schemas import ChildCreate
from pedmassage.errors import NotFoundError, ValidationError
from pedmassage.safety.contract import Measurement, MeasurementEntry


def profile(**overrides: Any) -> ChildCreate:
    base: dict[str, Any] = {
        "display_name": "Test Child",
        "birth_date": "2019-04-02",
        "sex": "female",
        "ward": "Ward 4",
        "conditions": [{"code": "asthma"}],
        "devices": [{"kind": "picc", "site": "arm_left"}],
        "labs": [
            {
                "code": "platelets",
                "value": 140,
                "unit": "10^9/L",
                "taken_at": "2026-11-25T07:00:00Z",
            }
        ],
        "vitals": [
            {
                "code": "temperature",
                "value": 37.1,
                "unit": "Cel",
                "taken_at": "2026-11-25T08:00:00Z",
            }
        ],
        "guardians": [{"name": "A Parent", "relationship": "mother"}],
    }
    base.update(overrides)
    return ChildCreate.model_validate(base)


def count(db: Session, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_a_profile_is_stored_with_its_facts_and_read_back_with_ages(
    db: Session, now: datetime
) -> None:
    child = service.create_child(db=db, data=profile(), now=now)
    db.expire_all()
    public = service.to_public(service.get_child(db=db, child_id=child.id), now.date())
    assert public.age_label == "7 y 7 mo"
    assert public.stage == "school_age"
    assert [c.code for c in public.conditions] == ["asthma"]
    assert public.devices[0].site == "arm_left"
    assert {o.code for o in public.observations} == {"platelets", "temperature"}
    assert public.observations[0].taken_at.tzinfo is not None
    assert public.guardians[0].relationship == "mother"


def test_ids_are_opaque_and_never_contain_the_name(db: Session, now: datetime) -> None:
    child = service.create_child(db=db, data=profile(display_name="Zed"), now=now)
    assert len(child.id) == 26
    assert "zed" not in child.id.lower()


def test_a_preterm_infant_shows_corrected_age(db: Session, now: datetime) -> None:
    born = (now - timedelta(days=84)).date()
    child = service.create_child(
        db=db,
        data=profile(
            birth_date=born.isoformat(),
            gestational_age_weeks=28,
            conditions=[{"code": "prematurity"}],
        ),
        now=now,
    )
    public = service.to_public(child, now.date())
    assert public.born_preterm
    assert public.corrected_age_days == 0
    assert public.gestational_age == "28+0"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"birth_date": "2026-11-26"}, "birth_date"),
        ({"birth_date": "2003-01-01"}, "birth_date"),
        ({"conditions": [{"code": "flu"}]}, "conditions[0].code"),
        ({"devices": [{"kind": "picc", "site": "elbow"}]}, "devices[0].site"),
        (
            {
                "labs": [
                    {
                        "code": "platelets",
                        "value": 140,
                        "unit": "mmol/L",
                        "taken_at": "2026-11-25T07:00:00Z",
                    }
                ]
            },
            "labs[0].unit",
        ),
        (
            {
                "vitals": [
                    {
                        "code": "temperature",
                        "value": 101,
                        "unit": "Cel",
                        "taken_at": "2026-11-25T07:00:00Z",
                    }
                ]
            },
            "vitals[0].value",
        ),
        (
            {
                "vitals": [
                    {
                        "code": "temperature",
                        "value": 37,
                        "unit": "Cel",
                        "taken_at": "2026-11-26T07:00:00Z",
                    }
                ]
            },
            "vitals[0].taken_at",
        ),
    ],
)
def test_bad_facts_are_refused_by_field_and_nothing_is_stored(
    db: Session, now: datetime, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as err:
        service.create_child(db=db, data=profile(**overrides), now=now)
    assert err.value.field == field
    assert err.value.allowed
    assert count(db, Child) == 0
    assert count(db, Observation) == 0


def test_an_observation_in_a_unit_that_cannot_measure_it_is_refused(
    db: Session, now: datetime
) -> None:
    child = service.create_child(db=db, data=profile(labs=[], vitals=[]), now=now)
    bad = MeasurementEntry(code="temperature", value=98.6, unit="mmol/L", taken_at=now)
    with pytest.raises(ValidationError) as err:
        service.add_observation(db=db, child_id=child.id, category="vital", data=bad, now=now)
    assert err.value.field == "vital.unit"
    assert "Cel" in err.value.allowed and "[degF]" in err.value.allowed


def test_an_observation_keeps_the_unit_it_came_in_and_is_screened_in_the_rules_unit(
    db: Session, now: datetime
) -> None:
    """98.6 °F is stored as 98.6 [degF]; the screening reads it as 37 °C (pint)."""
    child = service.create_child(db=db, data=profile(labs=[], vitals=[]), now=now)
    entry = MeasurementEntry(code="temp", value=98.6, unit="[degF]", taken_at=now)
    service.add_observation(db=db, child_id=child.id, category="vital", data=entry, now=now)
    stored = db.scalars(select(Observation)).one()
    assert (stored.code, stored.value, stored.unit) == ("temperature", 98.6, "[degF]")
    screened = Measurement(code=stored.code, value=stored.value, unit=stored.unit, taken_at=now)
    assert (round(screened.value, 6), screened.unit) == (37.0, "Cel")


def test_children_are_listed_by_ward_and_wards_only_from_the_askers_sites(
    db: Session, now: datetime
) -> None:
    a = service.create_child(db=db, data=profile(display_name="A", ward="NICU"), now=now)
    service.create_child(db=db, data=profile(display_name="B", ward="Ward 4"), now=now)
    assert [c.display_name for c in service.list_children(db=db, ward="NICU")] == ["A"]
    assert service.wards(db=db, site_ids=frozenset({a.site_id})) == ["NICU", "Ward 4"]
    assert service.wards(db=db, site_ids=frozenset({"another-site"})) == []


def test_an_unknown_child_id_is_not_found(db: Session) -> None:
    with pytest.raises(NotFoundError):
        service.get_child(db=db, child_id="01JUNKNOWN00000000000000000")


def test_age_labels_follow_clinical_usage() -> None:
    today = date(2026, 11, 25)
    assert service.age_label(date(2026, 11, 20), today) == "5 d"
    assert service.age_label(date(2026, 10, 1), today) == "7 wk"
    assert service.age_label(date(2025, 11, 1), today) == "12 mo"
    assert service.age_label(date(2020, 5, 25), today) == "6 y 6 mo"


def test_a_second_child_with_the_same_record_number_is_refused_without_echoing_it(
    db: Session, now: datetime
) -> None:
    from pedmassage.errors import ConflictError

    service.create_child(db=db, data=profile(mrn="MRN-77"), now=now)
    with pytest.raises(ConflictError) as err:
        service.create_child(db=db, data=profile(display_name="Other", mrn="MRN-77"), now=now)
    assert err.value.field == "mrn"
    assert "MRN-77" not in str(err.value)


def test_a_measurement_from_before_birth_is_refused(db: Session, now: datetime) -> None:
    early = [
        {"code": "temperature", "value": 37, "unit": "Cel", "taken_at": "0001-01-01T00:00:00+05:00"}
    ]
    with pytest.raises(ValidationError) as err:
        service.create_child(db=db, data=profile(vitals=early), now=now)
    assert err.value.field == "vitals[0].taken_at"


def test_a_profile_reads_synonyms_and_medicine_names_as_local_codes(
    db: Session, now: datetime
) -> None:
    data = profile(
        conditions=[{"code": "Hemophilia"}],
        devices=[{"kind": "G-tube", "site": "abdomen"}],
        medications=["enoxaparin", "blood thinner"],
    )
    public = service.to_public(service.create_child(db=db, data=data, now=now), now.date())
    assert [c.code for c in public.conditions] == ["haemophilia"]
    assert [d.kind for d in public.devices] == ["gastrostomy_tube"]
    assert public.medications == ["anticoagulant", "anticoagulant"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"medications": ["enoxaparine_x"]}, "medications[0]"),
     ({"procedures": [{"kind": "opperation", "date": "2026-11-20"}]}, "procedures[0].kind"),
     ({"skin": [{"finding": "scratchy"}]}, "skin[0].finding")],
)  # fmt: skip
def test_unknown_medicines_procedures_and_findings_are_refused_on_the_profile(
    db: Session, now: datetime, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as err:
        service.create_child(db=db, data=profile(**overrides), now=now)
    assert err.value.field == field
    assert count(db, Child) == 0
