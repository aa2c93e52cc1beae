"""Per-topic handouts: a family handout in plain words and a summary for physicians.

The family handout says what massage may and may not do, how sure we can be (the GRADE level in
words), when not to massage and what to take care with, all drawn from the claims, the topic file
and the precaution rules. The physician summary gives the pooled or single estimates (or, for
reviews that may share trials, each review's estimate side by side with why none is pooled), the
grade with each downgrade and its reason, the studies with their risk of bias, and the precaution
rules.
"""

from __future__ import annotations

from collections.abc import Iterable

from pedmassage.errors import ValidationError
from pedmassage.evidence.catalogue import Catalogue, catalogue
from pedmassage.evidence.claim_model import PlainItem, Topic
from pedmassage.evidence.documents import (
    AUDIENCES,
    Block,
    Bullets,
    Document,
    Graded,
    Paragraph,
    Section,
    Table,
)
from pedmassage.evidence.grade import LEVELS, MEANINGS, PLAIN_DOMAINS
from pedmassage.evidence.model import Study
from pedmassage.evidence.summaries import claim_result, design_and_size
from pedmassage.evidence.synthesis import ClaimSynthesis, synthesize

TALK = (
    "Ask your child's nurse, doctor or massage therapist before you start, and tell them about "
    "anything that worries you, such as a new rash, bruise, pain or fever."
)
UNCHECKED = (
    "The study details here come from summaries and abstracts; they have not all been checked "
    "against the full papers yet."
)


def handout(topic_id: str, audience: str, library: Catalogue | None = None) -> Document:
    """The family handout or the physician summary for one topic."""
    if audience not in AUDIENCES:
        raise ValidationError("audience", audience, "family or physician")
    build = family_handout if audience == "family" else physician_summary
    return build(topic_id, library)


def family_handout(topic_id: str, library: Catalogue | None = None) -> Document:
    library = library or catalogue()
    topic = library.topic(topic_id)
    syntheses = [synthesize(c.id, library) for c in library.claims_for(topic_id)]
    may = [s for s in syntheses if s.claim.finding == "benefit"]
    may_not = [s for s in syntheses if s.claim.finding != "benefit"]
    when_not = _items(library.common_when_not, topic.when_not)
    sections = (
        Section("what-massage-may-do", "What massage may do", _may_do(may)),
        Section("what-massage-may-not-do", "What massage may not do", _may_not(may_not, topic)),
        Section("how-strong", "How strong is the evidence?", _strength(syntheses)),
        Section("when-not-to-massage", "When not to massage", when_not),
        Section("take-care", "Take care", _items(topic.take_care, library.common_take_care)),
        Section("talk-to-us", "Talk to your child's care team", (Paragraph(TALK),)),
        Section("where-from", "Where this comes from", _sources(library.studies_for(topic_id))),
    )
    return Document(
        audience="family",
        topic_id=topic.id,
        title=topic.family_title,
        subtitle="What the research says, in plain words, and when not to massage.",
        sections=sections,
        footer=f"pedmassage evidence library {library.version}. {UNCHECKED}",
    )


def physician_summary(topic_id: str, library: Catalogue | None = None) -> Document:
    library = library or catalogue()
    topic = library.topic(topic_id)
    syntheses = [synthesize(c.id, library) for c in library.claims_for(topic_id)]
    sections = [Section("summary", "Summary of claims (GRADE)", (_summary_table(syntheses),))]
    sections += [_claim_section(s) for s in syntheses]
    sections.append(Section("precautions", "Precautions", _precautions(topic, library)))
    sections.append(
        Section("data-status", "Data status", _data_status(library.studies_for(topic_id)))
    )
    return Document(
        audience="physician",
        topic_id=topic.id,
        title=f"{topic.title}: evidence summary for physicians",
        subtitle=topic.population,
        sections=tuple(sections),
        footer=(
            f"pedmassage evidence library {library.version}. Effects with a 95% CI are pooled as "
            "generic effects (vi from the CI) with pedmassage.stats; a claim is pooled only with "
            "two or more such effects, and never when they may share children (reviews that "
            "include the same trials are shown side by side)."
        ),
    )


# ----------------------------------------------------------------------------- family


def _may_do(may: list[ClaimSynthesis]) -> tuple[Block, ...]:
    if not may:
        return (Paragraph("The research has not shown a clear benefit for this group yet."),)
    return (Graded(tuple((s.claim.statement, s.grade.level) for s in may)),)


def _may_not(may_not: list[ClaimSynthesis], topic: Topic) -> tuple[Block, ...]:
    blocks: list[Block] = []
    if may_not:
        blocks.append(Graded(tuple((s.claim.statement, s.grade.level) for s in may_not)))
    if topic.may_not:
        blocks.append(Bullets(tuple(item.text for item in topic.may_not)))
    if not blocks:
        blocks.append(
            Paragraph("The studies for this group did not look at what massage cannot do.")
        )
    return tuple(blocks)


