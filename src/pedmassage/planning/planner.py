"""The planner: one pure function from child, goals and screening to a ``SessionPlan``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pedmassage.development import stages
from pedmassage.errors import ConflictError, ValidationError
from pedmassage.planning.catalogue import Catalogue, catalogue
from pedmassage.planning.catalogue import goals as goal_ids
from pedmassage.planning.forbidden import forbidden_kinds
from pedmassage.planning.models import Protocol
from pedmassage.planning.plan import (
    DeclinedGoal,
    NotApplicable,
    PlannedRegion,
    SessionPlan,
    SkippedRegion,
)
from pedmassage.planning.restrictions import (
    Piece,
    cap_pressure,
    clear_site,
    drop_forbidden,
    merge_still_holds,
    narrow_steps,
)
from pedmassage.planning.selection import Selection, candidates, suits_setting
from pedmassage.planning.timing import (
    STILL_HOLD_MINUTES,
    session_minutes,
    share,
    steps_that_fit,
    total_of,
)
from pedmassage.planning.touch import needs_touch_steps, touch_steps
from pedmassage.safety.allowance import pressure_ceiling
from pedmassage.safety.contract import Modifications, ScreeningResult
from pedmassage.vocabulary import code_book, site_map

MAX_REQUESTED_MINUTES = 60


@dataclass(frozen=True)
class _Context:
    """What every step of plan building needs to see."""

    protocol: Protocol
    mods: Modifications
    target: float
    ceiling: int
    data: Catalogue
    forbidden: Mapping[str, str]
    """Forbidden technique kind → the precaution that forbids it."""


def _allowed(values: Sequence[str]) -> str:
    return "one of: " + ", ".join(values)


def _validate_request(
    stage: str, conditions: Sequence[str], goals: Sequence[str], setting: str, minutes: int | None
) -> None:
    stage_ids = [s.id for s in stages()]
    if stage not in stage_ids:
        raise ValidationError("stage", stage, _allowed(stage_ids))
    for i, code in enumerate(conditions):
        code_book().check_condition(code, field=f"conditions[{i}]")
    for i, goal in enumerate(goals):
        if goal not in goal_ids():
            raise ValidationError(f"goals[{i}]", goal, _allowed(goal_ids()))
    if setting not in code_book().settings:
        raise ValidationError("setting", setting, _allowed(code_book().settings))
    if minutes is not None and not 1 <= minutes <= MAX_REQUESTED_MINUTES:
        raise ValidationError("minutes", minutes, f"1 to {MAX_REQUESTED_MINUTES} minutes")


def _usable_modifications(screening: ScreeningResult) -> Modifications:
    if screening.decision == "hold":
        why = "; ".join(r.message for r in screening.reasons if r.decision == "hold")
        raise ConflictError(
            "The screening decision is 'hold': no session can be planned until it is cleared"
            + (f" ({why})." if why else "."),
            field="screening.decision",
        )
    mods = screening.modifications
    for name, sites in (("avoid_sites", mods.avoid_sites), ("gentle_sites", mods.gentle_sites)):
        for i, site in enumerate(sites):
            site_map().check(site, field=f"screening.modifications.{name}[{i}]")
    if mods.max_minutes == 0:
        raise ConflictError(
            "The screening allows 0 minutes, so no session can be planned.",
            field="screening.modifications.max_minutes",
        )
    return mods


def _region(ctx: _Context, piece: Piece, minutes: float) -> PlannedRegion:
    label = site_map().label(piece.site)
    base = ctx.protocol.step_pressure(piece.step)
    pressure, adjustments = cap_pressure(base, piece.site, ctx.ceiling, ctx.mods)
    technique, text = piece.step.technique, piece.step.plain_language
    if piece.narrowed:
        text = f"{label} only. {text}"
        whole = site_map().label(piece.step.site).lower()
        adjustments.insert(0, f"Narrowed from {whole}: part of it is avoided.")
    if pressure == 0 and technique != "still_hold":
        adjustments.append("Still hold instead of stroking: the pressure allowed is 0.")
        technique = "still_hold"
        text = f"{label}: {ctx.data.techniques['still_hold'].plain_language}"
    return PlannedRegion(
        site=piece.site,
        technique=technique,
        kind=ctx.data.techniques[technique].kind,
        pressure=pressure,
        minutes=minutes,
        plain_language=text,
        phase=piece.step.phase,
        adjustments=adjustments,
    )


def _time_restriction(ctx: _Context) -> str:
    cap = ctx.mods.max_minutes
    return "max_minutes" if cap is not None and ctx.target == cap else "minutes"


def _out_of_time(ctx: _Context, pieces: Sequence[Piece]) -> list[SkippedRegion]:
    why = f"Left out to fit the {ctx.target:g}-minute session."
    restriction = _time_restriction(ctx)
    return [SkippedRegion(site=p.site, restriction=restriction, reason=why) for p in pieces]


def _timed_regions(
    ctx: _Context, pieces: Sequence[Piece]
) -> tuple[list[PlannedRegion], list[SkippedRegion]]:
    keep = steps_that_fit(len(pieces), ctx.target)
    kept, dropped = list(pieces[:keep]), list(pieces[keep:])
    minutes = share([p.weight for p in kept], ctx.target)
    regions = [_region(ctx, p, m) for p, m in zip(kept, minutes, strict=True) if m > 0]
    dropped += [p for p, m in zip(kept, minutes, strict=True) if m == 0]
    return regions, _out_of_time(ctx, dropped)


def _still_hold_only(ctx: _Context) -> PlannedRegion:
    site = clear_site(ctx.mods, ctx.data.touch.still_hold_sites)
    if site is None:
        raise ConflictError(
            "The screening avoids every body site, so not even a still hold can be planned.",
            field="screening.modifications.avoid_sites",
        )
    label = site_map().label(site)
    return PlannedRegion(
        site=site,
        technique="still_hold",
        kind="still",
        pressure=0,
        minutes=min(ctx.target, STILL_HOLD_MINUTES),
        plain_language=f"{label}: {ctx.data.techniques['still_hold'].plain_language}",
        adjustments=["Every region of the protocol is restricted: still hold only."],
    )


def _pieces(ctx: _Context) -> tuple[list[Piece], list[SkippedRegion]]:
    """The protocol's steps that the screening's sites and precautions leave in."""
    pieces, skipped = narrow_steps(ctx.protocol.steps, ctx.mods.avoid_sites)
    pieces, dropped = drop_forbidden(pieces, ctx.data.techniques, ctx.forbidden)
    return pieces, skipped + [d for d in dropped if d not in skipped]


def _regions(ctx: _Context) -> tuple[list[PlannedRegion], list[SkippedRegion]]:
    pieces, skipped = _pieces(ctx)
    if not pieces:
        return [_still_hold_only(ctx)], skipped
    regions, out_of_time = _timed_regions(ctx, pieces)
    return merge_still_holds(regions), skipped + [s for s in out_of_time if s not in skipped]


def _why_not(ctx: _Context) -> str | None:
    """Why the protocol cannot be given under this screening, or None when it can.

    A protocol needing more pressure than allowed is not the protocol studied. A condition or goal
    protocol that loses every step is not given at all: a still hold elsewhere would not be it.
    A routine or still-touch protocol that loses every step falls back to a still hold instead.
    """
    p = ctx.protocol
    allowed = pressure_ceiling(ctx.mods)
    if allowed < p.min_pressure:
        return (
            f"it needs pressure {p.min_pressure} or more and the screening allows {allowed} at "
            f"most. {p.min_pressure_why}"
        )
    if p.routine or p.still_touch:
        return None
    pieces, skipped = _pieces(ctx)
    if pieces:
        return None
    return "none of its steps remains, because " + "; ".join(_restrictions(ctx, skipped)) + "."


def _restrictions(ctx: _Context, skipped: Sequence[SkippedRegion]) -> list[str]:
    """Each distinct restriction behind ``skipped``, in words."""
    said: dict[str, str] = {}
    for record in skipped:
        kind = record.restriction
        if kind in ctx.forbidden:
            text = f"{kind.replace('_', ' ')} is forbidden ({ctx.forbidden[kind]})"
        else:
            text = f"the screening avoids {site_map().label(kind).lower()} (no contact)"
        said.setdefault(kind, text)
    return list(said.values())


def _position(ctx: _Context) -> tuple[str, list[str]]:
    if not ctx.mods.positions:
        return ctx.protocol.position, []
    note = f"Positions set by the screening replace the protocol's ({ctx.protocol.position})."
    return "; ".join(ctx.mods.positions), [note]


def _notes(
    ctx: _Context,
    conditions: Sequence[str],
    goals: Sequence[str],
    setting: str,
    requested: int | None,
    declined: Sequence[str],
) -> list[str]:
    """Everything the reader should know that the regions do not show (declined goals aside)."""
    p = ctx.protocol
    notes = list(p.notes)
    if abs(ctx.target - p.minutes) > 1e-9:
        notes.append(f"Session length {ctx.target:g} min instead of the protocol's {p.minutes:g}.")
    if requested is not None and requested > p.minutes:
        notes.append(f"{requested} min were asked for; the protocol's {p.minutes:g} is the most.")
    unserved = [g for g in dict.fromkeys(goals) if g not in p.applies_to.goals]
    unserved = [g for g in unserved if g not in declined]
    if unserved:
        notes.append(f"Not a listed aim of this protocol: {', '.join(unserved)}.")
    other = [c for c in dict.fromkeys(conditions) if c not in p.applies_to.conditions]
    if other:
        notes.append(f"Conditions this protocol does not target: {', '.join(other)}.")
    if not suits_setting(p, setting):
        notes.append(f"This protocol was studied with a {p.deliverer} giving it, not at {setting}.")
    return notes


def _hold_site(ctx: _Context, regions: Sequence[PlannedRegion]) -> str:
    site = clear_site(ctx.mods, ctx.data.touch.still_hold_sites)
    return site if site is not None else regions[0].site


def _context(
    protocol: Protocol, mods: Modifications, minutes: int | None, forbidden: Mapping[str, str]
) -> _Context:
    return _Context(
        protocol=protocol,
        mods=mods,
        target=session_minutes(protocol.minutes, minutes, mods.max_minutes),
        ceiling=min(protocol.max_pressure, pressure_ceiling(mods)),
        data=catalogue(),
        forbidden=forbidden,
    )


def _choose(
    options: Sequence[Selection], mods: Modifications, minutes: int | None
) -> tuple[_Context, Selection, list[NotApplicable]]:
    """The first option that applies, and every option passed over with the reason."""
    forbidden = forbidden_kinds(mods)
    passed: list[NotApplicable] = []
    for option in options:
        ctx = _context(option.protocol, mods, minutes, forbidden)
        why = _why_not(ctx)
        if why is None:
            return ctx, option, passed
        p = option.protocol
        passed.append(NotApplicable(protocol_id=p.id, title=p.title, reason=why))
    raise ConflictError(  # unreachable with valid data: the catalogue checks still-touch cover
        "No protocol applies under this screening: "
        + " ".join(f"{n.title}: {n.reason}" for n in passed),
        field="screening.modifications",
    )


def _declined(
    goals: Sequence[str], stage: str, chosen: Protocol, passed: Sequence[NotApplicable]
) -> list[DeclinedGoal]:
    """Requested goals the plan does not pursue because their protocol does not apply, or
    because no protocol for the child's stage serves them."""
    every = catalogue().protocols
    declined: list[DeclinedGoal] = []
    for goal in dict.fromkeys(goals):
        if goal in chosen.applies_to.goals:
            continue
        blocked = next((n for n in passed if goal in every[n.protocol_id].applies_to.goals), None)
        if blocked is not None:
            reason = f"{blocked.title} does not apply: {blocked.reason}"
            declined.append(DeclinedGoal(goal=goal, reason=reason))
            continue
        if any(stage in p.applies_to.stages and goal in p.applies_to.goals for p in every.values()):
            continue
        elsewhere = [p for p in every.values() if goal in p.applies_to.goals]
        reason = "; ".join(
            f"{p.title} serves it, for stage {', '.join(p.applies_to.stages)} only"
            for p in elsewhere
        )
        declined.append(DeclinedGoal(goal=goal, reason=reason or "No protocol serves this goal."))
    return declined


