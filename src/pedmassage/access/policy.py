"""The one authorization policy: may this actor take this action on this resource?

Every request is decided here, from the actor (their role, their sites, the children they are
linked to as a guardian, their name) and the target (the child it concerns, that child's site and,
for a session, who gave it). The table :data:`RULES` says, for each action, which roles may take it
and within what scope; anything not in the table is refused. It is pure: the edges resolve the
target from the request and the audit records the answer.

Scopes:

* ``any``: wherever the role applies (administrators managing sites and users);
* ``site``: the target belongs to one of the actor's sites;
* ``linked``: the target child is linked to the actor as their guardian;
* ``own``: within the actor's sites and given by the actor (a therapist signs only their own
  sessions);
* ``self``: about the actor's own account (their tokens);
* ``public``: no child's data at all, so no login is needed (the evidence library, health).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pedmassage.access.roles import ROLES

Scope = Literal["any", "site", "linked", "own", "self", "public"]

STAFF: dict[str, Scope] = {"program_lead": "site", "therapist": "site", "physician": "site"}
CLINICIANS: dict[str, Scope] = {"therapist": "site", "physician": "site"}
THERAPISTS: dict[str, Scope] = {"therapist": "site"}
FAMILY: dict[str, Scope] = {"guardian": "linked"}
EVERYONE: dict[str, Scope] = {role: "public" for role in (*ROLES, "anonymous")}

RULES: dict[str, dict[str, Scope]] = {
    # knowledge without any child's data
    "public.read": EVERYONE,
    # a child's record (labs, medicines, devices, guardians, sessions, trend): staff of the site
    "child.list": STAFF,
    "child.read": STAFF,
    "child.create": {"program_lead": "site", "therapist": "site"},
    "child.write": CLINICIANS,
    "child.goals_of_care": {"physician": "site", "program_lead": "site"},
    "screening.create": THERAPISTS,
    "screening.read": STAFF,
    "session.read": STAFF,
    "session.write": THERAPISTS,
    "session.sign": {"therapist": "own"},
    "session.amend": {"therapist": "site", "physician": "site"},
    # home programs: the family sees and writes its own part, staff of the site the rest
    "home.read": {**STAFF, **FAMILY},
    "home.routine": FAMILY,
    "home.team": STAFF,
    "home.log": FAMILY,
    "home.confidence": FAMILY,
    "home.prescribe": THERAPISTS,
    "care_team.read": STAFF,
    "care_team.manage": {"program_lead": "site"},
    "flags.read": {"program_lead": "site", "therapist": "site"},
    "flags.acknowledge": THERAPISTS,
    # accounts
    "token.manage": {role: "self" for role in ROLES},
    "account.logout": {role: "self" for role in ROLES},
    "user.manage": {"administrator": "any", "program_lead": "site"},
    "site.manage": {"administrator": "any"},
    "audit.read": {"administrator": "any", "program_lead": "site"},
    # the program's outcomes across children: counts and statistics, no child named
    "outcomes.read": {"program_lead": "site"},
    # research: the de-identified export, and nothing else of any child
    "research.export": {"researcher": "site"},
    # studies: the protocol and its aggregate results (counts, means, estimates; no child named)
    "study.read": {**STAFF, "researcher": "site"},
    "study.register": {"program_lead": "site"},
    # a child in a study: enrolment reveals the arm only once consent and eligibility are stored
    "study.enrol": {"program_lead": "site", "therapist": "site"},
    "study.follow_up": STAFF,
}
ACTIONS: tuple[str, ...] = tuple(RULES)


@dataclass(frozen=True)
class Actor:
    """Who is asking. ``role`` is one of :data:`~pedmassage.access.roles.ROLES`, or
    ``anonymous`` before login."""

    username: str
    role: str
    display_name: str = ""
    user_id: str | None = None
    site_ids: frozenset[str] = field(default_factory=frozenset)
    child_ids: frozenset[str] = field(default_factory=frozenset)
    guardian_ids: frozenset[str] = field(default_factory=frozenset)
    """A guardian's own guardian records (one per linked child that has one)."""

    @classmethod
    def anonymous(cls) -> Actor:
        return cls(username="anonymous", role="anonymous")

    @property
    def authenticated(self) -> bool:
        return self.role != "anonymous"


@dataclass(frozen=True)
class Target:
    """What the request is about: a child (with their site), or a site; for a session, who gave
    it; for an account, whose it is. Empty for a list or a form that concerns no record yet."""

    child_id: str | None = None
    site_id: str | None = None
    given_by: str | None = None
    user_id: str | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def decide(actor: Actor, action: str, target: Target) -> Decision:
    """The answer to one request, with the reason the audit records."""
    if action not in RULES:
        return Decision(False, f"no rule allows {action}")
    scope = RULES[action].get(actor.role)
    if scope is None:
        return Decision(False, f"a {actor.role} may not {action}")
    if _within(scope, actor, target):
        return Decision(True, f"{actor.role} may {action} ({scope})")
    return Decision(False, f"outside the {actor.role}'s {scope} scope for {action}")


