"""A study's results from its records: the CONSORT flow, the baseline balance of the arms, and the
primary analysis (intention-to-treat, with per-protocol as a sensitivity analysis).

Definitions, each read from the records and nothing else:

- **assessed**: every child with an assessment; a child assessed more than once counts once, with
  the outcome of their enrolment if any, else of their latest assessment;
- **received the allocated intervention**: in the massage arm, at least one massage session
  started after enrolment; in the control arm, none (a session given to a control child is
  contamination, reported as not receiving the allocated intervention);
- **discontinued**: withdrawn, with the reason given;
- **lost to follow-up**: not withdrawn, and the primary outcome's window has closed without the
  measure;
- **analysed (intention-to-treat)**: every randomized child with a baseline and a primary
  measure, in the arm allocated whatever they received (complete-case: no imputation, so the
  children without a primary measure are listed as excluded from the analysis, with why);
- **per-protocol**: of those, the children who received the allocated intervention and were not
  withdrawn before the primary time point.

The primary analysis is ANCOVA of the day-N score on the baseline score and the arm
(``stats.trial.ancova``), massage minus control.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pedmassage.children.models import Child
from pedmassage.errors import ValidationError
from pedmassage.research.aggregate import OutcomeRow, site_aggregate
from pedmassage.research.consort import (
    ArmFlow,
    ConsortCounts,
    Reason,
    consort_svg,
    consort_table,
    describe,
)
from pedmassage.research.models import Enrolment, Study, StudyAssessment, StudyMeasure
from pedmassage.research.protocol import Protocol
from pedmassage.research.schemas import (
    AnalysisPublic,
    BalanceRowPublic,
    ConsortRowPublic,
    StudyResultsPublic,
)
from pedmassage.research.studies import protocol_of
from pedmassage.sessions.models import SessionRecord
from pedmassage.stats.trial import TreatmentEffect, ancova

NOT_MEETING = "ineligible"


@dataclass(frozen=True)
class Participant:
    """One randomized child as the analysis sees them: no name, no id beyond the enrolment."""

    number: int
    site_id: str
    arm: str
    stratum: str
    sex: str
    age_years: float
    enrolled_on: date
    sessions: int
    withdrawn_on: date | None
    withdrawal_reason: str
    baseline: float | None
    primary: float | None

    def received(self, protocol: Protocol) -> bool:
        kind = protocol.arm(self.arm).kind
        return self.sessions > 0 if kind == "massage" else self.sessions == 0


@dataclass(frozen=True)
class Analysis:
    """One analysis of the primary outcome, or why it could not be run yet."""

    name: str
    population: str
    effect: TreatmentEffect | None
    n: int
    not_run: str = ""


@dataclass(frozen=True)
class BalanceRow:
    """One line of the baseline table: a characteristic and its summary in each arm."""

    characteristic: str
    cells: tuple[str, ...]


@dataclass(frozen=True)
class StudyResults:
    consort: ConsortCounts
    arm_labels: tuple[str, ...]
    balance: tuple[BalanceRow, ...]
    itt: Analysis
    per_protocol: Analysis
    outcome: str
    as_of: date


def participants(db: Session, study: Study) -> list[Participant]:
    """Every randomized child with what the analysis needs, in enrolment order."""
    protocol = protocol_of(study)
    primary = protocol.primary_outcome
    rows = db.execute(
        select(Enrolment, Child.sex, Child.birth_date)
        .join(Child, Child.id == Enrolment.child_id)
        .where(Enrolment.study_id == study.id)
        .order_by(Enrolment.number)
    ).all()
    scores = _scores(db, study, primary.instrument_id, primary.day)
    sessions = _sessions(db, study)
    found: list[Participant] = []
    for enrolment, sex, birth_date in rows:
        enrolled_on = enrolment.enrolled_at.date()
        found.append(
            Participant(
                number=enrolment.number,
                site_id=enrolment.site_id,
                arm=enrolment.arm,
                stratum=enrolment.stratum,
                sex=sex,
                age_years=(enrolled_on - birth_date).days / 365.25,
                enrolled_on=enrolled_on,
                sessions=sessions.get(enrolment.id, 0),
                withdrawn_on=None
                if enrolment.withdrawn_at is None
                else enrolment.withdrawn_at.date(),
                withdrawal_reason=enrolment.withdrawal_reason,
                baseline=scores.get((enrolment.id, 0)),
                primary=scores.get((enrolment.id, primary.day)),
            )
        )
    return found


def _scores(db: Session, study: Study, instrument: str, day: int) -> dict[tuple[str, int], float]:
    rows = db.execute(
        select(StudyMeasure.enrolment_id, StudyMeasure.day, StudyMeasure.score)
        .join(Enrolment, Enrolment.id == StudyMeasure.enrolment_id)
        .where(
            Enrolment.study_id == study.id,
            StudyMeasure.instrument_id == instrument,
            StudyMeasure.day.in_((0, day)),
        )
    )
    return {(enrolment_id, d): score for enrolment_id, d, score in rows}


def _sessions(db: Session, study: Study) -> Counter[str]:
    """Massage sessions started after each child's enrolment (and before any withdrawal)."""
    rows = db.execute(
        select(Enrolment.id, SessionRecord.started_at, Enrolment.withdrawn_at)
        .join(SessionRecord, SessionRecord.child_id == Enrolment.child_id)
        .where(
            Enrolment.study_id == study.id,
            SessionRecord.started_at.is_not(None),
            SessionRecord.started_at >= Enrolment.enrolled_at,
        )
    )
    return Counter(
        enrolment_id
        for enrolment_id, started, withdrawn in rows
        if withdrawn is None or (started is not None and started < withdrawn)
    )


