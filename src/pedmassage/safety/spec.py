"""The shape of the rule data (``rules/*.yaml``) and of ``catalogue.yaml``, validated at load.

A rule is data so that clinicians can read, review and sign it: an id and version, a citation, an
evidence grade, a CEL condition, a decision, a plain-language message and the session changes it
asks for. Anything a rule can get wrong in its shape is caught here, before any child is screened.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pedmassage.safety.contract import Decision, MovingTechniqueKind

Evidence = Literal["verified", "secondary", "unverified_policy"]
RULE_ID_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$"
POLICY_REF_PATTERN = r"^policy\.[a-z][a-z0-9_]*$"
UNVERIFIED_MARK = "UNVERIFIED"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModificationSpec(_Spec):
    """Session changes: a number may be given directly or as ``policy.<name>``."""

    max_pressure: int | str | None = Field(None, description="0-5 or policy.<name>")
    max_minutes: int | str | None = Field(None, description="minutes or policy.<name>")
    positions: list[str] = []
    precautions: list[str] = []
    forbidden_techniques: list[MovingTechniqueKind] = []
    avoid_sites: list[str] = []
    gentle_sites: list[str] = []
    avoid_sites_expr: str | None = Field(None, description="CEL returning a list of site ids")
    gentle_sites_expr: str | None = Field(None, description="CEL returning a list of site ids")

    @property
    def site_exprs(self) -> bool:
        return self.avoid_sites_expr is not None or self.gentle_sites_expr is not None


class RequirementSpec(_Spec):
    """Data a rule needs: if ``when`` holds and ``data`` is missing or stale, the screen says so."""

    data: str = Field(description="a lab or vital code from the shared vocabulary")
    when: str = "true"
    max_age_hours: float | str | None = Field(
        None, description="hours or policy.<name>; default: the policy window for the code"
    )
    decision: Literal["modify", "hold"] = "modify"
    message: str = Field(min_length=1)
    missing_text: str | None = Field(None, description='default "verify <code>"')
    modifications: ModificationSpec = ModificationSpec()


class RuleSpec(_Spec):
    """One precaution rule as written in ``rules/<topic>.yaml``."""

    id: str = Field(pattern=RULE_ID_PATTERN)
    version: int = Field(ge=1)
    title: str = Field(min_length=1)
    source: str = Field(min_length=1)
    evidence: Evidence
    when: str | None = Field(None, description="CEL boolean; omitted: fires when sites are found")
    decision: Decision | None = None
    message: str | None = Field(None, min_length=1)
    modifications: ModificationSpec = ModificationSpec()
    missing: list[str] = []
    missing_expr: str | None = Field(None, description="CEL returning a list of strings")
    requires: list[RequirementSpec] = []
    verify: list[str] = Field(
        [], description="lab or vital codes to measure again before the session when it fires"
    )
    under_comfort_care: Literal["hold", "still_touch"] = Field(
        "hold",
        description=(
            "still_touch: under comfort care this hold becomes gentle still touch and holding "
            "(policy.comfort_care_max_pressure), with the reason shown"
        ),
    )

    @property
    def can_fire(self) -> bool:
        return self.when is not None or self.modifications.site_exprs

    @model_validator(mode="after")
    def _complete(self) -> RuleSpec:
        if self.can_fire and (self.decision is None or self.message is None):
            raise ValueError("a rule with a condition needs a decision and a message")
        if not self.can_fire and not self.requires:
            raise ValueError("a rule needs `when`, a site expression or `requires`")
        if self.evidence == "unverified_policy" and UNVERIFIED_MARK not in self.source:
            raise ValueError("evidence unverified_policy needs 'UNVERIFIED' in the source")
        if self.under_comfort_care == "still_touch" and self.decision != "hold":
            raise ValueError("under_comfort_care: still_touch is for rules that hold")
        return self


class RuleFile(_Spec):
    """One topic file; rules are validated one by one so an error can name the rule id."""

    topic: str = Field(min_length=1)
    rules: list[dict[str, Any]]


class DefaultModifications(_Spec):
    avoid_sites: list[str] = []
    gentle_sites: list[str] = []
    precautions: list[str] = []
    source: str = Field(min_length=1)


class CatalogueReason(_Spec):
    """A reason the engine itself gives (not a rule): its id, message and source."""

    rule_id: str = Field(pattern=RULE_ID_PATTERN)
    message: str = Field(min_length=1)
    source: str = Field(min_length=1)


class CatalogueVocabulary(_Spec):
    extra_conditions: dict[str, str] = {}
    procedures: dict[str, str]
    skin_findings: dict[str, str]
    medication_classes: dict[str, str]


class Catalogue(_Spec):
    version: str = Field(min_length=1)
    default_modifications: DefaultModifications
    whole_body_avoided: CatalogueReason
    comfort_care: CatalogueReason
    vocabulary: CatalogueVocabulary
