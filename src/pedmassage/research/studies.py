"""Study use cases: register a study, change its protocol (an amendment after the first
enrolment), close it, read it. Each runs inside the caller's unit of work and only flushes.

A study belongs to the sites its protocol names; a lead registers and changes only studies whose
sites are all their own, and staff see a study when it includes one of their sites.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pedmassage.errors import ConflictError, NotFoundError, ValidationError
from pedmassage.research.models import Enrolment, Study, StudyVersion
from pedmassage.research.protocol import FROZEN_AFTER_ENROLMENT, Protocol, check_protocol
from pedmassage.research.schemas import StudyChange, StudyCreate, StudyPublic, VersionPublic
from pedmassage.sites.models import Site
from pedmassage.sites.service import find_site

SEED_BYTES = 32
"""The allocation seed's length: 256 bits, the HMAC-SHA256 key size, drawn from ``secrets``."""


def register_study(
    *, db: Session, data: StudyCreate, by: str, site_ids: frozenset[str] | None, now: datetime
) -> Study:
    """A new study at version 1, with a fresh secret allocation seed. ``site_ids`` are the
    registering lead's sites (None: any site, for the command line of the server itself)."""
    taken = db.scalar(select(Study.code).where(func.lower(Study.code) == data.code.lower()))
    if taken is not None:
        raise ConflictError(
            f"The study code {data.code} is taken by study {taken} (codes ignore case).",
            field="code",
        )
    protocol = _resolved(db, data.protocol, "protocol", site_ids)
    study = Study(
        code=data.code,
        title=protocol.title,
        status="enrolling",
        version=1,
        protocol=protocol.model_dump(mode="json"),
        allocation_seed=secrets.token_bytes(SEED_BYTES),
        registered_by=by,
        registered_at=now,
    )
    db.add(study)
    db.flush()
    db.add(
        StudyVersion(
            study_id=study.id,
            version=1,
            protocol=study.protocol,
            amendment=False,
            reason="registered",
            changes=[],
            changed_by=by,
            changed_at=now,
        )
    )
    db.flush()
    return study


def change_study(
    *,
    db: Session,
    code: str,
    data: StudyChange,
    by: str,
    site_ids: frozenset[str] | None,
    now: datetime,
) -> Study:
    """The protocol's next version. Before any enrolment anything may change; after it, the change
    is an amendment: it needs a reason, and what makes the allocation (arms, strata,
    randomization) or defines the primary outcome may not change."""
    study = locked_study(db, code)
    old = Protocol.model_validate(study.protocol)
    _check_sites(db, old, site_ids, "protocol.sites")
    new = _resolved(db, data.protocol, "protocol", site_ids)
    changes = changed_fields(old, new)
    if not changes:
        raise ValidationError("protocol", "unchanged", "a protocol that differs from the current")
    amendment = study.first_enrolled_at is not None
    if amendment:
        frozen = [name for name in changes if name in FROZEN_AFTER_ENROLMENT]
        if frozen:
            raise ValidationError(
                f"protocol.{frozen[0]}",
                "changed",
                "the same as before: children are enrolled, so "
                + ", ".join(FROZEN_AFTER_ENROLMENT)
                + " are fixed (register a new study instead)",
            )
        if len(data.reason.strip()) < 3:
            raise ValidationError("reason", data.reason, "the reason for the amendment")
    study.version += 1
    study.protocol = new.model_dump(mode="json")
    study.title = new.title
    db.add(
        StudyVersion(
            study_id=study.id,
            version=study.version,
            protocol=study.protocol,
            amendment=amendment,
            reason=data.reason.strip(),
            changes=changes,
            changed_by=by,
            changed_at=now,
        )
    )
    db.flush()
    return study


def close_study(*, db: Session, code: str, site_ids: frozenset[str] | None) -> Study:
    """Stop enrolment; measures and withdrawals of those enrolled may still be recorded."""
    study = locked_study(db, code)
    _check_sites(db, protocol_of(study), site_ids, "protocol.sites")
    study.status = "closed"
    db.flush()
    return study


def changed_fields(old: Protocol, new: Protocol) -> list[str]:
    """The protocol's top-level fields that differ, in the protocol's order."""
    before, after = old.model_dump(mode="json"), new.model_dump(mode="json")
    return [name for name in Protocol.model_fields if before.get(name) != after.get(name)]


def get_study(*, db: Session, code: str) -> Study:
    """A study by its code (any case) or id."""
    found = db.scalar(
        select(Study).where((func.lower(Study.code) == code.lower()) | (Study.id == code))
    )
    if found is None:
        raise NotFoundError("study", code)
    return found


def visible_study(*, db: Session, code: str, site_ids: frozenset[str] | None) -> Study:
    """The study, when it includes one of ``site_ids`` (None: every study); otherwise not found,
    so a study of other sites is not even confirmed to exist."""
    study = get_study(db=db, code=code)
    if site_ids is not None and not set(protocol_of(study).sites) & site_ids:
        raise NotFoundError("study", code)
    return study


