"""Technique kinds a screening forbids.

The screening's modifications list the kinds of touch a session must not use
(``forbidden_techniques``: e.g. kneading and friction under bleeding precautions); the plan leaves
out every technique of those kinds and says which precaution kind removed each step. The safety
rules decide what is forbidden; the planner only honours it.
"""

from __future__ import annotations

from pedmassage.safety.contract import Modifications


def forbidden_kinds(mods: Modifications) -> dict[str, str]:
    """Each forbidden technique kind, with why, in the plan's words."""
    return {
        kind: f"the screening forbids {kind.replace('_', ' ')}"
        for kind in mods.forbidden_techniques
    }
