"""The cues a therapist or parent looks for, fitted to the child's stage of development.

``cues.yaml`` holds every cue with the stages it is seen at: a preterm baby's hiccups and
clenched fists mean stress, a school-age child's do not, and a baby does not say "stop". Offering
only the cues that fit keeps the chips short enough to use at the bedside; a cue recorded earlier
stays valid whatever the stage.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from pedmassage.development.stage import stages

GROUPS = ("engagement", "disengagement")


@cache
def _book() -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(
        files("pedmassage.sessions").joinpath("cues.yaml").read_text()
    )
    return raw


def cue_codes() -> dict[str, dict[str, str]]:
    """Every cue by group, code → label, in the file's order."""
    book = _book()
    return {group: dict(book[group]) for group in GROUPS}


def cues_for_stage(stage: str) -> dict[str, dict[str, str]]:
    """The cues seen at ``stage``, by group, in the file's order."""
    seen_at: dict[str, list[str]] = _book().get("stages", {})
    return {
        group: {code: label for code, label in cues.items() if stage in seen_at.get(code, [stage])}
        for group, cues in cue_codes().items()
    }


def check_stages() -> None:
    """Every stage named in the file is a real one (run by the tests): a misspelt stage would
    silently hide a cue from every child."""
    known = {s.id for s in stages()}
    codes = {c for cues in cue_codes().values() for c in cues}
    for code, listed in _book().get("stages", {}).items():
        if code not in codes:
            raise ValueError(f"cues.yaml stages: unknown cue {code!r}")
        unknown = set(listed) - known
        if unknown:
            raise ValueError(f"cues.yaml stages.{code}: unknown stages {sorted(unknown)}")
