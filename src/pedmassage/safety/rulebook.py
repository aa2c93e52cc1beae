"""Loading the rule catalogue and the program policy into one compiled ``RuleBook``.

Loading does all the expensive and all the checkable work once: YAML parsing, Pydantic validation,
CEL compilation with thresholds bound, and a trial run of every rule against sample children so a
rule that would fail on real data fails at start-up instead, naming its id.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError as PydanticValidationError

from pedmassage.errors import KnowledgeDataError
from pedmassage.safety.combine import Changes, SiteMemo
from pedmassage.safety.compile import CompiledRule, bind_text, compile_rule
from pedmassage.safety.context import build_facts
from pedmassage.safety.contract import Reason
from pedmassage.safety.policy import Policy, load_policy
from pedmassage.safety.runner import run_rules
from pedmassage.safety.samples import sample_inputs
from pedmassage.safety.spec import Catalogue, RuleFile, RuleSpec
from pedmassage.vocabulary import site_map


@dataclass(frozen=True)
class RuleBook:
    """Compiled rules, the policy they are bound to, and the versions a result records."""

    rules: tuple[CompiledRule, ...]
    policy: Policy
    catalogue: Catalogue
    rules_version: str
    default_changes: Changes
    whole_body_avoided: Reason
    """The hold given when the session changes leave no body site to touch."""
    site_memo: SiteMemo = field(default_factory=dict, compare=False, repr=False)
    """Remembered site normalisations (``combine.normalize_sites``) for this book's results."""

    @property
    def policy_version(self) -> str:
        return self.policy.version

    @property
    def rule_ids(self) -> list[str]:
        return [r.id for r in self.rules]

    def rule(self, rule_id: str) -> CompiledRule:
        """The rule with ``rule_id`` (for documentation and review screens)."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


def load_rulebook(policy_file: Path | None = None, *, rules_dir: Path | None = None) -> RuleBook:
    """Load the shipped rules (or ``rules_dir``), bound to the default or a program policy.

    Raises ``KnowledgeDataError`` naming the rule for malformed rule data, and
    ``pedmassage.errors.ValidationError`` naming the field for a bad program policy file.
    """
    policy = load_policy(policy_file)
    catalogue = load_catalogue()
    specs = read_rules(rules_dir)
    sites = site_map()
    comfort = catalogue.comfort_care
    comfort_text = bind_text(comfort.message.strip(), comfort.rule_id, policy)
    rules = tuple(compile_rule(spec, policy, sites, comfort_text) for spec in specs)
    whole_body = catalogue.whole_body_avoided
    book = RuleBook(
        rules=rules,
        policy=policy,
        catalogue=catalogue,
        rules_version=rules_version(catalogue, specs),
        default_changes=_default_changes(catalogue),
        whole_body_avoided=Reason(
            rule_id=whole_body.rule_id,
            decision="hold",
            message=whole_body.message.strip(),
            source=whole_body.source.strip(),
        ),
    )
    trial_run(book)
    return book


@cache
def default_rulebook() -> RuleBook:
    """The shipped rules with the default policy, loaded once per process."""
    return load_rulebook()


def load_catalogue() -> Catalogue:
    raw = _yaml(files("pedmassage.safety").joinpath("catalogue.yaml"))
    try:
        return Catalogue.model_validate(raw)
    except PydanticValidationError as exc:
        raise KnowledgeDataError(f"safety/catalogue.yaml: {exc}") from exc


def read_rules(rules_dir: Path | None = None) -> list[RuleSpec]:
    """Every rule from every ``*.yaml`` in the rules folder, sorted by id; ids must be unique."""
    folder: Traversable = rules_dir or files("pedmassage.safety").joinpath("rules")
    paths = sorted((p for p in folder.iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name)
    if not paths:
        raise KnowledgeDataError(f"no rule files in {folder}")
    specs: dict[str, RuleSpec] = {}
    for path in paths:
        for spec in _rules_in(path):
            if spec.id in specs:
                raise KnowledgeDataError(f"rule {spec.id}: defined twice (again in {path.name})")
            specs[spec.id] = spec
    return [specs[k] for k in sorted(specs)]


def rules_version(catalogue: Catalogue, specs: Iterable[RuleSpec]) -> str:
    """The catalogue version plus a hash of the rule content, so any edit shows in results."""
    content = json.dumps([s.model_dump(mode="json") for s in specs], sort_keys=True)
    return f"{catalogue.version}+{hashlib.sha256(content.encode()).hexdigest()[:12]}"


def trial_run(book: RuleBook) -> None:
    """Run every rule on sample children; a rule that errors raises ``KnowledgeDataError``."""
    sites = site_map()
    for sample in sample_inputs(book.catalogue):
        run_rules(book.rules, build_facts(sample, book.policy), sites)


def _rules_in(path: Traversable) -> list[RuleSpec]:
    try:
        rule_file = RuleFile.model_validate(_yaml(path))
    except PydanticValidationError as exc:
        raise KnowledgeDataError(f"rules file {path.name}: {exc}") from exc
    return [_rule(raw, i, path.name) for i, raw in enumerate(rule_file.rules)]


def _rule(raw: dict[str, Any], index: int, file_name: str) -> RuleSpec:
    try:
        return RuleSpec.model_validate(raw)
    except PydanticValidationError as exc:
        rule_id = raw.get("id") or f"#{index + 1}"
        raise KnowledgeDataError(f"rule {rule_id} in {file_name}: {exc}") from exc


def _yaml(path: Traversable) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise KnowledgeDataError(f"{path.name} is not valid YAML: {exc}") from exc


def _default_changes(catalogue: Catalogue) -> Changes:
    defaults = catalogue.default_modifications
    sites = site_map()
    for site in (*defaults.avoid_sites, *defaults.gentle_sites):
        if site not in sites.sites:
            raise KnowledgeDataError(f"catalogue default_modifications: unknown site {site!r}")
    return Changes(
        avoid_sites=frozenset(defaults.avoid_sites),
        gentle_sites=frozenset(defaults.gentle_sites),
        precautions=frozenset(defaults.precautions),
    )
