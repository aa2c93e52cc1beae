"""GRADE certainty of evidence: a starting level, downgrades with reasons, and the result.

Evidence from randomized trials starts at high, anything else at low. Each downgrade lowers the
level by one or two steps in one of the five GRADE domains and says why; the level never goes below
very low. Upgrading observational evidence (large effect, dose-response) is not modelled: none of
the catalogued evidence claims it.

Most downgrades are judgements, written with their reasons in ``claims.yaml``. Two follow from the
studies alone, and :func:`required_downgrades` says what GRADE demands at least, so a claim cannot
be rated more certain than its studies allow:

- **Risk of bias not assessed.** GRADE rates down for limitations in how studies were run; when
  no study behind a claim has a risk-of-bias judgement, nothing shows those limitations are
  absent, and the risk is at best unclear. Cochrane Handbook 5.1, Table 12.2.d: unclear risk of
  bias with limitations likely to lower confidence is a serious limitation, downgrade one level.
- **Very small samples.** GRADE guidelines 6 (Guyatt et al., J Clin Epidemiol 2011;64:1283-93)
  rates down for imprecision when the participants fall short of the optimal information size
  (OIS), the number one adequately powered trial would need; GRADE guidance 34 (Zeng et al.,
  J Clin Epidemiol 2022;150:216-24) rates down more than one level when they are far fewer.

One or two small trials, with no risk-of-bias assessment, thus lose one level for risk of bias and
two for imprecision, and randomized evidence goes from high to very low.

    >>> grade("high", [Downgrade("risk of bias", 1, "no concealment"),
    ...                Downgrade("imprecision", 1, "one trial of 200")]).level
    'low'
    >>> body = Body(primary=1, reviews=0, participants=20, risk_of_bias_assessed=False)
    >>> [(d.domain, d.levels) for d in required_downgrades(body)]
    [('risk of bias', 1), ('imprecision', 2)]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from pedmassage.errors import ValidationError
from pedmassage.evidence.model import Study

Level = Literal["high", "moderate", "low", "very low"]
Start = Literal["high", "low"]
Domain = Literal["risk of bias", "inconsistency", "imprecision", "indirectness", "publication bias"]

LEVELS: tuple[Level, ...] = ("very low", "low", "moderate", "high")
"""Lowest to highest."""
DOMAINS: tuple[Domain, ...] = get_args(Domain)

MEANINGS: dict[Level, str] = {
    "high": "We are confident the real effect is close to what the studies found.",
    "moderate": "The real effect is probably close to what the studies found, but it may differ.",
    "low": "The real effect may be quite different from what the studies found.",
    "very low": "We are not sure: the real effect is likely to be quite different.",
}
"""What each level means, in the plain words of GRADE's own definitions."""

OPTIMAL_INFORMATION_SIZE = 128
"""Participants one adequately powered two-arm trial of a continuous outcome needs (GRADE's OIS):
a standardized difference of 0.5, two-sided alpha 0.05 and power 0.80 need 63.77, so 64 children a
group (R ``pwr.t.test``, statsmodels ``TTestIndPower``), 128 in all. A difference of 0.5 is a
moderate one; a smaller important difference needs more children, so a body of evidence short of
this number is short of any OIS a review would set."""
FAR_BELOW_OIS = OPTIMAL_INFORMATION_SIZE // 2
"""Fewer participants than this is "far less than the OIS" (GRADE guidance 34), which sets no
number; this library takes fewer than half the OIS, not even one trial arm's worth."""

RISK_OF_BIAS_NOT_ASSESSED = (
    "No study behind the claim has a risk-of-bias assessment, so the risk of bias is unclear "
    "(GRADE: serious limitations)."
)
SAMPLE_NOT_REPORTED = (
    "The number of participants is not reported, so the optimal information size cannot be "
    "shown to be met (GRADE: serious imprecision)."
)

PLAIN_DOMAINS: dict[Domain, str] = {
    "risk of bias": "the studies had weaknesses in how they were run or reported",
    "inconsistency": "the studies disagree",
    "imprecision": "the studies were small or their results could be due to chance",
    "indirectness": "the studies looked at different children, treatments or outcomes",
    "publication bias": "studies with disappointing results may not have been published",
}


@dataclass(frozen=True)
class Downgrade:
    """One step (or two) down in one GRADE domain, with the reason."""

    domain: Domain
    levels: int
    reason: str

    def __post_init__(self) -> None:
        if self.domain not in DOMAINS:
            raise ValidationError("domain", self.domain, "one of " + ", ".join(DOMAINS))
        if self.levels not in (1, 2):
            raise ValidationError("levels", self.levels, "1 (serious) or 2 (very serious)")
        if not self.reason.strip():
            raise ValidationError("reason", self.reason, "a reason for the downgrade")


