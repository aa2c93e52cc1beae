"""Studies as a lead and a therapist use them: registration, amendments after the first
enrolment, eligibility, concealed allocation at the point of care, the trial's measures, and the
CONSORT flow and analyses read back from the records (on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pedmassage.audit.models import AuditEntry
from pedmassage.children import service as children
from pedmassage.children.schemas import ChildCreate
from pedmassage.errors import ConflictError, NotFoundError, ValidationError
from pedmassage.research import enrolment, results, studies
from pedmassage.research.models import Enrolment, Study
from pedmassage.research.protocol import Protocol, check_protocol
from pedmassage.research.schemas import (
    AssessmentIn,
    StudyChange,
    StudyCreate,
    StudyMeasureIn,
    WithdrawalIn,
)
from pedmassage.sites.service import add_site
from pedmassage.stats.randomization import Assignment, allocation_sequence
from pedmassage.stats.trial import ancova

LEAD = enrolment.Asker(name="Lead Lee", role="program_lead", address="test")
THERAPIST = enrolment.Asker(name="Tess Therapist", role="therapist", address="test")


def protocol(site_names: list[str], **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Massage for procedural pain in children with cancer",
        "arms": [
            {"id": "massage", "label": "Massage", "kind": "massage"},
            {"id": "usual-care", "label": "Usual care", "kind": "control"},
        ],
        "eligibility": [
            {"field": "age_years", "op": ">=", "value": 3},
            {"field": "age_years", "op": "<", "value": 18},
            {"field": "conditions", "op": "has", "value": "cancer"},
        ],
        "strata": ["site"],
        "randomization": {"method": "permuted_blocks", "block_sizes": [4, 6]},
        "sites": site_names,
        "primary_outcome": {"instrument_id": "nrs_11", "day": 7, "window_days": 2},
        "target_sample_size": 86,
    }
    data.update(overrides)
    return data


def register(db: Session, now: datetime, code: str = "PAIN-1", **overrides: Any) -> Study:
    sites = overrides.pop("sites", None)
    if sites is None:
        sites = [add_site(db=db, name=name, now=now).name for name in ("North", "South")]
    data = StudyCreate.model_validate({"code": code, "protocol": protocol(sites, **overrides)})
    return studies.register_study(db=db, data=data, by=LEAD.name, site_ids=None, now=now)


def child(db: Session, now: datetime, site: str, age: int = 8, cancer: bool = True) -> str:
    data = {
        "site_id": site,
        "display_name": "Synthetic child",
        "birth_date": (now.date() - timedelta(days=int(365.25 * age) + 10)).isoformat(),
        "sex": "female",
        "conditions": [{"code": "cancer"}] if cancer else [],
    }
    return children.create_child(db=db, data=ChildCreate.model_validate(data), now=now).id


def enrol(db: Session, code: str, child_id: str, now: datetime) -> str:
    found = enrolment.assess(
        db=db,
        code=code,
        child_id=child_id,
        data=AssessmentIn(decision="enrol", consent="guardian", assent="given"),
        asker=THERAPIST,
        now=now,
    )
    assert found.enrolment is not None
    return found.enrolment.arm


# --- registration and amendments ------------------------------------------------------------


def test_a_registered_study_starts_at_version_1_and_shows_no_seed(
    db: Session, now: datetime
) -> None:
    study = register(db, now)
    public = studies.to_public(db, study)
    assert (public.version, public.status, public.enrolled) == (1, "enrolling", 0)
    assert sorted(public.site_names.values()) == ["North", "South"]
    assert len(study.allocation_seed) == 32
    dumped = public.model_dump_json()
    assert "seed" not in dumped and study.allocation_seed.hex() not in dumped


def test_a_second_study_with_the_same_code_is_refused(db: Session, now: datetime) -> None:
    register(db, now)
    with pytest.raises(ConflictError, match="PAIN-1"):
        register(db, now, code="pain-1", sites=["North"])


def test_an_unknown_site_or_instrument_is_named_with_what_is_allowed(
    db: Session, now: datetime
) -> None:
    add_site(db=db, name="North", now=now)
    with pytest.raises(ValidationError) as site:
        register(db, now, sites=["North", "Atlantis"])
    assert site.value.field == "protocol.sites[1]" and "North" in site.value.allowed
    with pytest.raises(ValidationError) as instrument:
        register(db, now, sites=["North"], primary_outcome={"instrument_id": "vas", "day": 7})
    assert instrument.value.field == "protocol.primary_outcome.instrument_id"
    assert "flacc" in instrument.value.allowed


def test_a_lead_registers_studies_of_their_own_sites_only(db: Session, now: datetime) -> None:
    north = add_site(db=db, name="North", now=now)
    add_site(db=db, name="South", now=now)
    data = StudyCreate.model_validate({"code": "XS", "protocol": protocol(["North", "South"])})
    with pytest.raises(ValidationError) as refused:
        studies.register_study(
            db=db, data=data, by=LEAD.name, site_ids=frozenset({north.id}), now=now
        )
    assert refused.value.field == "protocol.sites" and refused.value.value == ["South"]


@pytest.mark.parametrize(
    ("change", "field", "allowed"),
    [
        ({"arms": [{"id": "a", "label": "A", "kind": "massage"}] * 2}, "protocol.arms",
         "one massage arm and one control arm"),
        ({"randomization": {"block_sizes": [4, 3]}}, "protocol.randomization.block_sizes[1]",
         "multiples of 2"),
        ({"strata": ["site", "age_band"]}, "protocol.age_band_cuts", "the ages that start"),
        ({"eligibility": [{"field": "age_years", "op": "has", "value": 3}]},
         "protocol.eligibility[0].op", "one of: >=, <=, >, <"),
        ({"eligibility": [{"field": "setting", "op": "in", "value": "picu"}]},
         "protocol.eligibility[0].value", "a list of names"),
    ],
)  # fmt: skip
def test_a_protocol_whose_fields_disagree_is_refused_naming_the_field(
    change: dict[str, Any], field: str, allowed: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        check_protocol(Protocol.model_validate(protocol(["North"], **change)))
    assert refused.value.field == field and refused.value.allowed.startswith(allowed)


def test_changes_before_the_first_enrolment_are_versions_not_amendments(
    db: Session, now: datetime
) -> None:
    study = register(db, now)
    changed = protocol(["North", "South"], target_sample_size=120)
    studies.change_study(
        db=db,
        code="PAIN-1",
        data=StudyChange.model_validate({"protocol": changed}),
        by=LEAD.name,
        site_ids=None,
        now=now,
    )
    public = studies.to_public(db, study)
    assert public.version == 2
    assert [(v.version, v.amendment, v.changes) for v in public.versions] == [
        (1, False, []),
        (2, False, ["target_sample_size"]),
    ]


def test_after_the_first_enrolment_a_change_is_an_amendment_with_a_reason(
    db: Session, now: datetime
) -> None:
    study = register(db, now)
    enrol(db, "PAIN-1", child(db, now, "North"), now)
    secondary = protocol(
        ["North", "South"], secondary_outcomes=[{"instrument_id": "flacc", "day": 1}]
    )
    with pytest.raises(ValidationError) as no_reason:
        studies.change_study(
            db=db,
            code="PAIN-1",
            data=StudyChange.model_validate({"protocol": secondary}),
            by=LEAD.name,
            site_ids=None,
            now=now,
        )
    assert no_reason.value.field == "reason"
    studies.change_study(
        db=db,
        code="PAIN-1",
        data=StudyChange.model_validate({"protocol": secondary, "reason": "add FLACC"}),
        by=LEAD.name,
        site_ids=None,
        now=now + timedelta(days=1),
    )
    last = studies.to_public(db, study).versions[-1]
    assert (last.version, last.amendment, last.reason) == (2, True, "add FLACC")
    assert last.changes == ["secondary_outcomes"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"strata": ["site", "sex"]}, "protocol.strata"),
        ({"randomization": {"block_sizes": [2, 4]}}, "protocol.randomization"),
        ({"primary_outcome": {"instrument_id": "flacc", "day": 7}}, "protocol.primary_outcome"),
    ],
)
def test_an_amendment_may_not_change_what_makes_the_allocation_or_the_primary_outcome(
    db: Session, now: datetime, change: dict[str, Any], field: str
) -> None:
    register(db, now)
    enrol(db, "PAIN-1", child(db, now, "North"), now)
    data = StudyChange.model_validate(
        {"protocol": protocol(["North", "South"], **change), "reason": "switch"}
    )
    with pytest.raises(ValidationError) as refused:
        studies.change_study(db=db, code="PAIN-1", data=data, by="x", site_ids=None, now=now)
    assert refused.value.field == field


# --- assessment and allocation --------------------------------------------------------------


def test_an_ineligible_child_is_recorded_with_the_unmet_criteria_and_gets_no_arm(
    db: Session, now: datetime
) -> None:
    register(db, now)
    toddler = child(db, now, "North", age=1, cancer=False)
    found = enrolment.assess(
        db=db,
        code="PAIN-1",
        child_id=toddler,
        data=AssessmentIn(decision="enrol", consent="guardian", assent="given"),
        asker=THERAPIST,
        now=now,
    )
    assert found.enrolment is None
    assert found.assessment.outcome == "ineligible"
    assert found.assessment.unmet == ["age years >= 3", "conditions has cancer"]
    assert db.scalar(select(Enrolment.id)) is None


def test_enrolment_needs_consent_and_the_childs_assent(db: Session, now: datetime) -> None:
    register(db, now)
    child_id = child(db, now, "North")
    for data, field in [
        (AssessmentIn(decision="enrol", assent="given"), "consent"),
        (AssessmentIn(decision="enrol", consent="guardian"), "assent"),
    ]:
        with pytest.raises(ValidationError) as refused:
            enrolment.assess(
                db=db, code="PAIN-1", child_id=child_id, data=data, asker=THERAPIST, now=now
            )
        assert refused.value.field == field
    assert db.scalar(select(Enrolment.id)) is None


def test_a_declined_child_is_counted_and_given_no_arm(db: Session, now: datetime) -> None:
    register(db, now)
    found = enrolment.assess(
        db=db,
        code="PAIN-1",
        child_id=child(db, now, "North"),
        data=AssessmentIn(decision="declined", reason="busy"),
        asker=THERAPIST,
        now=now,
    )
    assert (found.assessment.outcome, found.enrolment) == ("declined", None)


def test_a_child_is_enrolled_once_and_a_closed_study_enrols_no_one(
    db: Session, now: datetime
) -> None:
    register(db, now)
    child_id = child(db, now, "North")
    enrol(db, "PAIN-1", child_id, now)
    with pytest.raises(ConflictError, match="already enrolled"):
        enrol(db, "PAIN-1", child_id, now)
    studies.close_study(db=db, code="PAIN-1", site_ids=None)
    with pytest.raises(ConflictError, match="closed"):
        enrol(db, "PAIN-1", child(db, now, "North"), now)


def test_a_therapist_enrols_children_of_their_own_sites_only(db: Session, now: datetime) -> None:
    register(db, now)
    south_child = child(db, now, "South")
    north = studies.get_study(db=db, code="PAIN-1").protocol["sites"][0]
    asker = enrolment.Asker("Tess", "therapist", "test", site_ids=frozenset({north}))
    with pytest.raises(NotFoundError):
        enrolment.assess(
            db=db,
            code="PAIN-1",
            child_id=south_child,
            data=AssessmentIn(decision="enrol", consent="guardian", assent="given"),
            asker=asker,
            now=now,
        )


def test_permuted_blocks_keep_each_stratum_balanced_and_follow_the_seed(
    db: Session, now: datetime
) -> None:
    """Every arm is the stratum's next entry of the list the seed defines, so a monitor holding
    the seed can recompute each one; within a stratum the arms never differ by more than half the
    largest block, and are equal at the end of every block."""
    study = register(db, now)
    by_stratum: dict[str, list[str]] = defaultdict(list)
    for i in range(30):
        site = "North" if i % 3 else "South"
        enrol(db, "PAIN-1", child(db, now, site), now + timedelta(minutes=i))
    for row in db.scalars(select(Enrolment).order_by(Enrolment.number)):
        by_stratum[row.stratum].append(row.arm)
    assert set(by_stratum) == {"site=North", "site=South"}
    for stratum, arms in by_stratum.items():
        expected = allocation_sequence(
            arms=["massage", "usual-care"],
            block_sizes=[4, 6],
            length=len(arms),
            seed=study.allocation_seed,
            stratum=stratum,
        )
        assert arms == [a.arm for a in expected]
        for k in range(1, len(arms) + 1):
            counts = Counter(arms[:k])
            assert abs(counts["massage"] - counts["usual-care"]) <= 3
        ends = {a.sequence_number for a in expected if _ends_block(a, expected)}
        for k in ends:
            counts = Counter(arms[:k])
            assert counts["massage"] == counts["usual-care"]


def _ends_block(a: Assignment, sequence: list[Assignment]) -> bool:
    """Whether ``a`` is the last entry of a block the sequence holds whole."""
    block = [b for b in sequence if b.block_number == a.block_number]
    return len(block) == a.block_size and a == block[-1]


def test_the_same_seed_gives_the_same_assignments(db: Session, now: datetime) -> None:
    """Two studies with the same seed and the same children allocate alike, for permuted blocks
    and for minimization."""
    for name in ("North", "South"):
        add_site(db=db, name=name, now=now)
    for method in ("permuted_blocks", "minimization"):
        arms_by_study = []
        for code in (f"A-{method}", f"B-{method}"):
            study = register(
                db,
                now,
                code=code,
                sites=["North", "South"],
                strata=["site", "sex"],
                randomization={"method": method, "block_sizes": [4]},
            )
            study.allocation_seed = b"\x01" * 32
            for i in range(12):
                enrol(db, code, child(db, now, "North" if i % 2 else "South"), now)
            rows = db.scalars(
                select(Enrolment.arm)
                .where(Enrolment.study_id == study.id)
                .order_by(Enrolment.number)
            )
            arms_by_study.append(list(rows))
        assert arms_by_study[0] == arms_by_study[1]


def test_deterministic_minimization_keeps_every_margin_within_one(
    db: Session, now: datetime
) -> None:
    """With the best arm always taken (probability 1, Taves 1974), each new child goes to the arm
    that least unbalances their levels, so no site's or sex's margin ever differs by more than
    one, whatever the seed (which only breaks ties)."""
    register(
        db,
        now,
        strata=["site", "sex"],
        randomization={"method": "minimization", "probability": 1.0},
    )
    for i in range(40):
        enrol(db, "PAIN-1", child(db, now, "North" if i % 3 else "South"), now)
        rows = list(db.scalars(select(Enrolment)))
        for factor in ("site", "sex"):
            for level in {e.levels[factor] for e in rows}:
                arms = Counter(e.arm for e in rows if e.levels[factor] == level)
                assert abs(arms["massage"] - arms["usual-care"]) <= 1, (factor, level, i)


def test_minimization_with_a_biased_coin_still_balances_the_margins(
    db: Session, now: datetime
) -> None:
    """With the biased coin (probability 0.8) the next arm is never certain, and the margins stay
    close: over 40 children a site's arms are far nearer than simple randomization's typical
    spread (for a fixed seed, so the check is repeatable)."""
    study = register(db, now, strata=["site", "sex"], randomization={"method": "minimization"})
    study.allocation_seed = bytes(range(32))
    for i in range(40):
        enrol(db, "PAIN-1", child(db, now, "North" if i % 3 else "South"), now)
    rows = list(db.scalars(select(Enrolment)))
    for site in ("North", "South"):
        arms = Counter(e.arm for e in rows if e.levels["site"] == site)
        assert abs(arms["massage"] - arms["usual-care"]) <= 4


def test_every_allocation_is_audited(db: Session, now: datetime) -> None:
    register(db, now)
    child_id = child(db, now, "North")
    arm = enrol(db, "PAIN-1", child_id, now)
    db.commit()
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "study.allocate"))
    assert entry is not None
    assert (entry.actor, entry.role, entry.child_id) == (THERAPIST.name, "therapist", child_id)
    assert entry.resource.endswith(f"site=North #1 -> {arm}")


# --- measures, withdrawal and results -------------------------------------------------------


def measure(
    db: Session, child_id: str, day: int, score: float, at: datetime, code: str = "PAIN-1"
) -> None:
    enrolment.record_measure(
        db=db,
        code=code,
        child_id=child_id,
        data=StudyMeasureIn(instrument="nrs_11", day=day, items={"score": score}, taken_at=at),
        by=THERAPIST.name,
        now=at + timedelta(minutes=1),
    )


def test_a_measure_is_refused_outside_its_window_and_taken_once(db: Session, now: datetime) -> None:
    register(db, now)
    child_id = child(db, now, "North")
    enrol(db, "PAIN-1", child_id, now)
    with pytest.raises(ValidationError) as early:
        measure(db, child_id, 7, 3, now + timedelta(days=3))
    assert early.value.field == "taken_at" and "this is day 3" in early.value.allowed
    with pytest.raises(ValidationError) as wrong_day:
        measure(db, child_id, 5, 3, now + timedelta(days=5))
    assert wrong_day.value.field == "day" and wrong_day.value.allowed == "one of: 0, 7"
    with pytest.raises(ValidationError) as out_of_range:
        measure(db, child_id, 0, 11, now)
    assert out_of_range.value.field == "items.score"
    measure(db, child_id, 0, 6, now)
    with pytest.raises(ConflictError, match="already recorded"):
        measure(db, child_id, 0, 5, now)
    public = enrolment.enrolment_of(db=db, code="PAIN-1", child_id=child_id)
    assert [m.score for m in public.measures] == [6.0]
    assert public.due == [f"nrs_11 day 7 ({date(2026, 11, 30)} to {date(2026, 12, 4)})"]


def test_a_withdrawn_child_takes_no_more_measures(db: Session, now: datetime) -> None:
    register(db, now)
    child_id = child(db, now, "North")
    enrol(db, "PAIN-1", child_id, now)
    enrolment.withdraw(
        db=db,
        code="PAIN-1",
        child_id=child_id,
        data=WithdrawalIn(reason="family moved away"),
        by=THERAPIST.name,
        now=now,
    )
    with pytest.raises(ConflictError, match="withdrawn"):
        measure(db, child_id, 0, 5, now)


def test_consort_counts_and_the_itt_analysis_come_from_the_records(
    db: Session, now: datetime
) -> None:
    """12 assessed: 2 not eligible, 1 declined, 9 randomized; one withdrawn; the rest measured at
    baseline and day 7. The ITT estimate is the ANCOVA of exactly the measured rows."""
    study = register(db, now)
    for _ in range(2):
        enrolment.assess(
            db=db,
            code="PAIN-1",
            child_id=child(db, now, "North", cancer=False),
            data=AssessmentIn(decision="enrol"),
            asker=THERAPIST,
            now=now,
        )
    enrolment.assess(
        db=db,
        code="PAIN-1",
        child_id=child(db, now, "North"),
        data=AssessmentIn(decision="declined"),
        asker=THERAPIST,
        now=now,
    )
    rows: list[tuple[str, float, float]] = []
    ids = []
    for i in range(9):
        child_id = child(db, now, "North" if i % 2 else "South")
        arm = enrol(db, "PAIN-1", child_id, now)
        ids.append(child_id)
        if i == 0:
            enrolment.withdraw(
                db=db,
                code="PAIN-1",
                child_id=child_id,
                data=WithdrawalIn(reason="family request"),
                by="x",
                now=now + timedelta(days=1),
            )
            continue
        before, after = 5.0 + i % 3, 4.0 + i % 4 - (2 if arm == "massage" else 0)
        measure(db, child_id, 0, before, now)
        measure(db, child_id, 7, after, now + timedelta(days=7))
        rows.append((arm, before, after))
    found = results.study_results(db, study, (now + timedelta(days=20)).date())
    consort = found.consort
    assert (consort.assessed, consort.not_meeting_criteria, consort.declined) == (12, 2, 1)
    assert consort.randomized == 9
    assert sum(arm.analysed for arm in consort.arms) == 8
    discontinued = [r for arm in consort.arms for r in arm.discontinued]
    assert [(r.reason, r.count) for r in discontinued] == [("withdrawn: family request", 1)]
    # no massage session has been given: the massage arm did not receive it, control did
    control, massage = consort.arms
    assert control.received == control.allocated and massage.received == 0
    expected = ancova(
        before=[b for _, b, _ in rows],
        after=[a for _, _, a in rows],
        arm=[arm for arm, _, _ in rows],
        reference_arm="usual-care",
    )
    if found.itt.effect is not None:
        assert found.itt.effect.estimate == pytest.approx(expected.estimate)
        assert found.itt.effect.arm == "massage"
    assert found.per_protocol.n < found.itt.n  # the massage arm had no session: not per protocol
    assert found.balance[0].cells == tuple(
        str(sum(1 for e in db.scalars(select(Enrolment.arm)) if e == arm))
        for arm in ("usual-care", "massage")
    )
