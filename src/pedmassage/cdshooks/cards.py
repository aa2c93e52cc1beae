"""A screening result as CDS Hooks cards: pure, so what an EHR shows can be read off the result.

The main card carries the decision: ``hold`` is ``critical``, ``modify`` is ``warning`` and
``proceed`` is ``info``. Its summary is one sentence under 140 characters (the spec's limit); its
detail, in Markdown, gives every finding with its rule id and source, the session changes, the
readings to take, and the record entries pedmassage could not read. A second card, when the rules
ask for readings first, says which ones to take.

Consent and assent. The EHR cannot know whether the guardian gives permission today or whether
the child agrees: both are asked at the bedside. The service therefore screens with the consent
and assent rules left out (:func:`pedmassage.cdshooks.service.clinical_rulebook`), and these cards
never show a reason from them as a finding (:data:`BEDSIDE_RULE_PREFIXES`, in case a program's
own rule book adds one); every main card says that consent and assent are asked at the bedside.

Record entries not read. A condition, device, medicine or procedure whose code pedmassage does not
map is never guessed at: it is listed in the detail, and a "proceed" with such entries is shown as
a ``warning``, since a precaution may hide behind a code the rules cannot read.

Links. A card carries no link into pedmassage: the child may have no record there, and a link to
a child's screening page would send the clinician to a login and a "not found". ``source.url``
points at the evidence library instead, which anyone may read.

Strings that come from the EHR (codes, texts) are escaped before they go into Markdown, so a
record entry cannot turn into a link or markup on the clinician's screen.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from pedmassage.safety.contract import Modifications, Reason, ScreeningResult, VerifyItem
from pedmassage.vocabulary import code_book, site_map

SUMMARY_LIMIT = 140
"""The spec's limit: a summary is shorter than this."""
SOURCE_LABEL = "pedmassage screening"
BEDSIDE_RULE_PREFIXES = ("consent.", "assent.")
"""Rule ids of the consent and assent rules (``safety/rules/consent.yaml``)."""

Indicator = Literal["info", "warning", "critical"]
INDICATOR: dict[str, Indicator] = {"hold": "critical", "modify": "warning", "proceed": "info"}

PROCEED_SUMMARY = (
    "No massage precaution found in the record; consent and assent are asked at the bedside."
)
BEDSIDE_NOTE = (
    "**Consent and assent are asked at the bedside.** The record cannot say whether the guardian "
    "gives permission today or whether the child agrees, so pedmassage's consent and assent rules "
    "were not run here: this screening covers the clinical precautions only. The therapist asks "
    'both before the session, and a "no" stops it.'
)


class _Spec(BaseModel):
    """A CDS Hooks object: camelCase on the wire, optional fields left out when empty."""

    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True, frozen=True)


class Source(_Spec):
    label: str
    url: str | None = None


class Action(_Spec):
    type: Literal["create", "update", "delete"]
    description: str
    resource: dict[str, Any] | None = None
    resource_id: str | None = None


class Suggestion(_Spec):
    label: str
    uuid: str
    is_recommended: bool | None = None
    actions: list[Action] = Field(default_factory=list)


class Link(_Spec):
    label: str
    url: str
    type: Literal["absolute", "smart"]


class Card(_Spec):
    uuid: str
    summary: str = Field(max_length=SUMMARY_LIMIT - 1)
    indicator: Indicator
    source: Source
    detail: str | None = None
    suggestions: list[Suggestion] | None = None
    selection_behavior: Literal["at-most-one", "any"] | None = None
    links: list[Link] | None = None


def cards_json(cards: Sequence[Card]) -> dict[str, Any]:
    """The response body: ``{"cards": [...]}``, optional attributes omitted as the spec asks."""
    return {"cards": [c.model_dump(mode="json", by_alias=True, exclude_none=True) for c in cards]}


def new_card_id() -> str:
    """A random uuid: what the EHR's feedback names a card or suggestion by."""
    return str(uuid.uuid4())


class UnmappedEntry(Protocol):
    """A record entry the FHIR mapping could not read (``pedmassage.fhir.inbound.Unmapped``)."""

    @property
    def resource(self) -> object: ...
    @property
    def field(self) -> object: ...
    @property
    def codes(self) -> object: ...
    @property
    def reason(self) -> object: ...


