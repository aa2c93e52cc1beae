"""Cards from screening results: pure, so each is read straight off a result."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest

from pedmassage.cdshooks.cards import (
    BEDSIDE_NOTE,
    PROCEED_SUMMARY,
    SUMMARY_LIMIT,
    cards_json,
    fit,
    screening_cards,
)
from pedmassage.cdshooks.service import clinical_rulebook
from pedmassage.safety import Reason, ScreeningInput, ScreeningResult, default_rulebook, evaluate

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
TAKEN = (NOW - timedelta(hours=1)).isoformat()


@dataclass(frozen=True)
class Unread:
    resource: str
    field: str
    codes: list[str]
    reason: str


def screened(**fields: Any) -> ScreeningResult:
    """A hospital child of eight with a normal temperature an hour ago, plus ``fields``,
    screened as the CDS service screens: without the consent and assent rules."""
    data: dict[str, Any] = {
        "assessed_at": NOW.isoformat(),
        "setting": "hospital",
        "child": {"birth_date": "2018-05-02"},
        "vitals": [{"code": "temperature", "value": 36.8, "unit": "Cel", "taken_at": TAKEN}],
        **fields,
    }
    return evaluate(ScreeningInput.model_validate(data), clinical_rulebook(default_rulebook()))


def ids() -> Any:
    numbers = count(1)
    return lambda: f"id-{next(numbers)}"


LOW_PLATELETS = {
    "conditions": [{"code": "cancer"}],
    "labs": [{"code": "platelets", "value": 8, "unit": "10^9/L", "taken_at": TAKEN}],
}
LINE = {"devices": [{"kind": "central_venous_catheter", "site": "chest_right"}]}


def test_a_hold_is_a_critical_card_naming_each_reason_with_its_rule_and_source() -> None:
    result = screened(**LOW_PLATELETS)
    [card] = screening_cards(result, source_url="https://pm.example.org/evidence")
    assert card.indicator == "critical"
    assert card.summary.startswith("Hold massage: ")
    assert len(card.summary) < SUMMARY_LIMIT
    assert card.detail is not None
    for reason in result.reasons:
        assert f"`{reason.rule_id}`" in card.detail
        assert " ".join(reason.source.split()) in card.detail
    assert card.source.label == "pedmassage screening"
    assert card.source.url == "https://pm.example.org/evidence"


def test_changes_are_a_warning_card_with_the_session_changes_in_words() -> None:
    [card] = screening_cards(screened(**LINE))
    assert card.indicator == "warning"
    assert card.summary.startswith("Massage only with changes: ")
    assert card.detail is not None
    assert "**Session changes**" in card.detail
    assert "No contact: Chest (right)" in card.detail


def test_a_well_child_is_an_info_card_saying_consent_and_assent_are_asked_at_the_bedside() -> None:
    [card] = screening_cards(screened())
    assert card.indicator == "info"
    assert card.summary == PROCEED_SUMMARY
    assert card.detail is not None and BEDSIDE_NOTE in card.detail


def test_consent_and_assent_reasons_are_never_shown_as_the_finding() -> None:
    """Screened with the full rule book, a child whose consent is not recorded is held; the card
    leaves that reason to the bedside and shows the clinical answer."""
    data = {
        "assessed_at": NOW.isoformat(),
        "setting": "hospital",
        "child": {"birth_date": "2014-05-02"},
        "vitals": [{"code": "temperature", "value": 36.8, "unit": "Cel", "taken_at": TAKEN}],
    }
    result = evaluate(ScreeningInput.model_validate(data), default_rulebook())
    assert result.decision == "hold"
    assert any(r.rule_id.startswith(("consent.", "assent.")) for r in result.reasons)
    [card] = screening_cards(result)
    assert card.indicator == "info"
    assert card.detail is not None
    assert "consent.guardian_not_recorded" not in card.detail
    assert "assent.not_asked" not in card.detail


def test_the_clinical_rule_book_has_every_rule_but_the_consent_and_assent_ones() -> None:
    book = default_rulebook()
    clinical = clinical_rulebook(book)
    bedside = [r for r in book.rule_ids if r.startswith(("consent.", "assent."))]
    assert bedside  # the rule book has such rules to leave out
    assert clinical.rule_ids == [r for r in book.rule_ids if r not in bedside]
    assert clinical.policy is book.policy
    assert clinical_rulebook(book) is clinical  # made once per book


def test_every_rule_s_message_fits_a_summary_under_140_characters() -> None:
    for rule in clinical_rulebook(default_rulebook()).rules:
        for decision in ("hold", "modify"):
            reason = Reason(rule_id=rule.id, decision=decision, message=rule.message, source="s")
            result = screened().model_copy(update={"decision": decision, "reasons": [reason] * 3})
            [card] = screening_cards(result)
            assert len(card.summary) < SUMMARY_LIMIT, (rule.id, card.summary)
            assert card.summary.endswith("(+2 more)")


def test_fit_cuts_at_a_word_and_marks_the_cut() -> None:
    assert fit("short enough") == "short enough"
    cut = fit("word " * 60)
    assert len(cut) <= SUMMARY_LIMIT - 1
    assert cut.endswith("word…")


def test_readings_to_take_get_a_card_of_their_own() -> None:
    result = screened(vitals=[])
    cards = screening_cards(result, new_id=ids())
    assert [c.uuid for c in cards] == ["id-1", "id-2"]
    readings = cards[1]
    assert readings.indicator == "warning"
    assert readings.summary == "Before massage, take: Body temperature."
    assert readings.detail is not None
    assert "Body temperature (Cel; LOINC 8310-5): none recorded" in readings.detail
    assert "`fever.temperature_required`" in readings.detail


def test_entries_not_read_are_listed_escaped_and_make_a_proceed_a_warning() -> None:
    unread = Unread(
        resource="Condition",
        field="code",
        codes=["http://snomed.info/sct|999`9"],
        reason="[click me](https://elsewhere.example) not in the vocabulary",
    )
    [card] = screening_cards(screened(), unmapped=[unread])
    assert card.indicator == "warning"
    assert "1 record entry could not be read" in card.summary
    assert card.detail is not None
    assert "`http://snomed.info/sct|999'9`" in card.detail
    assert "](" not in card.detail
    assert "https://elsewhere" not in card.detail


def test_a_hold_on_a_massage_order_suggests_removing_it() -> None:
    order = {"resourceType": "ServiceRequest", "id": "massage-1", "code": {"text": "Massage"}}
    [card] = screening_cards(screened(**LOW_PLATELETS), order=order, new_id=ids())
    assert card.selection_behavior == "at-most-one"
    [suggestion] = card.suggestions or []
    assert suggestion.label == "Remove the massage order"
    assert suggestion.uuid == "id-2"
    [action] = suggestion.actions
    assert (action.type, action.resource_id) == ("delete", "ServiceRequest/massage-1")


def test_changes_on_a_massage_order_suggest_adding_them_to_its_notes() -> None:
    order = {
        "resourceType": "ServiceRequest",
        "id": "massage-1",
        "code": {"text": "Massage"},
        "note": [{"text": "ward 4B"}],
    }
    [card] = screening_cards(screened(**LINE), order=order)
    [suggestion] = card.suggestions or []
    [action] = suggestion.actions
    assert action.type == "update"
    assert action.resource is not None
    notes = [n["text"] for n in action.resource["note"]]
    assert notes[0] == "ward 4B"
    assert notes[1].startswith("pedmassage screening, session changes: ")
    assert "No contact: Chest (right)" in notes[1]


def test_a_proceed_on_a_massage_order_suggests_nothing() -> None:
    order = {"resourceType": "ServiceRequest", "id": "massage-1", "code": {"text": "Massage"}}
    [card] = screening_cards(screened(), order=order)
    assert card.suggestions is None and card.selection_behavior is None


@pytest.mark.parametrize("fields", [{}, LINE, LOW_PLATELETS])
def test_the_json_leaves_out_what_is_empty_and_speaks_camel_case(fields: dict[str, Any]) -> None:
    order = {"resourceType": "ServiceRequest", "id": "m", "code": {"text": "Massage"}}
    body = cards_json(screening_cards(screened(**fields), order=order))
    for card in body["cards"]:
        assert set(card) >= {"uuid", "summary", "indicator", "source", "detail"}
        assert None not in card.values()
        assert "selection_behavior" not in card
        for suggestion in card.get("suggestions", []):
            assert "isRecommended" in suggestion
            for action in suggestion["actions"]:
                assert "resource_id" not in action