def _selection_reason(option: Selection, passed: Sequence[NotApplicable]) -> str:
    skipped = [f"{n.title} does not apply: {n.reason}" for n in passed]
    return " ".join([*skipped, option.reason])


def _touch_steps(
    ctx: _Context, stage: str, screening: ScreeningResult, apprehension: bool, hold_site: str
) -> list[str]:
    guidance = ctx.data.touch
    wanted = needs_touch_steps(
        apprehension=apprehension, screening=screening, protocol=ctx.protocol, guidance=guidance
    )
    return touch_steps(stage=stage, hold_site=hold_site, guidance=guidance) if wanted else []


def plan_session(
    *,
    stage: str,
    conditions: Sequence[str],
    goals: Sequence[str],
    setting: str,
    screening: ScreeningResult,
    touch_apprehension: bool = False,
    minutes: int | None = None,
) -> SessionPlan:
    """Plan one session that never contradicts its screening (see the package docstring)."""
    _validate_request(stage, conditions, goals, setting, minutes)
    mods = _usable_modifications(screening)
    options = candidates(
        stage=stage,
        conditions=conditions,
        goals=goals,
        setting=setting,
        protocols=catalogue().protocols,
    )
    ctx, chosen, passed = _choose(options, mods, minutes)
    regions, skipped = _regions(ctx)
    position, position_notes = _position(ctx)
    hold_site = _hold_site(ctx, regions)
    touch = _touch_steps(ctx, stage, screening, touch_apprehension, hold_site)
    p = ctx.protocol
    declined = _declined(goals, stage, p, passed)
    declined_notes = [f"Goal {d.goal} is not pursued: {d.reason}" for d in declined]
    notes = _notes(ctx, conditions, goals, setting, minutes, [d.goal for d in declined])
    return SessionPlan(
        protocol_id=p.id,
        protocol_version=p.version,
        title=p.title,
        selection_reason=_selection_reason(chosen, passed),
        regions=regions,
        total_minutes=total_of([r.minutes for r in regions]),
        max_pressure=max(r.pressure for r in regions),
        pressure_ceiling=ctx.ceiling,
        position=position,
        parent_involvement=p.parent_involvement,
        deliverer=p.deliverer,
        dose=p.dose,
        touch_steps=touch,
        precautions=list(mods.precautions),
        skipped=skipped,
        notes=position_notes + declined_notes + notes,
        unverified=list(p.unverified),
        sources=list(p.source) + (list(ctx.data.touch.source) if touch else []),
        not_applicable=passed,
        declined_goals=declined,
        forbidden_kinds=sorted(ctx.forbidden),
    )