def _within(scope: Scope, actor: Actor, target: Target) -> bool:
    if scope in ("any", "public"):
        return True
    if scope == "self":
        return target.user_id in (None, actor.user_id)
    if target.child_id is None and target.site_id is None:
        return True  # no record yet (a list, a form): lists keep to the actor's own scope
    if scope == "linked":
        return target.child_id in actor.child_ids
    in_site = target.site_id is not None and target.site_id in actor.site_ids
    if scope == "own":
        return in_site and target.given_by is not None and target.given_by == actor.display_name
    return in_site


ASSIGNABLE: dict[str, tuple[str, ...]] = {
    "administrator": ROLES,
    "program_lead": ("program_lead", "therapist", "physician", "guardian"),
}
"""Which roles a person who manages users may give: a lead never makes an administrator or a
researcher (who sees no identifiable data, and is set up with a study)."""


def decide_account(actor: Actor, role: str, site_ids: frozenset[str]) -> Decision:
    """May ``actor`` add, change or disable an account with ``role`` at ``site_ids`` (for a
    guardian, the sites of their children)? A lead manages accounts of their own sites only."""
    allowed = decide(actor, "user.manage", Target())
    if not allowed.allowed:
        return allowed
    if role not in ASSIGNABLE.get(actor.role, ()):
        return Decision(False, f"a {actor.role} may not manage {role} accounts")
    if RULES["user.manage"][actor.role] == "any":
        return allowed
    if not site_ids or not site_ids <= actor.site_ids:
        return Decision(False, f"the account is outside the {actor.role}'s sites")
    return Decision(True, f"{actor.role} may manage {role} accounts of their sites")


def roles_allowed(action: str) -> dict[str, Scope]:
    """Which roles may take ``action``, and within what scope (for the documentation)."""
    return dict(RULES[action])


ACTION_WORDS: dict[str, str] = {
    "public.read": "evidence library, handouts, health check (no child's data)",
    "child.list": "list the children of the site",
    "child.read": "a child's full record: labs, medicines, devices, guardians, history, trend",
    "child.create": "add a child",
    "child.write": "record labs, vitals, conditions, devices",
    "child.goals_of_care": "set the goals of care (curative or comfort)",
    "screening.create": "screen a child",
    "screening.read": "read a screening and the plan on it",
    "session.read": "read session records",
    "session.write": "plan, start, complete or end a session; record an adverse event",
    "session.sign": "sign a session",
    "session.amend": "add an addendum (a note) to a signed session",
    "home.read": "the child's home program, diary and flags summary",
    "home.routine": "the family's own routine page",
    "home.team": "the child's home program beside the hospital sessions (staff page)",
    "home.log": "log a home session in the family diary",
    "home.confidence": "record the parent's confidence measure",
    "home.prescribe": "prescribe a home program",
    "care_team.read": "the care team and the child's parents",
    "care_team.manage": "put staff on a child's care team",
    "flags.read": "problem flags from families",
    "flags.acknowledge": "acknowledge a problem flag",
    "token.manage": "one's own API tokens",
    "account.logout": "log out",
    "user.manage": "manage users",
    "site.manage": "manage sites",
    "audit.read": "read the audit log",
    "outcomes.read": "the program report across the site's children (statistics, no names)",
    "research.export": "the de-identified export of the site's records (no identifiers)",
    "study.read": "a study's protocol, CONSORT flow, balance, analyses and site aggregate",
    "study.register": "register a study, amend its protocol, close enrolment",
    "study.enrol": "assess a child for a study and enrol them (the arm is allocated then)",
    "study.follow_up": "record a child's trial measures, or withdraw them",
}
SCOPE_WORDS: dict[str, str] = {
    "any": "all",
    "site": "own sites",
    "linked": "linked children",
    "own": "own sessions",
    "self": "own account",
    "public": "yes",
}


def policy_table() -> str:
    """The policy as the Markdown table ``docs/security.md`` shows (a test keeps them equal)."""
    roles = [*ROLES, "anonymous"]
    lines = [
        "| action | what | " + " | ".join(roles) + " |",
        "|---|---|" + "---|" * len(roles),
    ]
    for action, scopes in RULES.items():
        cells = [SCOPE_WORDS[scopes[r]] if r in scopes else "—" for r in roles]
        lines.append(f"| `{action}` | {ACTION_WORDS[action]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
