"""Which studies may share children, so that no pooled estimate counts the same child twice.

A pool treats its estimates as independent. Two reviews that both include a trial are not: the
trial's children are counted twice, the pooled interval is too narrow and I² describes the reviews'
shared trials rather than any real disagreement. The same holds for a review pooled with a trial
it includes, and for two estimates from one study.

Sharing is decided from the data, never assumed away: a review lists the primary studies it
pooled (``includes`` in ``studies/*.yaml``), and only two complete, disjoint lists show that two
reviews share nothing. A review whose list is partial or missing is treated as sharing with any
other review or trial, because nothing shows it does not (conservative by default). The catalogue
refuses, at load, a claim that would pool two such estimates; the synthesis shows them side by side
with :func:`side_by_side_note` saying why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from pedmassage.evidence.model import Study


@dataclass(frozen=True)
class Overlap:
    """Two studies whose estimates may rest on the same children.

    ``shared`` holds the catalogue ids of the primary studies known to be in both; ``presumed`` is
    true when a review's list of included trials is partial or missing, so sharing cannot be ruled
    out even where no shared trial is known.
    """

    first: Study
    second: Study
    shared: tuple[str, ...]
    presumed: bool

    @property
    def why(self) -> str:
        """The overlap in one clause, naming the studies by their labels."""
        a, b = self.first.label, self.second.label
        if self.first.id == self.second.id:
            return f"{a} gives two estimates from the same children"
        if self.shared:
            return f"{a} and {b} both include {', '.join(self.shared)}"
        partial = [s.label for s in (self.first, self.second) if _incomplete(s)]
        return f"{a} and {b} may share trials ({_not_listed(partial, everyone=len(partial) == 2)})"

    def as_json(self) -> dict[str, object]:
        return {
            "studies": [self.first.id, self.second.id],
            "shared": list(self.shared),
            "presumed": self.presumed,
            "why": self.why,
        }


def overlap(first: Study, second: Study) -> Overlap | None:
    """How two studies share children, or None when their data show they share none."""
    if first.id == second.id:
        return Overlap(first, second, (first.id,), presumed=False)
    if not (first.review or second.review):
        return None
    known_a, complete_a = _contents(first)
    known_b, complete_b = _contents(second)
    shared = tuple(sorted(known_a & known_b))
    if not shared and complete_a and complete_b:
        return None
    return Overlap(first, second, shared, presumed=not shared)


def overlaps(studies: Sequence[Study]) -> tuple[Overlap, ...]:
    """Every pair of the studies that may share children, in the order the studies are given."""
    found = (overlap(a, b) for a, b in combinations(studies, 2))
    return tuple(o for o in found if o is not None)


def side_by_side_note(found: Sequence[Overlap]) -> str:
    """Why a claim's estimates are shown side by side with no pooled line, in one sentence."""
    studies = list({s.id: s for o in found for s in (o.first, o.second)}.values())
    known = sorted({trial for o in found for trial in o.shared})
    partial = [s.label for s in studies if _incomplete(s)]
    why: list[str] = []
    if known:
        why.append(f"known to share {', '.join(known)}")
    if partial:
        why.append(_not_listed(partial, everyone=len(partial) == len(studies)))
    return (
        f"Shown side by side, not pooled: {_listed([s.label for s in studies])} may include the "
        f"same trials ({'; '.join(why)}), so a pooled estimate would count the same children "
        "twice."
    )


def _not_listed(labels: list[str], *, everyone: bool) -> str:
    """Which reviews leave their trials unlisted, said without repeating every label."""
    if everyone:
        return f"{'neither' if len(labels) == 2 else 'none'} lists its included trials in full"
    does = "does" if len(labels) == 1 else "do"
    return f"{_listed(labels)} {does} not list {_its(labels)} included trials in full"


def _listed(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"


def _contents(study: Study) -> tuple[frozenset[str], bool]:
    """The primary studies behind a study's estimate, and whether that list is known in full."""
    if not study.review:
        return frozenset({study.id}), True
    if study.includes is None:
        return frozenset(), False
    return frozenset(study.includes.trials), study.includes.complete


def _incomplete(study: Study) -> bool:
    return study.review and not _contents(study)[1]


def _its(labels: list[str]) -> str:
    return "its" if len(labels) == 1 else "their"
