"""The lists of children and of open flags, on SQLite and PostgreSQL: filtered, ordered, counted
and cut into pages by the database, in a number of queries that does not grow with the page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from pedmassage.children import service
from pedmassage.children.schemas import ChildCreate
from pedmassage.errors import ValidationError
from pedmassage.homecare import service as homecare
from pedmassage.homecare.access import Viewer
from pedmassage.screenings.models import Screening
from pedmassage.screenings.schemas import ScreeningCreate
from pedmassage.screenings.service import latest_decisions, screen_child, screened_children
from pedmassage.sites.service import add_site

THERAPIST = "R. Okafor (LMT)"
NewChild = Callable[..., str]


@pytest.fixture()
def new_child(db: Session, now: datetime) -> NewChild:
    """Store a child (Ward 4, asthma, in hospital unless told otherwise); returns the id."""

    def make(name: str, **overrides: Any) -> str:
        data = {
            "display_name": name,
            "birth_date": "2019-04-02",
            "sex": "female",
            "ward": "Ward 4",
            "setting": "hospital",
            "conditions": [{"code": "asthma"}],
            "devices": [{"kind": "picc", "site": "arm_left"}],
            "guardians": [{"name": f"{name}'s parent", "relationship": "mother"}],
            **overrides,
        }
        return service.create_child(db=db, data=ChildCreate.model_validate(data), now=now).id

    return make


@pytest.fixture()
def many(new_child: NewChild) -> list[str]:
    """Twelve children on two wards and at home, named so that their order is plain to see."""
    ids = [new_child(f"Ward Four {n:02d}") for n in range(6)]
    ids += [new_child(f"Ward Nine {n:02d}", ward="Ward 9") for n in range(4)]
    ids += [new_child(f"At Home {n:02d}", ward=None, setting="home") for n in range(2)]
    return ids


def names(children: list[Any]) -> list[str]:
    return [c.display_name for c in children]


@contextmanager
def statements(db: Session) -> Iterator[list[str]]:
    """Every SQL statement the session sends while inside the block."""
    sent: list[str] = []

    def keep(*args: Any) -> None:
        sent.append(args[2])

    engine = db.get_bind().engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def stored_screening(db: Session, child_id: str, decision: str, at: datetime) -> None:
    site = service.child_site(db=db, child_id=child_id)
    db.add(
        Screening(
            child_id=child_id,
            site_id=site,
            assessed_at=at,
            actor=THERAPIST,
            decision=decision,
            rules_version="test",
            policy_version="test",
            input={},
            result={},
        )
    )
    db.flush()


def test_pages_follow_ward_order_with_the_home_children_last_and_never_overlap(
    db: Session, many: list[str]
) -> None:
    pages = [service.children_page(db=db, offset=at, limit=5).items for at in (0, 5, 10)]

    listed = [name for page in pages for name in names(page)]
    assert listed == [
        *(f"Ward Four {n:02d}" for n in range(6)),
        *(f"Ward Nine {n:02d}" for n in range(4)),
        *(f"At Home {n:02d}" for n in range(2)),
    ]
    assert [len(p) for p in pages] == [5, 5, 2]


def test_a_page_knows_the_total_its_neighbours_and_each_wards_count(
    db: Session, many: list[str]
) -> None:
    first = service.children_page(db=db, offset=0, limit=5)
    middle = service.children_page(db=db, offset=5, limit=5)
    last = service.children_page(db=db, offset=10, limit=5)
    past = service.children_page(db=db, offset=40, limit=5)

    assert first.total == middle.total == last.total == past.total == 12
    assert first.ward_totals == {"Ward 4": 6, "Ward 9": 4, None: 2}
    assert (first.previous_offset, first.next_offset) == (None, 5)
    assert (middle.previous_offset, middle.next_offset) == (0, 10)
    assert (last.previous_offset, last.next_offset) == (5, None)
    assert (last.number, last.pages) == (3, 3)
    assert past.items == []


def test_children_with_the_same_name_keep_one_order_from_page_to_page(
    db: Session, new_child: NewChild
) -> None:
    for _ in range(7):
        new_child("Same Name")

    split = [service.children_page(db=db, offset=at, limit=3).items for at in (0, 3, 6)]
    whole = service.children_page(db=db, limit=50).items

    assert [c.id for page in split for c in page] == [c.id for c in whole]
    assert [c.id for c in whole] == sorted(c.id for c in whole)


def test_the_ward_and_the_setting_are_filtered_in_the_database(
    db: Session, many: list[str]
) -> None:
    ward_nine = service.children_page(db=db, ward="Ward 9", limit=2)
    at_home = service.children_page(db=db, setting="home", limit=50)

    assert names(ward_nine.items) == ["Ward Nine 00", "Ward Nine 01"]
    assert (ward_nine.total, ward_nine.ward_totals) == (4, {"Ward 9": 4})
    assert names(at_home.items) == ["At Home 00", "At Home 01"]
    assert at_home.total == 2


def test_a_list_keeps_to_the_askers_sites(
    db: Session, now: datetime, many: list[str], new_child: NewChild
) -> None:
    elsewhere = add_site(db=db, name="Another Hospital", now=now)
    theirs = new_child("Their Child", site_id=elsewhere.id)
    mine = frozenset({service.child_site(db=db, child_id=many[0])})

    my_page = service.children_page(db=db, site_ids=mine, limit=50)
    their_page = service.children_page(db=db, site_ids=frozenset({elsewhere.id}), limit=50)
    screened = screened_children(db=db, ward=None, as_of=now.date(), site_ids=mine)

    assert theirs not in {c.id for c in my_page.items}
    assert my_page.total == 12
    assert [c.id for c in their_page.items] == [theirs]
    assert theirs not in {r.child.id for r in screened.items}
    assert service.children_page(db=db, site_ids=frozenset(), limit=5).total == 0


def test_each_child_shows_the_decision_of_their_latest_screening(
    db: Session, now: datetime, many: list[str]
) -> None:
    first, second, never = many[0], many[1], many[2]
    stored_screening(db, first, "hold", now - timedelta(days=2))
    stored_screening(db, first, "proceed", now - timedelta(hours=1))
    stored_screening(db, first, "modify", now - timedelta(days=1))
    stored_screening(db, second, "modify", now - timedelta(hours=3))

    rows = {r.child.id: r for r in screened_children(db=db, ward=None, as_of=now.date()).items}

    assert (rows[first].decision, rows[first].screened_at) == ("proceed", now - timedelta(hours=1))
    assert rows[second].decision == "modify"
    assert (rows[never].decision, rows[never].screened_at) == (None, None)


def test_the_latest_screening_is_the_same_one_the_single_child_lookup_finds(
    db: Session, now: datetime, new_child: NewChild
) -> None:
    """Two screenings at the same moment: the one with the larger id is the latest, in the
    list as on the child's page."""
    from pedmassage.screenings.service import latest_screening

    child = new_child("Tied")
    request = ScreeningCreate(therapist=THERAPIST, guardian_consent=True, child_assent=True)
    for _ in range(2):
        screen_child(db=db, child_id=child, request=request, now=now)

    single = latest_screening(db=db, child_id=child)
    assert single is not None
    assert latest_decisions(db=db, child_ids=[child]) == {
        child: (single.decision, single.assessed_at)
    }


