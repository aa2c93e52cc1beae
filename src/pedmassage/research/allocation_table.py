"""REDCap's allocation table for a study randomized by permuted blocks: the list every stratum
would follow here, for the unblinded statistician who sets up REDCap's randomization module.

This is the one place the study's secret seed leaves the enrolment code, so it is offered only on
the server's command line (no route serves it) and every release is audited by the caller.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import get_args

from sqlalchemy.orm import Session

from pedmassage.errors import ValidationError
from pedmassage.research.protocol import Protocol
from pedmassage.research.redcap import csv_text
from pedmassage.research.studies import get_study, protocol_of, site_names


@dataclass(frozen=True)
class AllocationTable:
    """An allocation table as REDCap uploads it, the legend of its integer codes, and how many
    strata it covers."""

    allocations: str
    codes: str
    strata: int


def _possible_levels(protocol: Protocol, site_names: list[str]) -> dict[str, list[str]]:
    """Every level each stratification factor can take, in the protocol's order of factors.

    Enrolment names a child's levels from their record (the site's name, the stage of the
    development policy, the sex and setting a profile allows, the age band of the protocol's
    cuts), so REDCap's table must hold a list for every combination a child could bring."""
    from pedmassage.development.policy import stages
    from pedmassage.safety.contract import Setting, Sex

    levels: dict[str, list[str]] = {}
    for factor in protocol.strata:
        if factor == "site":
            levels[factor] = list(site_names)
        elif factor == "sex":
            levels[factor] = list(get_args(Sex))
        elif factor == "setting":
            levels[factor] = list(get_args(Setting))
        elif factor == "stage":
            levels[factor] = [stage.id for stage in stages()]
        else:
            levels[factor] = _age_bands(protocol.age_band_cuts)
    return levels


def _age_bands(cuts: list[float]) -> list[str]:
    """The bands :func:`~pedmassage.research.protocol.age_band` gives for ``cuts``, youngest
    first: one age under the first cut, then each cut itself (the first age of its band)."""
    from pedmassage.research.protocol import age_band

    if not cuts:
        return []
    probes = [cuts[0] - 1, *cuts]
    return list(dict.fromkeys(age_band(cuts, age) for age in probes))


def _allocation_table_of(
    protocol: Protocol, *, site_names: list[str], seed: bytes, per_stratum: int
) -> AllocationTable:
    """Each stratum's first ``per_stratum`` assignments, exactly as enrolment here would give
    them (same seed, arms, ratio, block sizes and stratum name), in sequence order: REDCap
    takes the first unused row that matches a record's strata.

    REDCap stores a categorical field's choice as its code, so the group is the arm's 1-based
    position in the protocol and each level its 1-based position in :func:`_possible_levels`."""
    from pedmassage.research.protocol import stratum_name
    from pedmassage.research.redcap import RANDOMIZATION_GROUP, Allocation, allocation_table_csv
    from pedmassage.stats.randomization import allocation_sequence

    levels = _possible_levels(protocol, site_names)
    factors = list(levels)
    groups = {arm.id: position for position, arm in enumerate(protocol.arms, start=1)}
    rows: list[Allocation] = []
    strata = 0
    for combination in itertools.product(*(range(len(levels[f])) for f in factors)):
        strata += 1
        named = {f: levels[f][i] for f, i in zip(factors, combination, strict=True)}
        coded = {f: i + 1 for f, i in zip(factors, combination, strict=True)}
        sequence = allocation_sequence(
            arms=[arm.id for arm in protocol.arms],
            ratio=[arm.ratio for arm in protocol.arms],
            block_sizes=protocol.randomization.block_sizes,
            length=per_stratum,
            seed=seed,
            stratum=stratum_name(named),
        )
        rows += [Allocation(group=groups[a.arm], strata=coded) for a in sequence]
    legend = [
        [RANDOMIZATION_GROUP, str(groups[arm.id]), arm.id, arm.label] for arm in protocol.arms
    ]
    for factor in factors:
        legend += [[factor, str(i), level, level] for i, level in enumerate(levels[factor], 1)]
    return AllocationTable(
        allocations=allocation_table_csv(assignments=rows, strata_fields=factors),
        codes=csv_text(["field", "code", "name", "label"], legend),
        strata=strata,
    )


def redcap_allocation_table(*, db: Session, code: str, per_stratum: int) -> AllocationTable:
    """The study's allocation table (see the module docstring); minimization is refused, since
    REDCap only follows a fixed list."""
    study = get_study(db=db, code=code)
    protocol = protocol_of(study)
    if protocol.randomization.method != "permuted_blocks":
        raise ValidationError(
            "randomization.method",
            protocol.randomization.method,
            "permuted_blocks: REDCap's randomization module only takes a fixed list, so a "
            "study allocated by minimization keeps enrolling here",
        )
    names = site_names(db, protocol.sites)
    return _allocation_table_of(
        protocol,
        site_names=[names.get(s, s) for s in protocol.sites],
        seed=study.allocation_seed,
        per_stratum=per_stratum,
    )