def screening_cards(
    result: ScreeningResult,
    *,
    unmapped: Sequence[UnmappedEntry] = (),
    order: Mapping[str, Any] | None = None,
    source_url: str | None = None,
    new_id: Callable[[], str] | None = None,
) -> list[Card]:
    """The cards for one screening: the decision card, then a card of readings to take, if any.

    ``order`` is the draft massage ServiceRequest of an ``order-select`` call: a hold suggests
    deleting it and changes suggest adding them to it. ``new_id`` makes the card and suggestion
    uuids (random by default).
    """
    new_id = new_id or new_card_id
    shown = [r for r in result.reasons if not r.rule_id.startswith(BEDSIDE_RULE_PREFIXES)]
    decision = _decision(shown)
    indicator = INDICATOR[decision]
    if decision == "proceed" and unmapped:
        indicator = "warning"
    source = Source(label=SOURCE_LABEL, url=source_url)
    card_id = new_id()
    suggestions = _suggestions(decision, result, order, new_id) if order is not None else []
    main = Card(
        uuid=card_id,
        summary=_summary(decision, shown, len(unmapped)),
        indicator=indicator,
        source=source,
        detail=_detail(result, decision, shown, unmapped),
        suggestions=suggestions or None,
        selection_behavior="at-most-one" if suggestions else None,
    )
    cards = [main]
    if result.verify:
        cards.append(_verify_card(result.verify, source, new_id()))
    return cards


def _decision(shown: Sequence[Reason]) -> Literal["proceed", "modify", "hold"]:
    """The most restrictive decision among the reasons shown (the result's, bedside rules out)."""
    decisions = {r.decision for r in shown}
    if "hold" in decisions:
        return "hold"
    return "modify" if "modify" in decisions else "proceed"


# --- the summary ---------------------------------------------------------------------------


def fit(text: str, limit: int = SUMMARY_LIMIT - 1) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with "…" when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.—-")
    return cut + "…"


def _summary(decision: str, shown: Sequence[Reason], unmapped: int) -> str:
    if decision == "proceed":
        if unmapped:
            entries = "entry" if unmapped == 1 else "entries"
            return fit(
                f"No massage precaution found, but {unmapped} record {entries} could not be "
                "read: check them before massage."
            )
        return PROCEED_SUMMARY
    lead = "Hold massage: " if decision == "hold" else "Massage only with changes: "
    first = next(r for r in shown if r.decision == decision)
    more = len(shown) - 1
    tail = f" (+{more} more)" if more else ""
    return lead + fit(first.message, SUMMARY_LIMIT - 1 - len(lead) - len(tail)) + tail


# --- the detail ----------------------------------------------------------------------------


def _detail(
    result: ScreeningResult,
    decision: str,
    shown: Sequence[Reason],
    unmapped: Sequence[UnmappedEntry],
) -> str:
    assessed = _when(result.assessed_at)
    parts = [
        f"**Massage: {decision}.** Screened from the record by pedmassage at {assessed} "
        f"(rules {result.rules_version}, policy {result.policy_version}).",
    ]
    if shown:
        parts.append("**Findings**\n\n" + "\n".join(_finding(r) for r in shown))
    if decision == "modify":
        changes = changes_lines(result.modifications)
        if changes:
            parts.append("**Session changes**\n\n" + "\n".join(f"- {c}" for c in changes))
    todo = [m for m in result.missing if not m.startswith("verify ")]
    if todo:
        parts.append("**To record**\n\n" + "\n".join(f"- {m}" for m in todo))
    if result.verify:
        parts.append("**Readings to take first**\n\n" + _verify_lines(result.verify))
    if unmapped:
        parts.append(
            "**Not read from the record** (codes pedmassage does not map are never guessed; "
            "check these by hand)\n\n" + "\n".join(_unmapped_line(u) for u in unmapped)
        )
    parts.append(BEDSIDE_NOTE)
    return "\n\n".join(parts)


def _finding(reason: Reason) -> str:
    label = {"hold": "Hold", "modify": "Change", "proceed": "Note"}[reason.decision]
    return (
        f"- **{label}**: {reason.message} (rule `{reason.rule_id}`)\\\n"
        f"  *Source:* {' '.join(reason.source.split())}"
    )