def list_studies(*, db: Session, site_ids: frozenset[str] | None) -> list[Study]:
    studies = db.scalars(select(Study).order_by(Study.registered_at, Study.code))
    return [s for s in studies if site_ids is None or set(protocol_of(s).sites) & site_ids]


def open_for(*, db: Session, site_id: str, child_id: str) -> list[Study]:
    """The enrolling studies of the child's site the child is not enrolled in: what the child's
    page offers to assess them for."""
    enrolled = set(db.scalars(select(Enrolment.study_id).where(Enrolment.child_id == child_id)))
    return [
        s
        for s in list_studies(db=db, site_ids=frozenset({site_id}))
        if s.status == "enrolling" and s.id not in enrolled
    ]


def protocol_of(study: Study) -> Protocol:
    return Protocol.model_validate(study.protocol)


def to_public(db: Session, study: Study, *, reveal_blocks: bool = False) -> StudyPublic:
    """The study as shown. Block sizes are concealed unless ``reveal_blocks`` (the lead who
    manages the protocol): whoever enrols and knows the sizes can guess the last assignment of
    each block (Schulz & Grimes 2002, Lancet 359:515-519)."""
    protocol = protocol_of(study)
    if not reveal_blocks:
        hidden = protocol.randomization.model_copy(update={"block_sizes": []})
        protocol = protocol.model_copy(update={"randomization": hidden})
    versions = db.scalars(
        select(StudyVersion).where(StudyVersion.study_id == study.id).order_by(StudyVersion.version)
    )
    enrolled = db.scalar(select(func.count()).where(Enrolment.study_id == study.id)) or 0
    return StudyPublic(
        id=study.id,
        code=study.code,
        title=study.title,
        status=study.status,
        version=study.version,
        protocol=protocol,
        blocks_concealed=not reveal_blocks,
        site_names=site_names(db, protocol.sites),
        registered_by=study.registered_by,
        registered_at=study.registered_at,
        first_enrolled_at=study.first_enrolled_at,
        enrolled=enrolled,
        versions=[VersionPublic.model_validate(v) for v in versions],
    )


def site_names(db: Session, site_ids: list[str]) -> dict[str, str]:
    rows = db.execute(select(Site.id, Site.name).where(Site.id.in_(site_ids)))
    return {site_id: name for site_id, name in rows}


def locked_study(db: Session, code: str) -> Study:
    """The study read afresh under a row lock: changes and enrolments are made one at a time."""
    study = get_study(db=db, code=code)
    locked = db.get(Study, study.id, with_for_update=True, populate_existing=True)
    assert locked is not None  # found just above, and studies are never deleted
    return locked


def _resolved(
    db: Session, protocol: Protocol, field: str, site_ids: frozenset[str] | None
) -> Protocol:
    """The protocol with its sites as ids (names are accepted), each checked to exist, to be
    within the registering lead's sites, and every instrument to be one of the catalogue."""
    resolved: list[str] = []
    for index, site in enumerate(protocol.sites):
        try:
            found = find_site(db=db, site=site)
        except NotFoundError:
            names = ", ".join(s for s in db.scalars(select(Site.name).order_by(Site.name)))
            raise ValidationError(f"{field}.sites[{index}]", site, f"one of: {names}") from None
        if found.id not in resolved:
            resolved.append(found.id)
    check_protocol(protocol, field)
    checked = protocol.model_copy(update={"sites": resolved})
    _check_sites(db, checked, site_ids, f"{field}.sites")
    _check_instruments(checked, field)
    _check_claim(checked, field)
    return checked


def _check_sites(
    db: Session, protocol: Protocol, site_ids: frozenset[str] | None, field: str
) -> None:
    if site_ids is None:
        return
    outside = [s for s in protocol.sites if s not in site_ids]
    if outside:
        names = site_names(db, outside)
        raise ValidationError(
            field,
            [names.get(s, s) for s in outside],
            "only sites you lead: a study of other "
            "sites is registered by their lead, or pooled with `research aggregate` and `pool`",
        )


def _check_claim(protocol: Protocol, field: str) -> None:
    from pedmassage.evidence.catalogue import catalogue

    if protocol.evidence_claim is None:
        return
    try:
        catalogue().claim(protocol.evidence_claim)
    except NotFoundError:
        raise ValidationError(
            f"{field}.evidence_claim",
            protocol.evidence_claim,
            "a claim of the evidence library, e.g. oncology.pain or hospital.anxiety",
        ) from None


def _check_instruments(protocol: Protocol, field: str) -> None:
    from pedmassage.measures import instruments

    known = instruments()
    outcomes: list[tuple[str, Any]] = [("primary_outcome", protocol.primary_outcome)]
    outcomes += [(f"secondary_outcomes[{i}]", o) for i, o in enumerate(protocol.secondary_outcomes)]
    for name, outcome in outcomes:
        if outcome.instrument_id not in known:
            raise ValidationError(
                f"{field}.{name}.instrument_id",
                outcome.instrument_id,
                "one of: " + ", ".join(sorted(known)),
            )