def study_results(db: Session, study: Study, today: date) -> StudyResults:
    protocol = protocol_of(study)
    people = participants(db, study)
    arms = (protocol.control, protocol.massage)
    return StudyResults(
        consort=consort_counts(db, study, protocol, people, today),
        arm_labels=tuple(arm.label for arm in arms),
        balance=balance(protocol, people),
        itt=analyse(protocol, people, per_protocol=False),
        per_protocol=analyse(protocol, people, per_protocol=True),
        outcome=f"{protocol.primary_outcome.instrument_id} on day {protocol.primary_outcome.day}",
        as_of=today,
    )


def consort_counts(
    db: Session, study: Study, protocol: Protocol, people: Sequence[Participant], today: date
) -> ConsortCounts:
    """The CONSORT 2010 flow (see the module docstring for each box's definition)."""
    outcomes = _final_outcomes(db, study)
    tally = Counter(outcomes.values())
    enrolled = len(people)
    if tally["enrolled"] != enrolled:
        raise ValidationError("enrolments", enrolled, f"{tally['enrolled']}, one per assessment")
    arms = tuple(
        _arm_flow(protocol, arm.id, [p for p in people if p.arm == arm.id], today)
        for arm in (protocol.control, protocol.massage)
    )
    return ConsortCounts(
        assessed=len(outcomes),
        not_meeting_criteria=tally[NOT_MEETING],
        declined=tally["declined"],
        other_reasons=tally["other"],
        randomized=enrolled,
        arms=arms,
    )


def _final_outcomes(db: Session, study: Study) -> dict[str, str]:
    rows = db.execute(
        select(StudyAssessment.child_id, StudyAssessment.outcome)
        .where(StudyAssessment.study_id == study.id)
        .order_by(StudyAssessment.assessed_at, StudyAssessment.id)
    )
    final: dict[str, str] = {}
    for child_id, outcome in rows:
        if final.get(child_id) != "enrolled":
            final[child_id] = outcome
    return final


def _arm_flow(protocol: Protocol, arm_id: str, people: list[Participant], today: date) -> ArmFlow:
    primary = protocol.primary_outcome
    kind = protocol.arm(arm_id).kind
    not_received: Counter[str] = Counter()
    discontinued: Counter[str] = Counter()
    lost: Counter[str] = Counter()
    excluded: Counter[str] = Counter()
    for p in people:
        if not p.received(protocol):
            not_received[
                "no massage session given" if kind == "massage" else "received massage"
            ] += 1
        if p.withdrawn_on is not None:
            discontinued[f"withdrawn: {p.withdrawal_reason}"] += 1
        window_closed = today > p.enrolled_on + timedelta(days=primary.day + primary.window_days)
        if p.primary is None and p.withdrawn_on is None and window_closed:
            lost[f"no day-{primary.day} measure within its window"] += 1
        reason = _not_analysed(p, primary.day, window_closed)
        if reason:
            excluded[reason] += 1
    received = sum(1 for p in people if p.received(protocol))
    return ArmFlow(
        allocated=len(people),
        received=received,
        analysed=sum(1 for p in people if p.baseline is not None and p.primary is not None),
        not_received=_reasons(not_received),
        lost_to_follow_up=_reasons(lost),
        discontinued=_reasons(discontinued),
        excluded_from_analysis=_reasons(excluded),
    )