def test_a_listed_row_has_ages_and_stage_and_the_condition_codes(
    db: Session, now: datetime, many: list[str]
) -> None:
    (row,) = screened_children(db=db, ward="Ward 9", as_of=now.date(), limit=1).items
    whole = service.to_public(service.get_child(db=db, child_id=row.child.id), now.date())

    assert row.child.age_label == whole.age_label
    assert (row.child.stage, row.child.stage_label) == (whole.stage, whole.stage_label)
    assert row.child.conditions == [c.code for c in whole.conditions] == ["asthma"]


@pytest.mark.parametrize(("offset", "limit", "field"), [(-1, 5, "offset"), (0, 0, "limit")])
def test_a_window_that_is_not_a_page_is_refused(
    db: Session, offset: int, limit: int, field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        service.children_page(db=db, offset=offset, limit=limit)
    assert refused.value.field == field


def test_no_page_is_larger_than_the_maximum(db: Session) -> None:
    with pytest.raises(ValidationError) as refused:
        service.children_page(db=db, limit=service.MAX_PAGE_SIZE + 1)
    assert refused.value.allowed == f"1 to {service.MAX_PAGE_SIZE}"


def test_a_page_of_fifty_takes_as_many_queries_as_a_page_of_five(
    db: Session, now: datetime, new_child: NewChild
) -> None:
    for n in range(55):
        child = new_child(f"Child {n:02d}", conditions=[{"code": "asthma"}, {"code": "autism"}])
        stored_screening(db, child, "proceed", now - timedelta(hours=n + 1))
    db.expire_all()

    def queries(limit: int) -> dict[str, int]:
        """Statements for a page of whole profiles (as the API shows them) and for a page of
        listed children with their latest decision (as the ward list shows them)."""
        db.expunge_all()
        with statements(db) as profiles:
            page = service.children_page(db=db, limit=limit)
            [service.to_public(c, now.date()) for c in page.items]
        db.expunge_all()
        with statements(db) as listed:
            screened_children(db=db, ward=None, as_of=now.date(), limit=limit)
        return {"profiles": len(profiles), "listed": len(listed)}

    small, large = queries(5), queries(50)

    assert small == large
    assert large["listed"] <= 4  # per ward count, children, their conditions, latest screenings


def test_a_long_list_is_read_a_page_at_a_time_and_stops_at_the_limit(
    db: Session, now: datetime, many: list[str]
) -> None:
    everyone = list(service.iter_listings(db=db, as_of=now.date()))
    first_five = list(service.iter_listings(db=db, as_of=now.date(), limit=5))

    assert [c.id for c in everyone] == [c.id for c in service.list_children(db=db)]
    assert len(everyone) == 12
    assert [c.id for c in first_five] == [c.id for c in everyone[:5]]


# --- the open flags -------------------------------------------------------------------------------


def flagged_children(db: Session, now: datetime, new_child: NewChild, count: int) -> list[str]:
    """``count`` children at home, each with a home program and one problem their parent logged
    (a day apart, so the oldest is first); the therapist is on every care team."""
    request = ScreeningCreate(therapist=THERAPIST, guardian_consent=True, child_assent=True)
    flagged = []
    for n in range(count):
        child_id = new_child(f"Flagged {n}", ward=None, setting="home")
        screen_child(db=db, child_id=child_id, request=request, now=now)
        homecare.add_care_team_member(
            db=db, child_id=child_id, staff_name=THERAPIST, role="therapist", now=now
        )
        program = homecare.prescribe_home_program(
            db=db, child_id=child_id, prescribed_by=THERAPIST, goals=["breathing"], now=now
        )
        guardian = service.get_child(db=db, child_id=child_id).guardians[0].id
        homecare.log_home_session(
            db=db,
            viewer=Viewer.guardian(guardian),
            program_id=program.id,
            session_date=now.date(),
            minutes=15,
            response="relaxed",
            problem="skin_change",
            now=now + timedelta(hours=n + 1),
        )
        flagged.append(child_id)
    return flagged


def test_open_flags_come_in_pages_in_the_same_order_as_the_whole_list(
    db: Session, now: datetime, new_child: NewChild
) -> None:
    flagged = flagged_children(db, now, new_child, 5)

    whole = homecare.open_flags(db=db, staff_name=THERAPIST)
    pages = [
        homecare.open_flags_page(db=db, staff_name=THERAPIST, offset=at, limit=2)
        for at in (0, 2, 4)
    ]

    assert [f.child_id for f in whole] == flagged
    assert [f.id for p in pages for f in p.items] == [f.id for f in whole]
    assert {p.total for p in pages} == {5}
    assert (pages[0].next_offset, pages[2].next_offset) == (2, None)
    assert pages[0].items[0].child.display_name == "Flagged 0"


def test_open_flags_keep_to_the_askers_sites_and_care_teams(
    db: Session, now: datetime, new_child: NewChild
) -> None:
    flagged_children(db, now, new_child, 2)
    elsewhere = add_site(db=db, name="Another Hospital", now=now)

    assert homecare.open_flags_page(db=db, staff_name="Someone Else (LMT)").total == 0
    other_site = frozenset({elsewhere.id})
    assert homecare.open_flags_page(db=db, staff_name=THERAPIST, site_ids=other_site).total == 0


def test_a_page_of_flags_takes_the_same_queries_whatever_its_size(
    db: Session, now: datetime, new_child: NewChild
) -> None:
    from pedmassage.homecare.public import flag_public

    flagged_children(db, now, new_child, 4)

    def queries(limit: int) -> int:
        db.expunge_all()
        with statements(db) as sent:
            page = homecare.open_flags_page(db=db, staff_name=THERAPIST, limit=limit)
            [flag_public(f) for f in page.items]
        return len(sent)

    assert queries(1) == queries(4)
