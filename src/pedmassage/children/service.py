"""Use cases for child profiles. Each runs inside the caller's unit of work and only flushes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, selectinload

from pedmassage.children.models import (
    Child,
    ChildCondition,
    ChildDevice,
    ChildMedication,
    ChildProcedure,
    Guardian,
    Observation,
    SkinFindingRecord,
)
from pedmassage.children.schemas import (
    ChildCreate,
    ChildPublic,
    GoalsOfCareUpdate,
    GuardianIn,
    ObservationPublic,
)
from pedmassage.development import GestationalAge, age_profile, months_between, stage_for
from pedmassage.errors import ConflictError, NotFoundError, StaleVersionError, ValidationError
from pedmassage.inbound import not_future
from pedmassage.safety.contract import (
    ConditionIn,
    DeviceIn,
    MeasurementEntry,
    ProcedureIn,
    SkinFinding,
)
from pedmassage.sites.service import site_for_new_child
from pedmassage.vocabulary import code_book, resolve, site_map, to_stored_unit

MAX_AGE_MONTHS = 22 * 12  # the program serves children and young people up to their 22nd birthday


def create_child(*, db: Session, data: ChildCreate, now: datetime) -> Child:
    """Validate every fact against the vocabularies, then store the profile and its facts."""
    ga = GestationalAge(data.gestational_age_weeks, data.gestational_age_days)
    _check_birth_date(data.birth_date, now.date())
    _check_facts(data, now)
    if data.mrn is not None and db.scalar(select(Child.id).where(Child.mrn == data.mrn)):
        # The number is not echoed: it identifies a child.
        raise ConflictError("Another child already has this hospital record number.", field="mrn")
    site = site_for_new_child(db=db, site=data.site_id, now=now)
    child = Child(
        site_id=site.id,
        display_name=data.display_name.strip(),
        mrn=data.mrn,
        birth_date=data.birth_date,
        sex=data.sex,
        ga_weeks=ga.weeks,
        ga_days=ga.days,
        verbal=data.verbal,
        cognitive_impairment=data.cognitive_impairment,
        setting=data.setting,
        ward=data.ward,
        touch_aversion=data.touch_aversion,
        trauma_history=data.trauma_history,
        touch_notes=data.touch_notes,
    )
    _attach_facts(child, data)
    db.add(child)
    db.flush()
    return child


def get_child(*, db: Session, child_id: str) -> Child:
    child = db.get(Child, child_id, options=[selectinload("*")])
    if child is None:
        raise NotFoundError("child", child_id)
    return child


def child_site(*, db: Session, child_id: str) -> str:
    """The site a child belongs to (what the policy needs to know about a child's record)."""
    site_id = db.scalar(select(Child.site_id).where(Child.id == child_id))
    if site_id is None:
        raise NotFoundError("child", child_id)
    return site_id


def guardian_child(*, db: Session, guardian_id: str) -> str:
    """The child a guardian record belongs to."""
    child_id = db.scalar(select(Guardian.child_id).where(Guardian.id == guardian_id))
    if child_id is None:
        raise NotFoundError("guardian", guardian_id)
    return child_id


#: Profile facts loaded with each listed child: all of them for a whole profile, the conditions
#: alone for a listing (what a list row shows).
PROFILE_FACTS = (
    Child.conditions,
    Child.devices,
    Child.observations,
    Child.procedures,
    Child.skin_findings,
    Child.medications,
    Child.guardians,
)
LISTING_FACTS = (Child.conditions,)
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
#: Ward order, the children without a ward (home and clinic) last on every database, then name;
#: the id breaks ties so that pages never overlap or skip a child.
LIST_ORDER = (Child.ward.asc().nulls_last(), Child.display_name, Child.id)

Item = TypeVar("Item")


@dataclass(frozen=True)
class Page(Generic[Item]):
    """One page of a list: its rows, where it starts, its size, and how many rows the whole list
    has (and per ward, where rows are grouped by ward), so an edge can say where the page is."""

    items: list[Item]
    offset: int
    limit: int
    total: int
    ward_totals: dict[str | None, int] = field(default_factory=dict)

    @property
    def next_offset(self) -> int | None:
        return self.offset + self.limit if self.offset + self.limit < self.total else None

    @property
    def previous_offset(self) -> int | None:
        return max(0, self.offset - self.limit) if self.offset > 0 else None

    @property
    def number(self) -> int:
        """The page's number, counting from 1, for pages that go by number."""
        return self.offset // self.limit + 1

    @property
    def pages(self) -> int:
        """How many pages the whole list fills (one, when it is empty)."""
        return max(1, -(-self.total // self.limit))


@dataclass(frozen=True)
class ChildListing:
    """A child as one row of a list shows them: no labs, vitals or devices to load."""

    id: str
    display_name: str
    ward: str | None
    setting: str
    age_label: str
    stage: str
    stage_label: str
    conditions: list[str]


def check_window(*, offset: int, limit: int) -> None:
    """Refuse a page that is not one: a negative start, or a size outside 1 to the maximum."""
    if offset < 0:
        raise ValidationError("offset", str(offset), "0 or more")
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValidationError("limit", str(limit), f"1 to {MAX_PAGE_SIZE}")


def list_children(
    *,
    db: Session,
    ward: str | None = None,
    setting: str | None = None,
    site_ids: frozenset[str] | None = None,
    child_ids: frozenset[str] | None = None,
) -> list[Child]:
    """Every matching child in ward order with all their facts (a census screens them all);
    ``site_ids`` / ``child_ids`` keep to what the asker may see."""
    where = _child_filters(ward, setting, site_ids, child_ids)
    query = select(Child).where(*where).order_by(*LIST_ORDER)
    return list(db.scalars(query.options(*(selectinload(f) for f in PROFILE_FACTS))))


def children_page(
    *,
    db: Session,
    ward: str | None = None,
    setting: str | None = None,
    site_ids: frozenset[str] | None = None,
    child_ids: frozenset[str] | None = None,
    offset: int = 0,
    limit: int = PAGE_SIZE,
    listing: bool = False,
) -> Page[Child]:
    """One page of the matching children in ward order, filtered, counted and cut in the
    database, so a page costs the same few queries however many children a site has.

    Each child comes with all their facts, or only their conditions when ``listing``; either way
    in one query per kind of fact for the whole page, never one per child."""
    check_window(offset=offset, limit=limit)
    where = _child_filters(ward, setting, site_ids, child_ids)
    per_ward = select(Child.ward, func.count()).where(*where).group_by(Child.ward)
    ward_totals: dict[str | None, int] = {w: n for w, n in db.execute(per_ward)}
    facts = LISTING_FACTS if listing else PROFILE_FACTS
    query = select(Child).where(*where).order_by(*LIST_ORDER).offset(offset).limit(limit)
    children = list(db.scalars(query.options(*(selectinload(f) for f in facts))))
    return Page(children, offset, limit, sum(ward_totals.values()), ward_totals)


def iter_listings(
    *,
    db: Session,
    as_of: date,
    ward: str | None = None,
    site_ids: frozenset[str] | None = None,
    limit: int | None = None,
) -> Iterator[ChildListing]:
    """Every matching child as listed (at most ``limit``), read a page at a time, so a long
    list is printed without holding every child and their facts at once."""
    offset, left = 0, limit
    while left is None or left > 0:
        size = MAX_PAGE_SIZE if left is None else min(left, MAX_PAGE_SIZE)
        page = children_page(
            db=db, ward=ward, site_ids=site_ids, offset=offset, limit=size, listing=True
        )
        yield from (listing(c, as_of) for c in page.items)
        for child in page.items:  # listed: its rows (and their conditions) may leave the session
            db.expunge(child)
        if page.next_offset is None or not page.items:
            return
        offset, left = page.next_offset, None if left is None else left - len(page.items)


def listing(child: Child, as_of: date) -> ChildListing:
    """What a list row shows of a child, with ages computed for ``as_of``; reads only the
    conditions among the child's facts."""
    ages = age_profile(child.birth_date, GestationalAge(child.ga_weeks, child.ga_days), as_of)
    stage = stage_for(ages)
    return ChildListing(
        id=child.id,
        display_name=child.display_name,
        ward=child.ward,
        setting=child.setting,
        age_label=age_label(child.birth_date, as_of),
        stage=stage.id,
        stage_label=stage.label,
        conditions=[c.code for c in child.conditions],
    )


def _child_filters(
    ward: str | None,
    setting: str | None,
    site_ids: frozenset[str] | None,
    child_ids: frozenset[str] | None,
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if site_ids is not None:
        where.append(Child.site_id.in_(site_ids))
    if child_ids is not None:
        where.append(Child.id.in_(child_ids))
    if ward is not None:
        where.append(Child.ward == ward)
    if setting is not None:
        where.append(Child.setting == setting)
    return where


def wards(*, db: Session, site_ids: frozenset[str]) -> list[str]:
    """The ward names of the asker's sites only: another site's wards are not theirs to see."""
    rows = db.scalars(
        select(Child.ward)
        .where(Child.ward.is_not(None), Child.site_id.in_(sorted(site_ids)))
        .distinct()
    )
    return sorted(w for w in rows if w)


def add_observation(
    *,
    db: Session,
    child_id: str,
    category: str,
    data: MeasurementEntry,
    now: datetime,
    seen: int | None = None,
) -> Observation:
    """Record a lab or vital; refuses unknown codes, wrong units, impossible values or times."""
    child = changing_child(db, child_id, seen)
    _check_measurement(category, data, category, now, child.birth_date)
    observation = _observation(category, data)
    child.observations.append(observation)
    db.flush()
    return observation


def add_condition(
    *, db: Session, child_id: str, data: ConditionIn, seen: int | None = None
) -> ChildCondition:
    child = changing_child(db, child_id, seen)
    _check_condition(data, "condition")
    condition = ChildCondition(code=data.code, site=data.site)
    child.conditions.append(condition)
    db.flush()
    return condition


def add_device(
    *, db: Session, child_id: str, data: DeviceIn, seen: int | None = None
) -> ChildDevice:
    child = changing_child(db, child_id, seen)
    _check_device(data, "device")
    device = ChildDevice(kind=data.kind, site=data.site)
    child.devices.append(device)
    db.flush()
    return device


def set_goals_of_care(
    *,
    db: Session,
    child_id: str,
    data: GoalsOfCareUpdate,
    set_by: str,
    now: datetime,
    seen: int | None = None,
) -> Child:
    """Record the child's goals of care, who set them and when; the profile's version moves on,
    so a screening made before the change is not mistaken for one made under it."""
    child = changing_child(db, child_id, seen)
    child.goals_of_care = data.goals_of_care
    child.goals_of_care_by = set_by
    child.goals_of_care_at = now
    db.flush()
    return child


def changing_child(db: Session, child_id: str, seen: int | None = None) -> Child:
    """The child, read afresh under a row lock for a change to the profile, whose version moves
    on by one; ``seen``, when given, is the version the change rests on (older: a 409)."""
    child = db.get(Child, child_id, with_for_update=True, populate_existing=True)
    if child is None:
        raise NotFoundError("child", child_id)
    StaleVersionError.check("child's profile", child.version, seen, "its facts have changed")
    child.version += 1
    return child


def to_public(child: Child, as_of: date) -> ChildPublic:
    """The profile with ages computed for ``as_of`` (corrected age where it applies)."""
    ga = GestationalAge(child.ga_weeks, child.ga_days)
    ages = age_profile(child.birth_date, ga, as_of)
    stage = stage_for(ages)
    return ChildPublic(
        id=child.id,
        site_id=child.site_id,
        version=child.version,
        display_name=child.display_name,
        mrn=child.mrn,
        birth_date=child.birth_date,
        sex=child.sex,
        gestational_age=str(ga),
        born_preterm=ga.weeks < 37,
        verbal=child.verbal,
        cognitive_impairment=child.cognitive_impairment,
        setting=child.setting,
        ward=child.ward,
        touch_aversion=child.touch_aversion,
        trauma_history=child.trauma_history,
        touch_notes=child.touch_notes,
        goals_of_care=child.goals_of_care,
        goals_of_care_by=child.goals_of_care_by,
        goals_of_care_at=child.goals_of_care_at,
        as_of=as_of,
        age_days=ages.chronological_days,
        age_label=age_label(child.birth_date, as_of),
        corrected_age_days=ages.corrected_days if ages.corrected else None,
        stage=stage.id,
        stage_label=stage.label,
        conditions=[ConditionIn(code=c.code, site=c.site) for c in child.conditions],
        devices=[DeviceIn(kind=d.kind, site=d.site) for d in child.devices],
        observations=[ObservationPublic.model_validate(o) for o in child.observations],
        procedures=[ProcedureIn(kind=p.kind, site=p.site, date=p.date) for p in child.procedures],
        skin=[SkinFinding(finding=s.finding, site=s.site) for s in child.skin_findings],
        medications=[m.med_class for m in child.medications],
        guardians=[
            GuardianIn(
                name=g.name, relationship=g.relationship_to_child, legal_authority=g.legal_authority
            )
            for g in child.guardians
        ],
    )


def age_label(birth_date: date, as_of: date) -> str:
    """Age as clinicians say it: days under 4 weeks, weeks under 3 months, months under 2 years."""
    days = (as_of - birth_date).days
    months = months_between(birth_date, as_of)
    if days < 28:
        return f"{days} d"
    if months < 3:
        return f"{days // 7} wk"
    if months < 24:
        return f"{months} mo"
    return f"{months // 12} y {months % 12} mo"


def _check_birth_date(birth_date: date, today: date) -> None:
    if birth_date > today:
        raise ValidationError("birth_date", birth_date.isoformat(), f"on or before {today}")
    if months_between(birth_date, today) >= MAX_AGE_MONTHS:
        raise ValidationError(
            "birth_date", birth_date.isoformat(), "a child or young person under 22 years"
        )


def _check_facts(data: ChildCreate, now: datetime) -> None:
    for i, condition in enumerate(data.conditions):
        _check_condition(condition, f"conditions[{i}]")
    for i, device in enumerate(data.devices):
        _check_device(device, f"devices[{i}]")
    for i, lab in enumerate(data.labs):
        _check_measurement("lab", lab, f"labs[{i}]", now, data.birth_date)
    for i, vital in enumerate(data.vitals):
        _check_measurement("vital", vital, f"vitals[{i}]", now, data.birth_date)
    for i, procedure in enumerate(data.procedures):
        resolve("procedure", procedure.kind, f"procedures[{i}].kind")
        _check_site(procedure.site, f"procedures[{i}].site")
        if procedure.date > now.date():
            raise ValidationError(
                f"procedures[{i}].date", procedure.date.isoformat(), f"on or before {now.date()}"
            )
    for i, finding in enumerate(data.skin):
        resolve("skin_finding", finding.finding, f"skin[{i}].finding")
        _check_site(finding.site, f"skin[{i}].site")
    for i, medication in enumerate(data.medications):
        resolve("medication_class", medication, f"medications[{i}]")


def _check_condition(condition: ConditionIn, field: str) -> None:
    code_book().check_condition(condition.code, f"{field}.code")
    _check_site(condition.site, f"{field}.site")


def _check_device(device: DeviceIn, field: str) -> None:
    code_book().check_device(device.kind, f"{field}.kind")
    _check_site(device.site, f"{field}.site")


def _check_site(site: str | None, field: str) -> None:
    if site is not None:
        site_map().check(site, field)


def _check_measurement(
    category: str, data: MeasurementEntry, field: str, now: datetime, born: date
) -> None:
    if category not in ("lab", "vital"):
        raise ValidationError("category", category, "lab or vital")
    converted = to_stored_unit(category, data.code, data.value, data.unit, field)
    code_book().check_measure(category, data.code, converted.value, converted.unit, field)
    not_future(data.taken_at, f"{field}.taken_at", now)
    if data.taken_at.date() < born - timedelta(days=1):
        raise ValidationError(
            f"{field}.taken_at",
            data.taken_at.isoformat(),
            f"on or after the birth date {born.isoformat()}",
        )


def _observation(category: str, data: MeasurementEntry) -> Observation:
    return Observation(
        category=category,
        code=data.code,
        value=data.value,
        unit=data.unit,
        taken_at=data.taken_at,
    )


def _attach_facts(child: Child, data: ChildCreate) -> None:
    child.conditions = [ChildCondition(code=c.code, site=c.site) for c in data.conditions]
    child.devices = [ChildDevice(kind=d.kind, site=d.site) for d in data.devices]
    child.observations = [_observation("lab", m) for m in data.labs] + [
        _observation("vital", m) for m in data.vitals
    ]
    child.procedures = [
        ChildProcedure(kind=p.kind, site=p.site, date=p.date) for p in data.procedures
    ]
    child.skin_findings = [SkinFindingRecord(finding=s.finding, site=s.site) for s in data.skin]
    child.medications = [ChildMedication(med_class=m) for m in data.medications]
    child.guardians = [_guardian(g) for g in data.guardians]


def _guardian(g: GuardianIn) -> Guardian:
    return Guardian(
        name=g.name, relationship_to_child=g.relationship, legal_authority=g.legal_authority
    )


def child_ids_starting(*, db: Session, prefix: str, limit: int = 11) -> list[str]:
    """Child ids that start with ``prefix`` (ids are upper-case ULIDs, so the prefix is read in
    any case), at most ``limit``: what a command line needs to accept a short id."""
    wanted = Child.id.startswith(prefix.upper(), autoescape=True)
    return list(db.scalars(select(Child.id).where(wanted).order_by(Child.id).limit(limit)))
