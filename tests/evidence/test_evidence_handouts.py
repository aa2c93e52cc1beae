"""Handouts: the family handout says plainly how strong the evidence is and when not to massage;
the physician summary gives the estimates, grades and precaution rules; both as HTML and PDF."""

from __future__ import annotations

import re

import pytest

from pedmassage.errors import NotFoundError, ValidationError
from pedmassage.evidence import documents
from pedmassage.evidence.catalogue import catalogue
from pedmassage.evidence.handouts import family_handout, handout, physician_summary
from pedmassage.safety import default_rulebook

JARGON = (
    "standardized mean difference", "confidence interval", "95% CI", "meta-analysis",
    "heterogeneity", "Hedges", "risk ratio", "τ²", "I²", "RoB", "GRADE", "randomized",
)  # fmt: skip


@pytest.mark.parametrize("topic_id", sorted(catalogue().topics))
def test_the_family_handout_avoids_jargon(topic_id: str) -> None:
    text = family_handout(topic_id).text()
    for word in JARGON:
        assert not re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE), word


def test_the_family_handout_html_names_the_grade_words_and_when_not_to_massage() -> None:
    page = documents.html(family_handout("oncology"))
    for level in ("high", "moderate", "low", "very low"):
        assert level in page
    assert 'id="when-not-to-massage"' in page and "When not to massage" in page
    assert "How sure are we: <strong>very low</strong>" in page
    assert "We are not sure whether massage helps children with cancer feel less anxious" in page
    preterm = documents.html(family_handout("preterm"))
    assert "How sure are we: <strong>low</strong>" in preterm


def _section_text(topic_id: str, section_id: str) -> str:
    document = family_handout(topic_id)
    section = next(s for s in document.sections if s.id == section_id)
    only = documents.Document("family", topic_id, "", "", (section,), "")
    return only.text()


def test_when_not_to_massage_is_drawn_from_the_precaution_rules() -> None:
    book = default_rulebook()
    for item in catalogue().common_when_not:
        assert item.rule is not None and book.rule(item.rule).decision == "hold"
    text = _section_text("oncology", "when-not-to-massage")
    assert "38 °C" in text  # fever.present, at the policy's fever_celsius
    assert "platelet count is very low" in text  # platelets.severe
    assert "blood count is low" in text  # neutropenia.febrile


def test_what_massage_may_not_do_lists_the_claims_without_a_clear_benefit() -> None:
    text = _section_text("preterm", "what-massage-may-not-do")
    assert "Still touch alone" in text and "low" in text


def test_the_physician_summary_gives_the_pooled_estimate_grade_and_precautions() -> None:
    text = physician_summary("preterm").text()
    assert "Pooled" not in text  # every preterm estimate with a CI comes from a review
    assert "Wang 2013 5.32 (95% CI 4.15 to 6.49)" in text
    assert "Shown side by side, not pooled" in text and "same children twice" in text
    assert "Risk of bias (−1): Vickers 2004" in text
    assert "neonatal.preterm_session" in text and "fever.present" in text
    assert "Single estimate, not pooled: MD 0.20 g/day (95% CI -1.20 to 1.60)" in text


def test_the_pdf_is_a_pdf_with_pages() -> None:
    for audience in ("family", "physician"):
        data = documents.pdf(handout("cystic_fibrosis", audience))
        assert data.startswith(b"%PDF")
        pages = re.findall(rb"/Type\s*/Page\b", data)
        assert len(pages) > 0


def test_an_unknown_topic_or_audience_is_refused() -> None:
    with pytest.raises(NotFoundError):
        handout("nope", "family")
    with pytest.raises(ValidationError, match="family or physician"):
        handout("asthma", "press")