def _not_analysed(p: Participant, day: int, window_closed: bool) -> str:
    if p.baseline is None:
        return "no baseline measure"
    if p.primary is not None:
        return ""
    if p.withdrawn_on is not None:
        return f"withdrawn before the day-{day} measure"
    if window_closed:
        return f"no day-{day} measure"
    return f"day-{day} measure not yet due"


def _reasons(counter: Counter[str]) -> tuple[Reason, ...]:
    return tuple(Reason(reason, n) for reason, n in sorted(counter.items()))


def analyse(protocol: Protocol, people: Sequence[Participant], *, per_protocol: bool) -> Analysis:
    """ANCOVA of the primary score on baseline and arm over the analysis population."""
    name = "per-protocol (sensitivity)" if per_protocol else "intention-to-treat (primary)"
    population = (
        "children who received the allocated intervention, not withdrawn, with both measures"
        if per_protocol
        else "every randomized child with both measures, in the arm allocated"
    )
    rows = [
        p
        for p in people
        if p.baseline is not None
        and p.primary is not None
        and (not per_protocol or (p.received(protocol) and p.withdrawn_on is None))
    ]
    per_arm = Counter(p.arm for p in rows)
    smallest = min(per_arm.get(arm.id, 0) for arm in protocol.arms)
    if smallest < 3:
        return Analysis(
            name,
            population,
            None,
            len(rows),
            "needs at least 3 children with both measures in each arm",
        )
    effect = ancova(
        before=[p.baseline for p in rows if p.baseline is not None],
        after=[p.primary for p in rows if p.primary is not None],
        arm=[p.arm for p in rows],
        reference_arm=protocol.control.id,
    )
    return Analysis(name, population, effect, len(rows))


def outcome_rows(protocol: Protocol, people: Sequence[Participant]) -> list[OutcomeRow]:
    """The intention-to-treat rows a site's aggregate summarises: arm, stratum and the scores."""
    return [
        OutcomeRow(arm=p.arm, stratum=p.stratum, before=p.baseline, after=p.primary)
        for p in people
        if p.baseline is not None and p.primary is not None
    ]


def balance(protocol: Protocol, people: Sequence[Participant]) -> tuple[BalanceRow, ...]:
    """The baseline table (CONSORT item 15): by arm, counts, age, sex, strata and the baseline
    score. No significance tests: under randomization any imbalance is by chance (CONSORT 2010
    explanation, item 15)."""
    arms = (protocol.control.id, protocol.massage.id)
    groups = [[p for p in people if p.arm == arm] for arm in arms]
    rows = [BalanceRow("Randomized, n", tuple(str(len(g)) for g in groups))]
    rows.append(
        BalanceRow(
            "Age, years: mean (SD)", tuple(_mean_sd([p.age_years for p in g]) for g in groups)
        )
    )
    for sex in sorted({p.sex for p in people}):
        counts = tuple(_share(g, [p.sex == sex for p in g]) for g in groups)
        rows.append(BalanceRow(f"Sex: {sex}, n (%)", counts))
    for stratum in sorted({p.stratum for p in people}):
        counts = tuple(_share(g, [p.stratum == stratum for p in g]) for g in groups)
        rows.append(BalanceRow(f"Stratum {stratum}, n (%)", counts))
    baseline = protocol.primary_outcome.instrument_id
    rows.append(
        BalanceRow(
            f"Baseline {baseline}: mean (SD)",
            tuple(_mean_sd([p.baseline for p in g if p.baseline is not None]) for g in groups),
        )
    )
    return tuple(rows)


def _mean_sd(values: list[float]) -> str:
    if not values:
        return "–"
    if len(values) == 1:
        return f"{values[0]:.1f}"
    return f"{statistics.fmean(values):.1f} ({statistics.stdev(values):.1f})"