def _strength(syntheses: list[ClaimSynthesis]) -> tuple[Block, ...]:
    levels = Bullets(
        tuple(f"{level.capitalize()}: {MEANINGS[level]}" for level in reversed(LEVELS))
    )
    blocks: list[Block] = [
        Paragraph(
            "For each finding we say how sure we can be, using four levels: high, moderate, low "
            "and very low."
        ),
        levels,
    ]
    domains = dict.fromkeys(d.domain for s in syntheses for d in s.grade.downgrades)
    if domains:
        blocks.append(Paragraph("Here we are less sure because:"))
        blocks.append(Bullets(tuple(PLAIN_DOMAINS[d] for d in domains)))
    if any(not s.verified for s in _studies(syntheses)):
        blocks.append(Paragraph(UNCHECKED))
    return tuple(blocks)


def _items(*groups: Iterable[PlainItem]) -> tuple[Block, ...]:
    texts = tuple(dict.fromkeys(item.text for group in groups for item in group))
    return (Bullets(texts),)


def _sources(studies: tuple[Study, ...]) -> tuple[Block, ...]:
    labels = ", ".join(s.label for s in studies)
    return (Paragraph(f"Based on {len(studies)} studies and reviews: {labels}."),)


def _studies(syntheses: list[ClaimSynthesis]) -> list[Study]:
    return list({s.id: s for syn in syntheses for s in syn.studies}.values())


# ----------------------------------------------------------------------------- physician


def _summary_table(syntheses: list[ClaimSynthesis]) -> Table:
    rows = tuple(
        (
            s.claim.outcome,
            claim_result(s, short=True),
            str(len(s.studies)),
            s.grade.level,
            "; ".join(f"{d.domain} (−{d.levels})" for d in s.grade.downgrades) or "none",
        )
        for s in syntheses
    )
    header = ("Outcome", "Estimate", "Studies", "Certainty", "Downgraded for")
    return Table(header, rows, widths=(5, 6, 2, 3, 5))


def _claim_section(s: ClaimSynthesis) -> Section:
    c = s.claim
    blocks: list[Block] = [
        Paragraph(claim_result(s)),
        Paragraph(
            f"Certainty: {s.grade.level} (starts {s.grade.start}). Families are told: "
            f"\u201c{c.statement}\u201d"
        ),
    ]
    if s.grade.downgrades:
        reasons = (f"{d.domain.capitalize()} (−{d.levels}): {d.reason}" for d in s.grade.downgrades)
        blocks.append(Bullets(tuple(reasons)))
    if c.clinician_note:
        blocks.append(Paragraph(c.clinician_note))
    blocks.append(_study_table(s))
    return Section(f"claim-{c.id.replace('.', '-')}", f"{c.outcome} ({c.id})", tuple(blocks))


def _study_table(s: ClaimSynthesis) -> Table:
    rows = tuple(
        (
            study.label,
            design_and_size(study),
            _findings(s, study),
            study.risk_of_bias.overall,
            "yes" if study.verified else "no",
        )
        for study in s.studies
    )
    header = ("Study", "Design, n", "Findings", "RoB 2 overall", "Numbers verified")
    return Table(header, rows, widths=(3, 3, 8, 2, 2))


def _findings(s: ClaimSynthesis, study: Study) -> str:
    """What the study found for this claim: its effect rows' outcomes, or its first findings."""
    names = {r.outcome for r in s.rows if r.study_id == study.id}
    chosen = [o for o in study.outcomes if o.name in names] or list(study.outcomes[:2])
    return " ".join(o.finding for o in chosen) or "no outcome recorded"


def _precautions(topic: Topic, library: Catalogue) -> tuple[Block, ...]:
    from pedmassage.safety import default_rulebook

    book = default_rulebook()
    items = [*library.common_when_not, *topic.when_not, *topic.take_care, *library.common_take_care]
    rule_ids = dict.fromkeys(i.rule for i in items if i.rule)
    rows = tuple(
        (
            rule_id,
            book.rule(rule_id).decision,
            book.rule(rule_id).message,
            book.rule(rule_id).spec.source,
        )
        for rule_id in rule_ids
    )
    others = tuple(f"{i.text} ({i.source})" for i in items if i.source)
    blocks: list[Block] = [
        Paragraph("Precaution rules the screening applies (decision, message and source):"),
        Table(("Rule", "Decision", "What to do", "Source"), rows, widths=(3, 2, 6, 7)),
    ]
    if others:
        blocks += [Paragraph("Also told to families:"), Bullets(others)]
    return tuple(blocks)


def _data_status(studies: tuple[Study, ...]) -> tuple[Block, ...]:
    verified = [s.label for s in studies if s.verified]
    status = (
        f"{len(verified)} of {len(studies)} studies have numbers verified against the paper or "
        f"abstract{': ' + ', '.join(verified) if verified else ''}."
    )
    notes = tuple(f"{s.label}: {note}" for s in studies for note in s.notes if "UNVERIFIED" in note)
    blocks: list[Block] = [Paragraph(status)]
    if notes:
        blocks.append(Bullets(notes))
    return tuple(blocks)