@dataclass(frozen=True)
class Grade:
    """The certainty of one claim's evidence and how it was reached."""

    start: Start
    level: Level
    downgrades: tuple[Downgrade, ...]

    @property
    def steps(self) -> int:
        """Levels lost in total (may exceed what the floor at very low let them take)."""
        return sum(d.levels for d in self.downgrades)

    @property
    def meaning(self) -> str:
        return MEANINGS[self.level]

    def as_json(self) -> dict[str, object]:
        return {
            "start": self.start,
            "level": self.level,
            "downgrades": [
                {"domain": d.domain, "levels": d.levels, "reason": d.reason}
                for d in self.downgrades
            ],
        }


@dataclass(frozen=True)
class Body:
    """What GRADE needs to know about the studies behind a claim before any judgement.

    ``participants`` adds up the primary studies and is None when any of them does not report its
    size. Reviews count apart: their size is their trials', which the catalogue rarely knows, so
    the sample-size rule is left to the claim's own judgement when a review is in the body.
    """

    primary: int
    reviews: int
    participants: int | None
    risk_of_bias_assessed: bool

    @classmethod
    def of(cls, studies: Iterable[Study]) -> Body:
        chosen = tuple(studies)
        primary = [s for s in chosen if not s.review]
        sizes = [s.n.participants for s in primary]
        return cls(
            primary=len(primary),
            reviews=len(chosen) - len(primary),
            participants=None if None in sizes else sum(n for n in sizes if n is not None),
            risk_of_bias_assessed=any(s.risk_of_bias.assessed for s in chosen),
        )


def required_downgrades(body: Body) -> tuple[Downgrade, ...]:
    """The downgrades GRADE demands of these studies at least, whatever else is judged."""
    required: list[Downgrade] = []
    if not body.risk_of_bias_assessed:
        required.append(Downgrade("risk of bias", 1, RISK_OF_BIAS_NOT_ASSESSED))
    imprecision = _imprecision(body)
    if imprecision is not None:
        required.append(imprecision)
    return tuple(required)


def _imprecision(body: Body) -> Downgrade | None:
    """Short of the OIS is serious imprecision; far short of it, very serious."""
    if body.reviews:
        return None
    n = body.participants
    if n is None:
        return Downgrade("imprecision", 1, SAMPLE_NOT_REPORTED)
    if n >= OPTIMAL_INFORMATION_SIZE:
        return None
    levels = 2 if n < FAR_BELOW_OIS else 1
    words = "far short of" if levels == 2 else "short of"
    return Downgrade(
        "imprecision",
        levels,
        f"{n} participants in all, {words} the {OPTIMAL_INFORMATION_SIZE} one adequately "
        f"powered trial needs (GRADE: {'very ' if levels == 2 else ''}serious imprecision).",
    )


def starting_level(*, randomized: bool) -> Start:
    """Randomized evidence starts high; observational or non-randomized evidence starts low."""
    return "high" if randomized else "low"


def grade(start: Start, downgrades: Iterable[Downgrade] = (), body: Body | None = None) -> Grade:
    """Apply the downgrades to the starting level, stopping at very low.

    With the ``body`` of studies, a downgrade weaker than GRADE requires of them (see
    :func:`required_downgrades`) is refused rather than silently strengthened: the reason for a
    downgrade is part of the evidence, and a grade with a missing reason is not one to show.
    """
    if start not in ("high", "low"):
        raise ValidationError("start", start, "high (randomized) or low (observational)")
    applied = tuple(downgrades)
    _one_per_domain(applied)
    if body is not None:
        _meets(applied, required_downgrades(body))
    index = max(LEVELS.index(start) - sum(d.levels for d in applied), 0)
    return Grade(start=start, level=LEVELS[index], downgrades=applied)


def _meets(applied: Sequence[Downgrade], required: Sequence[Downgrade]) -> None:
    given = {d.domain: d.levels for d in applied}
    for need in required:
        if given.get(need.domain, 0) < need.levels:
            raise ValidationError(
                f"downgrades.{need.domain}",
                given.get(need.domain, 0),
                f"at least {need.levels} level(s): {need.reason}",
            )


def _one_per_domain(downgrades: Sequence[Downgrade]) -> None:
    """GRADE rates each domain once (by one or two levels), never twice."""
    seen: set[str] = set()
    for d in downgrades:
        if d.domain in seen:
            raise ValidationError("domain", d.domain, "each GRADE domain at most once")
        seen.add(d.domain)