def _share(group: list[Participant], matches: list[bool]) -> str:
    n = sum(matches)
    return f"{n} ({100 * n / len(group):.0f}%)" if group else "0"


def results_public(db: Session, study: Study, today: date) -> StudyResultsPublic:
    """The results as the API, the pages and the command line show them."""
    found = study_results(db, study, today)
    labels = list(found.arm_labels)
    return StudyResultsPublic(
        code=study.code,
        title=study.title,
        outcome=found.outcome,
        as_of=found.as_of.isoformat(),
        arm_labels=labels,
        consort=[
            ConsortRowPublic.model_validate(row)
            for row in consort_table(found.consort, arm_labels=labels)
        ],
        consort_in_words=describe(found.consort, labels),
        balance=[
            BalanceRowPublic(characteristic=r.characteristic, cells=list(r.cells))
            for r in found.balance
        ],
        itt=_analysis_public(found.itt),
        per_protocol=_analysis_public(found.per_protocol),
    )


def _analysis_public(analysis: Analysis) -> AnalysisPublic:
    effect = analysis.effect
    base = AnalysisPublic(
        name=analysis.name, population=analysis.population, n=analysis.n, not_run=analysis.not_run
    )
    if effect is None:
        return base
    return base.model_copy(
        update={
            "arm": effect.arm,
            "reference_arm": effect.reference_arm,
            "estimate": effect.estimate,
            "se": effect.se,
            "ci_low": effect.ci_low,
            "ci_high": effect.ci_high,
            "level": effect.level,
            "p": effect.p,
            "df": effect.df,
            "n_per_arm": dict(effect.n_per_arm),
            "model": effect.model,
        }
    )


def consort_diagram(db: Session, study: Study, today: date) -> str:
    """The CONSORT 2010 flow diagram of the study's records, as SVG."""
    found = study_results(db, study, today)
    return consort_svg(found.consort, arm_labels=found.arm_labels)


def site_aggregate_document(
    db: Session, study: Study, *, site: str, min_cell: int, floor: int | None = None
) -> dict[str, Any]:
    """The non-disclosive summary this installation shares for pooling (``research aggregate``):
    the intention-to-treat rows of the primary outcome, summarised by arm and stratum."""
    protocol = protocol_of(study)
    if floor is not None and min_cell < floor:
        raise ValidationError(
            "min_cell", min_cell, f"{floor} or more (the program's smallest shared cell)"
        )
    rows = outcome_rows(protocol, participants(db, study))
    if not rows:
        raise ValidationError(
            "study",
            study.code,
            f"a study with at least one child measured at baseline and on day "
            f"{protocol.primary_outcome.day}: there is nothing to share yet",
        )
    return site_aggregate(
        study=study.code,
        protocol_version=study.version,
        site=site,
        outcome=protocol.primary_outcome.label,
        rows=rows,
        reference_arm=protocol.control.id,
        min_cell=min_cell,
    )


@dataclass(frozen=True)
class LocalResult:
    """A study of this program that informs an evidence claim: its primary analysis as of today,
    for the claim's page, where it is shown apart from the published studies."""

    code: str
    title: str
    status: str
    outcome: str
    randomized: int
    itt: AnalysisPublic


def local_evidence(
    db: Session, claim_id: str, site_ids: frozenset[str] | None, today: date
) -> list[LocalResult]:
    """The program's own studies linked to ``claim_id`` that the asker may see. They are local,
    unpublished and unreviewed, and measured on the instrument's own scale (a mean difference),
    so the page never adds them to the published pooled estimate."""
    from pedmassage.research.studies import list_studies

    found: list[LocalResult] = []
    for study in list_studies(db=db, site_ids=site_ids):
        protocol = protocol_of(study)
        if protocol.evidence_claim != claim_id:
            continue
        people = participants(db, study)
        found.append(
            LocalResult(
                code=study.code,
                title=study.title,
                status=study.status,
                outcome=f"{protocol.primary_outcome.instrument_id} on day "
                f"{protocol.primary_outcome.day}",
                randomized=len(people),
                itt=_analysis_public(analyse(protocol, people, per_protocol=False)),
            )
        )
    return found
