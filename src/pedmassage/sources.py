"""Every piece of clinical knowledge the software acts on, with its source, as one document.

``docs/clinical-sources.md`` is generated from the data files by :func:`clinical_sources_markdown`
(``pedmassage sources > docs/clinical-sources.md``), and a test fails when the two differ, so the
document a clinician reviews is always what the code runs.
"""

from __future__ import annotations


def clinical_sources_markdown() -> str:
    parts = [
        "# Clinical sources\n",
        "Generated from the data files by `pedmassage sources`; do not edit by hand. "
        "UNVERIFIED marks a fact no primary source confirmed: it is program policy with a "
        "conservative default until a clinician signs it off.\n",
        _rules(),
        _thresholds(),
        _reference_ranges(),
        _vocabulary(),
        _outcome_references(),
        _protocols(),
        _instruments(),
        _development(),
        _studies(),
    ]
    return "\n".join(parts)


def _cell(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _rules() -> str:
    from pedmassage.safety import default_rulebook

    book = default_rulebook()
    rows: list[list[object]] = [
        [
            f"`{r.spec.id}`",
            r.spec.version,
            r.spec.title,
            r.spec.decision or "requires data",
            r.spec.evidence,
            r.spec.source,
        ]
        for r in sorted(book.rules, key=lambda r: r.spec.id)
    ]
    return f"## Precaution rules ({len(rows)}; catalogue {book.rules_version})\n\n" + _table(
        ["rule", "version", "title", "decision", "evidence", "source"], rows
    )


def _thresholds() -> str:
    from pedmassage.safety import default_rulebook

    policy = default_rulebook().policy
    rows: list[list[object]] = [
        [f"`{name}`", t.value, t.unit, t.status, t.source]
        for name, t in sorted(policy.thresholds.items())
    ]
    return f"## Program policy thresholds (default policy {policy.version})\n\n" + _table(
        ["threshold", "value", "unit", "status", "source"], rows
    )


def _reference_ranges() -> str:
    from pedmassage.safety.vital_ranges import vital_ranges

    ranges = vital_ranges()
    rows: list[list[object]] = [
        [f"under {b.until_months} months", f"{b.heart_rate[0]:g}-{b.heart_rate[1]:g}",
         f"{b.respiratory_rate[0]:g}-{b.respiratory_rate[1]:g}"]
        for b in ranges.bands
    ]  # fmt: skip
    return (
        f"## Heart and breathing rate by age (`{ranges.id}`, version {ranges.version}, "
        f"{ranges.evidence})\n\n{_cell(ranges.source)}\n\nAge basis: {_cell(ranges.age_basis)}\n\n"
        + _table(["age band", "heart rate /min (1st-99th)", "breathing /min (1st-99th)"], rows)
    )


def _vocabulary() -> str:
    from pedmassage.vocabulary.terms import measure_terms, term_list

    kinds = ["condition", "device", "procedure", "skin_finding", "body_site", "medication_class"]
    rows: list[list[object]] = [[f"`{k}`", term_list(k).source] for k in kinds]
    rows.append(["`lab`, `vital`", measure_terms().source])
    return "## Standard codes and synonyms\n\n" + _table(["list", "source"], rows)


def _outcome_references() -> str:
    from pedmassage.measures.mcid import mcids

    rows: list[list[object]] = [
        [f"`{m.instrument}`", f"{m.decrease:g}", f"{m.min_age_years:g}-{m.max_age_years:g} y",
         m.population, m.source]
        for m in mcids().values()
    ]  # fmt: skip
    growth = (
        "Growth centiles and SDS: the UK-WHO reference (preterm from 23 weeks) through the "
        "rcpchgrowth package (Royal College of Paediatrics and Child Health). Weight-gain "
        "velocity: the exponential method, 1000·ln(W2/W1)/days in g/kg/day (Patel AL et al., "
        "J Perinatol 2009;29:618-622; Pediatrics 2005;116:1466-1473)."
    )
    return (
        "## Outcome references\n\nMinimal clinically important differences (change reported by "
        "children as a difference; none is used where none is published):\n\n"
        + _table(["instrument", "decrease", "ages", "population", "source"], rows)
        + "\n"
        + growth
        + "\n"
    )


def _protocols() -> str:
    from pedmassage.planning import protocols

    rows: list[list[object]] = [
        [f"`{p.id}`", p.version, p.title, "; ".join(p.source), "; ".join(p.unverified) or "none"]
        for p in sorted(protocols().values(), key=lambda p: p.id)
    ]
    return "## Session protocols\n\n" + _table(
        ["protocol", "version", "title", "sources", "UNVERIFIED details"], rows
    )


def _instruments() -> str:
    from pedmassage.measures import instruments

    rows: list[list[object]] = [
        [
            f"`{i.id}`",
            i.version,
            i.name,
            f"{i.range[0]:g}-{i.range[1]:g}",
            i.loinc or "none",
            i.source,
        ]
        for i in sorted(instruments().values(), key=lambda i: i.id)
    ]
    return "## Instruments\n\n" + _table(
        ["instrument", "version", "name", "range", "LOINC", "source"], rows
    )


def _development() -> str:
    from pedmassage.development.policy import policy

    stage_policy = policy()
    return (
        "## Ages and stages\n\n"
        f"- Corrected age: {_cell(stage_policy.corrected_age.source)}\n"
        f"- Developmental stages: {_cell(stage_policy.source)}\n"
    )


def _studies() -> str:
    from pedmassage.evidence.catalogue import catalogue
    from pedmassage.evidence.summaries import design_and_size
    from pedmassage.evidence.synthesis import claim_grade

    library = catalogue()
    studies: list[list[object]] = [
        [
            f"`{s.id}`",
            s.version,
            s.citation,
            design_and_size(s),
            "yes" if s.verified else "no",
            "; ".join(s.notes) or "none",
            f"{s.source} ({s.reference_section})",
        ]
        for s in sorted(library.studies.values(), key=lambda s: s.id)
    ]
    claims: list[list[object]] = [
        [
            f"`{c.id}`",
            c.version,
            c.outcome,
            claim_grade(c).level,
            "; ".join(f"{d.domain} -{d.levels}" for d in c.downgrades) or "none",
            ", ".join(c.study_ids),
        ]
        for c in library.claims.values()
    ]
    return (
        f"## Evidence library {library.version}: studies\n\n"
        "Numbers are only those the clinical reference reports; `verified` says whether they were "
        "checked against the paper or its abstract.\n\n"
        + _table(
            ["study", "version", "citation", "design, n", "verified", "notes", "source"], studies
        )
        + "\n## Evidence claims and their certainty (GRADE)\n\n"
        + _table(["claim", "version", "outcome", "certainty", "downgrades", "rests on"], claims)
    )