def changes_lines(mods: Modifications) -> list[str]:
    """The session changes in words, one line each, most restrictive first."""
    lines: list[str] = []
    if mods.max_pressure is not None:
        lines.append(
            "Still touch only (pressure 0)"
            if mods.max_pressure == 0
            else f"Pressure at most Walton level {mods.max_pressure}"
        )
    if mods.max_minutes is not None:
        lines.append(f"At most {mods.max_minutes} minutes")
    if mods.avoid_sites:
        lines.append("No contact: " + _sites(mods.avoid_sites))
    if mods.gentle_sites:
        lines.append("Gentle touch only (pressure 1 or less): " + _sites(mods.gentle_sites))
    if mods.forbidden_techniques:
        lines.append(
            "Do not use: " + ", ".join(t.replace("_", " ") for t in mods.forbidden_techniques)
        )
    lines.extend(mods.positions)
    lines.extend(mods.precautions)
    return lines


def _sites(ids: Sequence[str]) -> str:
    sites = site_map().sites
    return ", ".join(sites[s].label if s in sites else s for s in ids)


def _verify_lines(items: Sequence[VerifyItem]) -> str:
    lines = []
    for item in items:
        last = (
            "none recorded"
            if item.last_value is None or item.last_taken_at is None
            else f"last {item.last_value:g} {item.unit} at {_when(item.last_taken_at)}"
        )
        loinc = _loinc(item)
        code = f"; LOINC {loinc}" if loinc else ""
        rules = ", ".join(f"`{r}`" for r in item.rules)
        lines.append(f"- {item.label} ({item.unit}{code}): {last}; asked by {rules}")
    return "\n".join(lines)


def _loinc(item: VerifyItem) -> str | None:
    book = code_book()
    table = book.labs if item.kind == "lab" else book.vitals
    spec = table.get(item.code)
    return spec.loinc if spec is not None else None


def _verify_card(items: Sequence[VerifyItem], source: Source, card_id: str) -> Card:
    labels = ", ".join(i.label for i in items)
    return Card(
        uuid=card_id,
        summary=fit(f"Before massage, take: {labels}."),
        indicator="warning",
        source=source,
        detail=(
            "The precaution rules need a current reading of each of these before a session; the "
            "record has none, or only one too old to rely on. Missing readings are never taken "
            "as normal.\n\n" + _verify_lines(items)
        ),
    )


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&:/@])")


def escape(text: object) -> str:
    """EHR text made inert in Markdown: one line, every character that could start markup, a
    link or an autolink (``:``, ``/``, ``@``, ``www.``) escaped."""
    return _MARKDOWN.sub(r"\\\1", " ".join(str(text).split()))


def code_span(text: object) -> str:
    """An EHR code shown as code: nothing inside a code span is markup or a link."""
    return "`" + " ".join(str(text).split()).replace("`", "'") + "`"


def _unmapped_line(entry: UnmappedEntry) -> str:
    codes = entry.codes
    listed = (
        ", ".join(code_span(c) for c in codes)
        if isinstance(codes, Sequence) and not isinstance(codes, str)
        else code_span(codes)
    )
    return (
        f"- {escape(entry.resource)} {escape(entry.field)}: {listed or 'no code'}: "
        f"{escape(entry.reason)}"
    )


# --- suggestions for a draft massage order ---------------------------------------------------


def _suggestions(
    decision: str,
    result: ScreeningResult,
    order: Mapping[str, Any],
    new_id: Callable[[], str],
) -> list[Suggestion]:
    order_id = order.get("id")
    if not isinstance(order_id, str) or not order_id:
        return []
    reference = f"ServiceRequest/{order_id}"
    if decision == "hold":
        action = Action(
            type="delete",
            description="Remove the draft massage order: the screening holds massage.",
            resource_id=reference,
        )
        label = "Remove the massage order"
    elif decision == "modify":
        note = "pedmassage screening, session changes: " + "; ".join(
            changes_lines(result.modifications)
        )
        notes = [n for n in order.get("note", []) if isinstance(n, Mapping)]
        action = Action(
            type="update",
            description="Add the session changes to the massage order's notes.",
            resource={**order, "note": [*notes, {"text": note}]},
        )
        label = "Add the session changes to the order"
    else:
        return []
    return [Suggestion(label=label, uuid=new_id(), is_recommended=True, actions=[action])]
