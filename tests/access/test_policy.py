"""The one policy, read as a table: who may do what, and within which scope.

Guardians see only their linked children and only what families see; therapists their site's
children, signing only their own sessions; physicians read their site's children and write notes;
leads see their program and manage its users; researchers see no identifiable data at all;
administrators manage sites and users; anyone anonymous sees only public knowledge.
"""

from __future__ import annotations

import pytest

from pedmassage.access.policy import ACTIONS, RULES, Actor, Target, decide
from pedmassage.access.roles import ROLES

WARD, CLINIC = "site-ward", "site-clinic"
CHILD_ON_WARD = Target(child_id="child-1", site_id=WARD)
CHILD_AT_CLINIC = Target(child_id="child-2", site_id=CLINIC)


def actor(role: str, **kwargs: object) -> Actor:
    defaults: dict[str, object] = {
        "username": role,
        "role": role,
        "display_name": f"{role} name",
        "user_id": f"id-{role}",
        "site_ids": frozenset({WARD}),
    }
    return Actor(**{**defaults, **kwargs})  # type: ignore[arg-type]


def allowed(who: Actor, action: str, target: Target) -> bool:
    return decide(who, action, target).allowed


def test_a_therapist_reads_and_screens_children_of_their_site_only() -> None:
    therapist = actor("therapist")
    assert allowed(therapist, "child.read", CHILD_ON_WARD)
    assert allowed(therapist, "screening.create", CHILD_ON_WARD)
    assert not allowed(therapist, "child.read", CHILD_AT_CLINIC)


def test_a_therapist_signs_only_their_own_sessions() -> None:
    therapist = actor("therapist")
    own = Target(child_id="child-1", site_id=WARD, given_by="therapist name")
    someone_elses = Target(child_id="child-1", site_id=WARD, given_by="Dr Anyone")
    assert allowed(therapist, "session.sign", own)
    assert not allowed(therapist, "session.sign", someone_elses)


def test_a_guardian_sees_the_family_view_of_their_linked_child_only() -> None:
    parent = actor("guardian", site_ids=frozenset(), child_ids=frozenset({"child-1"}))
    assert allowed(parent, "home.read", CHILD_ON_WARD)
    assert allowed(parent, "home.log", CHILD_ON_WARD)
    assert not allowed(parent, "home.read", CHILD_AT_CLINIC)
    for clinical in ("child.read", "screening.read", "session.read", "flags.read"):
        assert not allowed(parent, clinical, CHILD_ON_WARD), clinical


def test_a_physician_reads_and_writes_notes_but_does_not_screen_or_sign() -> None:
    physician = actor("physician")
    assert allowed(physician, "child.read", CHILD_ON_WARD)
    assert allowed(physician, "session.amend", CHILD_ON_WARD)
    assert not allowed(physician, "screening.create", CHILD_ON_WARD)
    assert not allowed(physician, "session.sign", CHILD_ON_WARD)


def test_a_researcher_sees_no_identifiable_data() -> None:
    researcher = actor("researcher")
    for action in ACTIONS:
        if action.startswith(("child.", "screening.", "session.", "home.", "flags.", "care_team.")):
            assert not allowed(researcher, action, CHILD_ON_WARD), action


def test_an_administrator_manages_sites_and_users_but_reads_no_child() -> None:
    admin = actor("administrator", site_ids=frozenset())
    assert allowed(admin, "site.manage", Target())
    assert allowed(admin, "user.manage", Target(site_id=CLINIC))
    assert not allowed(admin, "child.read", CHILD_ON_WARD)


def test_anonymous_sees_public_knowledge_and_nothing_else() -> None:
    nobody = Actor.anonymous()
    assert allowed(nobody, "public.read", Target())
    assert [a for a in ACTIONS if a != "public.read" and allowed(nobody, a, Target())] == []


def test_an_action_the_table_does_not_name_is_refused() -> None:
    decision = decide(actor("therapist"), "child.delete", CHILD_ON_WARD)
    assert not decision.allowed
    assert "no rule" in decision.reason


def test_a_child_whose_site_is_unknown_is_outside_every_site() -> None:
    assert not allowed(actor("therapist"), "child.read", Target(child_id="child-9"))


@pytest.mark.parametrize("action", ACTIONS)
def test_every_rule_names_only_known_roles(action: str) -> None:
    assert set(RULES[action]) <= {*ROLES, "anonymous"}
