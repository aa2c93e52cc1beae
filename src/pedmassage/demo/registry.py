"""A synthetic registry at scale: many sites, children and two years of screened, measured sessions.

The small demo (``seed.py``) goes through the services one record at a time, which is right for 40
children and far too slow for the program lead's outcome report, which must be timed over 100,000
children and 2,000,000 sessions. This builds such a registry in minutes, straight into the real
tables with bulk inserts, and still keeps the records honest:

- every screening's result is what the shipped rule book says about its input (the evaluator runs
  once per kind of child, age (in weeks under two years, then in years) and readings, and its
  answer is reused with the moment filled in), and every plan is the planner's answer to that
  result; a screening's input holds the readings taken for it, each also stored as a reading;
- every measure is scored by the instrument catalogue, on a pain scale the chooser offers the child
  on that day; the 'after' score usually sits below the 'before' one;
- the database's own guards stay on: measures and adverse events are inserted while the session is
  completed or ended early, and the session is signed afterwards, as the lifecycle does it.

Identifiers are ULIDs like :func:`pedmassage.db.new_id` makes, drawn from the seed so that one seed
and one ``now`` always build the same registry. Every child is invented.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Table, func, select, update
from ulid import ULID

from pedmassage.db import Base
from pedmassage.demo.scores import items_for
from pedmassage.development import GestationalAge, age_profile, stage_for
from pedmassage.errors import ValidationError
from pedmassage.models import (
    AdverseEvent,
    Child,
    ChildCondition,
    ChildDevice,
    ChildMedication,
    Guardian,
    Observation,
    Screening,
    SessionMeasure,
    SessionRecord,
    Site,
)

if TYPE_CHECKING:
    from pedmassage.measures import Score
    from pedmassage.safety import RuleBook

Progress = Callable[[str, int, int], None]
"""Told ``(stage, done, total)`` as the build goes on, e.g. ``("sessions", 40000, 2000000)``."""

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PAIRS = tuple(CROCKFORD[i >> 5] + CROCKFORD[i & 31] for i in range(1024))
SHIFTS = (70, 60, 50, 40, 30, 20, 10, 0)
BATCH_ROWS = 10_000
"""Sessions per flush: each flush inserts them with their screenings, readings and measures."""
SPAN_DAYS = 730
MARK = "@assessed_at@"
ASSESSED = json.dumps(MARK)
LEVELS = 40
"""Item sets are scored once per instrument at this many levels of its range."""


@dataclass(frozen=True)
class RegistryCounts:
    sites: int
    children: int
    conditions: int
    observations: int
    screenings: int
    sessions: int
    signed: int
    measures: int
    adverse_events: int


@dataclass(frozen=True)
class _Kind:
    """A kind of child the program sees: what shapes screening, planning and measuring."""

    conditions: tuple[tuple[str, str | None], ...]
    share: float
    settings: tuple[str, ...]
    ages: tuple[int, int]  # age in days when care starts
    weeks: tuple[int, int]  # length of care
    per_week: float
    goals: tuple[str, ...]
    devices: tuple[tuple[tuple[str, str | None], ...], ...] = ((),)
    medications: tuple[str, ...] = ()
    ward: str | None = None
    preterm: bool = False
    oncology: bool = False
    nonverbal: float = 0.0
    cognitive: float = 0.0
    aversion: float = 0.0
    trauma: float = 0.0
    baseline: float = 0.45


YEAR = 365
KINDS: tuple[_Kind, ...] = (
    _Kind((("prematurity", None),), 0.10, ("nicu",), (5, 50), (2, 8), 5, ("bonding", "weight_gain"),
          devices=((), (("nasogastric_tube", "face"),)), ward="NICU", preterm=True, baseline=0.4),
    _Kind((("cancer", None),), 0.14, ("hospital", "hospital", "home", "clinic"), (YEAR, 17 * YEAR),
          (8, 40), 2, ("pain", "anxiety", "sleep"),
          devices=((("picc", "arm_left"),), (("implanted_port", "chest"),)),
          medications=("chemotherapy",), ward="Oncology", oncology=True, baseline=0.5),
    _Kind((("asthma", None),), 0.10, ("clinic", "home"), (3 * YEAR, 16 * YEAR), (6, 30), 1,
          ("breathing", "relaxation")),
    _Kind((("autism", None),), 0.12, ("clinic", "home"), (2 * YEAR, 17 * YEAR), (8, 52), 1.5,
          ("touch_tolerance", "sleep", "relaxation"), nonverbal=0.25, cognitive=0.2,
          aversion=0.4, baseline=0.35),
    _Kind((("cerebral_palsy", None),), 0.09, ("clinic", "home"), (YEAR, 17 * YEAR), (8, 52), 1.5,
          ("pain", "relaxation"), nonverbal=0.4, cognitive=0.4, baseline=0.45),
    _Kind((("post_surgical", "abdomen"),), 0.08, ("hospital", "picu"), (YEAR // 2, 17 * YEAR),
          (1, 3), 4, ("pain", "anxiety"), ward="Surgical", baseline=0.6),
    _Kind((("congenital_heart_disease", None),), 0.05, ("picu", "hospital"), (30, 5 * YEAR),
          (2, 8), 3, ("relaxation", "sleep"), ward="Cardiac", baseline=0.45),
    _Kind((("cystic_fibrosis", None),), 0.06, ("home", "clinic"), (2 * YEAR, 17 * YEAR), (8, 40),
          1, ("breathing", "relaxation")),
    _Kind((("juvenile_idiopathic_arthritis", None),), 0.05, ("clinic", "home"),
          (2 * YEAR, 17 * YEAR), (8, 40), 1, ("pain",), baseline=0.55),
    _Kind((("sickle_cell_disease", None),), 0.05, ("hospital", "clinic"), (2 * YEAR, 17 * YEAR),
          (2, 20), 2, ("pain", "anxiety"), ward="Haematology", baseline=0.6),
    _Kind((("sleep_problem", None),), 0.06, ("home",), (30, 300), (4, 12), 3, ("sleep", "bonding"),
          baseline=0.35),
    _Kind((("constipation", None),), 0.04, ("home", "clinic"), (YEAR // 2, 10 * YEAR), (4, 12), 2,
          ("constipation", "relaxation"), baseline=0.4),
    _Kind((("adhd", None),), 0.03, ("clinic",), (6 * YEAR, 17 * YEAR), (6, 20), 1,
          ("relaxation", "sleep"), baseline=0.35),
    _Kind((("post_traumatic_stress", None),), 0.03, ("clinic",), (6 * YEAR, 17 * YEAR), (6, 26),
          1, ("anxiety", "relaxation"), trauma=1.0, aversion=0.3, baseline=0.5),
)  # fmt: skip

FIRST_NAMES = (
    "Amara", "Luca", "Noor", "Tomas", "Ines", "Kofi", "Mei", "Arjun", "Freya", "Mateo", "Zara",
    "Oskar", "Leila", "Yusuf", "Hana", "Elias", "Siofra", "Ravi", "Lina", "Jonah", "Aiko",
    "Dario", "Maya", "Theo", "Ayla", "Nikolai", "Priya", "Sami", "Esme", "Kai",
)  # fmt: skip
SURNAMES = (
    "Okafor", "Lindqvist", "Sharma", "Moreau", "Tanaka", "Silva", "Novak", "Haddad", "Byrne",
    "Mensah", "Kowalski", "Reyes", "Andersen", "Chen", "Adeyemi", "Rossi",
)  # fmt: skip
RESPONSES = (
    "settled", "relaxed, eyes closed", "asked for more back", "fell asleep", "chatty, then calm",
    "quiet and watchful", "breathing slowed",
)  # fmt: skip
CUES = ("relaxed", "eye_contact", "smiling", "asks_for_more", "turns_away", "yawning")
ENDED_EARLY = (
    "The child asked to stop.", "The child fell asleep.", "Disengagement cues: stopped.",
    "Called away for a procedure.", "Stress cues: stopped and contained.",
)  # fmt: skip
ADVERSE = (
    ("mild", "Transient skin redness at the massaged site.", "Stopped at that site; settled."),
    ("mild", "Brief discomfort during leg strokes.", "Lighter pressure; child settled."),
    ("mild", "Light-headed on sitting up afterwards.", "Lay down for 10 minutes; recovered."),
    ("moderate", "Desaturation to 88% during the session.", "Stopped; oxygen; nurse informed."),
    ("moderate", "Increased pain at the line site.", "Stopped; line checked by the nurse."),
    ("severe", "Bradycardia during containment.", "Stopped; neonatal team reviewed; stable."),
)  # fmt: skip


def build_registry(
    *,
    engine: Engine,
    children: int,
    sessions: int,
    sites: int,
    seed: int,
    now: datetime,
    progress: Progress | None = None,
    rulebook: RuleBook | None = None,
) -> RegistryCounts:
    """Fill the migrated database behind ``engine`` with a synthetic registry, in one transaction.

    ``children`` spread over ``sites`` sites (added, or reused by name), ``sessions`` spread over
    the children by how much care their kind of child receives, all in the two years before
    ``now``. One seed and one ``now`` build the same registry, identifiers included.
    """
    if children < 1 or sessions < 0 or sites < 1:
        raise ValidationError(
            "scale", (children, sessions, sites), "children >= 1, sessions >= 0, sites >= 1"
        )
    build = _Build(random.Random(seed), now.astimezone(UTC), rulebook, progress)
    with engine.begin() as conn:
        writer = _Writer(conn)
        with writer.bulk_load():
            site_ids = _sites(conn, writer, build, sites)
            people = _children(writer, build, site_ids, children)
            _sessions(writer, build, people, sessions)
    return RegistryCounts(
        sites=sites,
        children=children,
        conditions=build.counts.get("conditions", 0),
        observations=build.counts.get("observations", 0),
        screenings=build.counts.get("screenings", 0),
        sessions=build.counts.get("sessions", 0),
        signed=build.counts.get("signed", 0),
        measures=build.counts.get("measures", 0),
        adverse_events=build.counts.get("adverse_events", 0),
    )


@dataclass
class _Build:
    """What one build carries: its random stream, its clock and the answers it reuses."""

    rng: random.Random
    now: datetime
    rulebook: RuleBook | None
    progress: Progress | None
    counts: dict[str, int] = field(default_factory=dict)
    screened: dict[tuple[Any, ...], _Screened] = field(default_factory=dict)
    scales: dict[tuple[Any, ...], str] = field(default_factory=dict)
    scored: dict[tuple[Any, ...], tuple[dict[str, float], Score]] = field(default_factory=dict)
    plans: dict[tuple[Any, ...], _Delivery] = field(default_factory=dict)
    serial: int = 0
    stamp: int = -1
    prefix: str = ""

    def __post_init__(self) -> None:
        self.base_ms = int(self.now.timestamp() * 1000) - 86_400_000

    def new_id(self) -> str:
        """A ULID as the project makes them, its time a day before ``now`` plus a counter (so the
        ids of one build ascend and its indexes fill in order) and its randomness the seed's.

        A ULID is 10 characters of time and 16 of randomness in Crockford's base 32, two
        characters for each 10 bits."""
        self.serial += 1
        stamp = self.base_ms + self.serial // 1000
        if stamp != self.stamp:
            self.stamp, self.prefix = stamp, str(ULID.from_timestamp(stamp / 1000))[:10]
        tail = self.rng.getrandbits(80)
        return self.prefix + "".join([PAIRS[(tail >> shift) & 1023] for shift in SHIFTS])

    def add(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def tell(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)


class _Writer:
    """Bulk inserts inside the caller's one transaction: on SQLite a plain executemany of tuples
    converted by the columns' own SQLAlchemy types (Core's executemany of dicts spent about a
    quarter of a build building parameters), on PostgreSQL ``COPY`` (a quarter less time inserting
    than Core's executemany, measured on 40,000 sessions). JSON that many rows share (plans,
    screening results) comes already serialised, as :class:`Dumped`."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"

    def insert(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        names = list(rows[0])
        convert = [self._converter(table, name) for name in names]
        values = [tuple([f(row[n]) for f, n in zip(convert, names, strict=True)]) for row in rows]
        columns = ", ".join(names)
        if not self.postgres:
            marks = ", ".join("?" for _ in names)
            sql = f"INSERT INTO {table.name} ({columns}) VALUES ({marks})"
            self.conn.exec_driver_sql(sql, values)
            return
        raw = self.conn.connection.driver_connection
        assert raw is not None
        sql = f"COPY {table.name} ({columns}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            for row in values:
                copy.write_row(row)

    def _converter(self, table: Table, name: str) -> Callable[[Any], Any]:
        column = table.columns[name]
        if column.type.__visit_name__ == "JSON":
            return self._json
        if self.postgres:
            return _same
        process = column.type._cached_bind_processor(self.conn.dialect)
        return _same if process is None else lambda v: None if v is None else process(v)

    @staticmethod
    def _json(value: Any) -> str:
        return value if isinstance(value, Dumped) else json.dumps(value)

    def bulk_load(self) -> _BulkLoad:
        return _BulkLoad(self.conn)


class Dumped(str):
    """JSON text serialised once and stored as it is: the plans and screening results that many
    sessions share would otherwise be serialised again for every row."""

    __slots__ = ()


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _same(value: Any) -> Any:
    return value


class _BulkLoad:
    """SQLite keeps the pages of the growing tables and indexes in memory while the one
    transaction runs (a larger page cache for this connection only; the journal mode and the
    durability settings stay the engine's)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"

    def __enter__(self) -> None:
        if self.sqlite:
            self.before = self.conn.exec_driver_sql("PRAGMA cache_size").scalar()
            self.conn.exec_driver_sql("PRAGMA cache_size=-1000000")

    def __exit__(self, *_exc: object) -> None:
        if self.sqlite:
            self.conn.exec_driver_sql(f"PRAGMA cache_size={int(self.before or -2000)}")


# Sites and children


def _sites(conn: Connection, writer: _Writer, build: _Build, count: int) -> list[str]:
    names = [f"Registry site {i + 1}" for i in range(count)]
    found: dict[str, str] = {
        name: ident
        for name, ident in conn.execute(select(Site.name, Site.id).where(Site.name.in_(names)))
    }
    created = build.now - timedelta(days=SPAN_DAYS + 30)
    made = {n: build.new_id() for n in names if n not in found}
    rows = [{"id": ident, "name": n, "created_at": created} for n, ident in made.items()]
    writer.insert(_table(Site), rows)
    return [found.get(n) or made[n] for n in names]


@dataclass(frozen=True)
class _Person:
    """One generated child with what its sessions need."""

    id: str
    site_id: str
    kind: _Kind
    birth: date
    ga: GestationalAge
    sex: str
    verbal: bool
    cognitive: bool
    setting: str
    devices: tuple[tuple[str, str | None], ...]
    aversion: bool
    trauma: bool
    start: datetime
    days: int
    guardian: str
    therapists: tuple[str, ...]
    baseline: float

    @property
    def weight(self) -> float:
        return self.kind.per_week * self.days / 7


def _children(writer: _Writer, build: _Build, site_ids: list[str], count: int) -> list[_Person]:
    staff = {s: _therapists(build.rng, i) for i, s in enumerate(site_ids)}
    people: list[_Person] = []
    for start in range(0, count, BATCH_ROWS):
        batch = [
            _person(build, site_ids[build.rng.randrange(len(site_ids))], staff)
            for _ in range(min(BATCH_ROWS, count - start))
        ]
        _insert_children(writer, build, batch)
        people += batch
        build.tell("children", len(people), count)
    return people


def _therapists(rng: random.Random, site: int) -> tuple[str, ...]:
    return tuple(
        f"{rng.choice(FIRST_NAMES)[0]}. {rng.choice(SURNAMES)} (LMT, site {site + 1})"
        for _ in range(8)
    )


def _person(build: _Build, site_id: str, staff: dict[str, tuple[str, ...]]) -> _Person:
    rng = build.rng
    kind = rng.choices(KINDS, weights=[k.share for k in KINDS])[0]
    days = min(7 * rng.randint(*kind.weeks), SPAN_DAYS - 2)
    start = build.now - timedelta(days=rng.randint(days + 1, SPAN_DAYS))
    age = rng.randint(*kind.ages)
    ga = GestationalAge(rng.randint(25, 34), rng.randint(0, 6)) if kind.preterm else (
        GestationalAge(rng.choice((37, 38, 39, 40, 40, 41)), rng.randint(0, 6))
    )  # fmt: skip
    verbal = age >= 2 * YEAR and rng.random() >= kind.nonverbal
    first = rng.choice(FIRST_NAMES)
    return _Person(
        id=build.new_id(),
        site_id=site_id,
        kind=kind,
        birth=(start - timedelta(days=age)).date(),
        ga=ga,
        sex=rng.choice(("female", "male")),
        verbal=verbal,
        cognitive=rng.random() < kind.cognitive,
        setting=rng.choice(kind.settings),
        devices=rng.choice(kind.devices),
        aversion=rng.random() < kind.aversion,
        trauma=rng.random() < kind.trauma,
        start=start,
        days=days,
        guardian=f"Parent of {first} (synthetic)",
        therapists=tuple(rng.sample(staff[site_id], 2)),
        baseline=min(0.9, max(0.1, kind.baseline + rng.uniform(-0.15, 0.15))),
    )


def _insert_children(writer: _Writer, build: _Build, batch: list[_Person]) -> None:
    children, conditions, devices, medications, guardians = [], [], [], [], []
    for p in batch:
        created = p.start - timedelta(hours=2)
        first = p.guardian.removeprefix("Parent of ").removesuffix(" (synthetic)")
        children.append(_child_row(p, f"{first} {build.rng.choice(SURNAMES)[0]}.", created))
        conditions += [
            {"id": build.new_id(), "child_id": p.id, "code": c, "site": s}
            for c, s in p.kind.conditions
        ]
        devices += [
            {"id": build.new_id(), "child_id": p.id, "kind": k, "site": s} for k, s in p.devices
        ]
        medications += [
            {"id": build.new_id(), "child_id": p.id, "med_class": m} for m in p.kind.medications
        ]
        guardians.append(
            {"id": build.new_id(), "child_id": p.id, "name": p.guardian,
             "relationship_to_child": "parent", "legal_authority": True}
        )  # fmt: skip
    writer.insert(_table(Child), children)
    writer.insert(_table(ChildCondition), conditions)
    writer.insert(_table(ChildDevice), devices)
    writer.insert(_table(ChildMedication), medications)
    writer.insert(_table(Guardian), guardians)
    build.add("conditions", len(conditions))


def _child_row(p: _Person, name: str, created: datetime) -> dict[str, Any]:
    return {
        "id": p.id, "site_id": p.site_id, "version": 1, "display_name": name, "mrn": None,
        "birth_date": p.birth, "sex": p.sex, "ga_weeks": p.ga.weeks, "ga_days": p.ga.days,
        "verbal": p.verbal, "cognitive_impairment": p.cognitive, "setting": p.setting,
        "ward": p.kind.ward if p.setting in ("hospital", "nicu", "picu") else None,
        "touch_aversion": p.aversion, "trauma_history": p.trauma, "touch_notes": "",
        "goals_of_care": "curative", "goals_of_care_by": None, "goals_of_care_at": None,
        "created_at": created,
    }  # fmt: skip


# Sessions: each with the screening it rests on and the readings taken before it


def _allocate(people: Sequence[_Person], total: int) -> list[int]:
    """``total`` sessions shared by the care each child receives (largest remainder)."""
    weights = [p.weight for p in people]
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    left = total - sum(counts)
    order = sorted(range(len(people)), key=lambda i: counts[i] - shares[i])
    for i in order[:left]:
        counts[i] += 1
    return counts


@dataclass
class _Batch:
    observations: list[dict[str, Any]] = field(default_factory=list)
    screenings: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    measures: list[dict[str, Any]] = field(default_factory=list)
    adverse: list[dict[str, Any]] = field(default_factory=list)
    signed: list[str] = field(default_factory=list)


def _sessions(writer: _Writer, build: _Build, people: Sequence[_Person], total: int) -> None:
    batch, done = _Batch(), 0
    for person, count in zip(people, _allocate(people, total), strict=True):
        for when in _moments(build.rng, person, count):
            _one_session(build, batch, person, when)
        if len(batch.sessions) >= BATCH_ROWS:
            done += _flush(writer, build, batch)
            batch = _Batch()
            build.tell("sessions", done, total)
    done += _flush(writer, build, batch)
    build.tell("sessions", done, total)


def _moments(rng: random.Random, person: _Person, count: int) -> Iterator[datetime]:
    offsets = sorted(rng.random() * person.days for _ in range(count))
    day0 = person.start.date()
    for offset in offsets:
        day = day0 + timedelta(days=int(offset))
        yield datetime.combine(day, time(rng.randint(8, 17), rng.choice((0, 15, 30, 45))), UTC)


def _one_session(build: _Build, batch: _Batch, person: _Person, when: datetime) -> None:
    """Screen (again, after a hold, the next day with calm readings) and deliver."""
    calm = False
    for _ in range(3):
        screened, screening_id = _screen(build, batch, person, when, calm)
        if screened.result["decision"] != "hold":
            _deliver(build, batch, person, when, screened, screening_id)
            return
        when, calm = when + timedelta(days=1), True
    raise ValidationError("registry", person.kind.conditions, "a kind of child that can be seen")


@dataclass(frozen=True)
class _Screened:
    """The evaluator's answer for one kind of child, age and readings, and what follows from it."""

    input: dict[str, Any]
    result: dict[str, Any]
    sedated: bool
    stage: str
    signature: str
    """The result without its moment: screenings that allow the same get the same plan."""
    result_json: str
    """The result as JSON with a mark where each screening's moment goes."""


_Delivery = tuple[Dumped, int, list[str], str, int]
"""A plan and what is delivered from it: pressure, regions, technique, minutes."""


def _readings(build: _Build, person: _Person, age_days: int, calm: bool) -> tuple[Any, ...]:
    """What is measured before a screening: temperature, an infant's weight, a child on
    chemotherapy's counts; and the child's yes, asked from 4 years."""
    rng = build.rng
    fever = not calm and rng.random() < 0.03
    temperature = 38.5 if fever else 36.8  # a normal one is drawn for each screening
    labs = None
    if person.kind.oncology:
        options = ((220.0, 3.1), (60.0, 1.2), (18.0, 0.4), (8.0, 0.2))
        labs = options[0] if calm else rng.choices(options, weights=(75, 17, 6, 2))[0]
    asked = person.verbal and age_days >= 4 * YEAR
    assent = (calm or rng.random() > 0.015) if asked else None
    return temperature, labs, assent


def _age_key(age_days: int) -> tuple[str, int]:
    """What the rules see of age, coarsely: weeks up to 2 years (newborn and postmenstrual
    limits), then years (assent and self-consent ages)."""
    if age_days < 2 * YEAR:
        return "w", age_days // 7
    return "y", age_days // YEAR


def _screen(
    build: _Build, batch: _Batch, person: _Person, when: datetime, calm: bool
) -> tuple[_Screened, str]:
    age_days = (when.date() - person.birth).days
    readings = _readings(build, person, age_days, calm)
    ga = person.ga.weeks if person.kind.preterm else "term"
    key = (id(person.kind), ga, person.verbal, person.cognitive, person.setting, person.devices,
           person.aversion, person.trauma, _age_key(age_days), readings)  # fmt: skip
    screened = build.screened.get(key)
    if screened is None:
        screened = build.screened[key] = _evaluate(build, person, when, age_days, readings)
    screening_id = build.new_id()
    assessed = _iso(when)
    taken = when - timedelta(minutes=build.rng.randint(20, 180))
    taken_iso = _iso(taken)
    tpl = screened.input
    labs = [{**r, "taken_at": taken_iso} for r in tpl["labs"]]
    vitals = [_taken(r, taken_iso, build.rng) for r in tpl["vitals"]]
    batch.screenings.append({
        "id": screening_id, "child_id": person.id, "site_id": person.site_id,
        "assessed_at": when, "actor": person.therapists[0], "decision": screened.result["decision"],
        "rules_version": screened.result["rules_version"],
        "policy_version": screened.result["policy_version"],
        "input": {
            **tpl, "assessed_at": assessed,
            "child": {**tpl["child"], "birth_date": person.birth.isoformat(), "sex": person.sex,
                      "gestational_age_at_birth_weeks": person.ga.decimal_weeks},
            "labs": labs, "vitals": vitals,
        },
        "result": Dumped(screened.result_json.replace(ASSESSED, f'"{assessed}"', 1)),
    })  # fmt: skip
    for category, taken_now in (("lab", labs), ("vital", vitals)):
        batch.observations += [
            {"id": build.new_id(), "child_id": person.id, "category": category,
             "code": r["code"], "value": r["value"], "unit": r["unit"], "taken_at": taken}
            for r in taken_now
        ]  # fmt: skip
    build.add("screenings")
    return screened, screening_id


def _taken(reading: dict[str, Any], taken: str, rng: random.Random) -> dict[str, Any]:
    """A reading of the template at this screening's time; a normal temperature varies (no rule
    reads one between 36.5 and 37.5 differently)."""
    if reading["code"] == "temperature" and reading["value"] == 36.8:
        return {**reading, "value": rng.choice((36.6, 36.8, 37.0, 37.2)), "taken_at": taken}
    return {**reading, "taken_at": taken}


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _evaluate(
    build: _Build, person: _Person, when: datetime, age_days: int, readings: tuple[Any, ...]
) -> _Screened:
    """The rule book's answer, once per kind of child, age and readings."""
    from pedmassage.safety import ScreeningInput, evaluate
    from pedmassage.safety.sedation import sedated

    temperature, labs, assent = readings
    taken = when - timedelta(hours=1)
    vitals = [{"code": "temperature", "value": temperature, "unit": "Cel", "taken_at": taken}]
    if age_days < YEAR:
        grams = _infant_weight(person, age_days)
        vitals.append({"code": "weight", "value": grams, "unit": "g", "taken_at": taken})
    inp = ScreeningInput.model_validate({
        "assessed_at": when, "setting": person.setting,
        "child": {"birth_date": person.birth, "sex": person.sex,
                  "gestational_age_at_birth_weeks": person.ga.decimal_weeks,
                  "verbal": person.verbal, "cognitive_impairment": person.cognitive},
        "conditions": [{"code": c, "site": s} for c, s in person.kind.conditions],
        "labs": [] if labs is None else [
            {"code": "platelets", "value": labs[0], "unit": "10^9/L", "taken_at": taken},
            {"code": "anc", "value": labs[1], "unit": "10^9/L", "taken_at": taken},
        ],
        "vitals": vitals,
        "devices": [{"kind": k, "site": s} for k, s in person.devices],
        "medications": [{"class": m} for m in person.kind.medications],
        "touch_aversion": person.aversion, "trauma_history": person.trauma,
        "guardian_consent": True, "child_assent": assent,
    })  # fmt: skip
    result = evaluate(inp, build.rulebook).model_dump(mode="json")
    stage = stage_for(age_profile(person.birth, person.ga, when.date())).id
    signature = json.dumps({**result, "assessed_at": None}, sort_keys=True)
    marked = json.dumps({**result, "assessed_at": MARK})
    return _Screened(
        inp.model_dump(mode="json", by_alias=True), result, sedated(inp), stage, signature, marked
    )


def _infant_weight(person: _Person, age_days: int) -> float:
    """Grams: birth weight by gestation, then about 25 g a day, in the age key's steps."""
    days = age_days // 7 * 7
    at_birth = 3300 if not person.kind.preterm else 400 + 110 * (person.ga.weeks - 22)
    return float(at_birth + 25 * min(days, 240))


def _plan(build: _Build, screened: _Screened, person: _Person) -> _Delivery:
    """The planner's plan on the screening, and what is delivered from it (as the demo does)."""
    goals = person.kind.goals
    apprehensive = person.aversion or person.trauma
    key = (screened.stage, id(person.kind), person.setting, apprehensive, screened.signature)
    kept = build.plans.get(key)
    if kept is not None:
        return kept
    from pedmassage.planning import plan_session
    from pedmassage.safety import ScreeningResult

    plan = plan_session(
        stage=screened.stage,
        conditions=[c for c, _ in person.kind.conditions],
        goals=goals,
        setting=person.setting,
        screening=ScreeningResult.model_validate(screened.result),
        touch_apprehension=apprehensive,
    )
    pressure = max((r.pressure for r in plan.regions), default=0)
    regions = [r.site for r in plan.regions if pressure <= 1 or r.pressure > 1]
    technique = plan.regions[0].technique if plan.regions else "still_hold"
    text = Dumped(json.dumps(plan.model_dump(mode="json")))
    kept = (text, pressure, regions, technique, int(plan.total_minutes))
    build.plans[key] = kept
    return kept


def _deliver(
    build: _Build,
    batch: _Batch,
    person: _Person,
    when: datetime,
    screened: _Screened,
    screening_id: str,
) -> None:
    rng = build.rng
    plan, pressure, regions, technique, planned = _plan(build, screened, person)
    started = when + timedelta(minutes=rng.choice((5, 10, 15, 20)))
    early = rng.random() < 0.08
    minutes = max(1, planned if not early else rng.randint(1, max(1, planned // 2)))
    ended = started + timedelta(minutes=minutes)
    session_id = build.new_id()
    signed = rng.random() < 0.93
    parent = person.setting == "home" and rng.random() < 0.5
    monitored = person.setting in ("hospital", "nicu", "picu")
    therapist = rng.choice(person.therapists)
    batch.sessions.append({
        "id": session_id, "child_id": person.id, "screening_id": screening_id,
        "site_id": person.site_id, "therapist": therapist,
        "deliverer": "parent" if parent else "therapist",
        "status": "ended_early" if early else "completed", "version": 1, "ended_early": early,
        "end_reason": rng.choice(ENDED_EARLY) if early else "", "goals": list(person.kind.goals),
        "plan": plan, "guardian_consent_by": f"{person.guardian}, in person",
        "consent_method": "in_person", "consent_at": started,
        "child_assent": screened.input["child_assent"], "started_at": started,
        "ended_at": ended, "minutes": minutes, "pressure": pressure, "regions": regions,
        "technique": technique,
        "heart_rate_pre": _heart_rate(rng, person, when) if monitored else None,
        "heart_rate_post": _heart_rate(rng, person, when) - 6 if monitored else None,
        "spo2_pre": rng.randint(95, 100) if monitored else None,
        "spo2_post": rng.randint(96, 100) if monitored else None,
        "cues": rng.sample(CUES[:4], 2), "response": rng.choice(RESPONSES), "note": "",
        "signed_by": therapist if signed else None,
        "signed_at": ended + timedelta(hours=rng.randint(1, 6)) if signed else None,
        "created_at": when,
    })  # fmt: skip
    if signed:
        batch.signed.append(session_id)
    _measures(build, batch, person, session_id, screened, started, ended, early)
    if rng.random() < 0.002:
        severity, description, action = rng.choice(ADVERSE)
        batch.adverse.append({
            "id": build.new_id(), "session_id": session_id, "severity": severity,
            "occurred_at": started + timedelta(minutes=rng.randint(0, minutes)),
            "description": description, "action_taken": action, "recorded_by": therapist,
        })  # fmt: skip
    build.add("sessions")


def _heart_rate(rng: random.Random, person: _Person, when: datetime) -> int:
    years = (when.date() - person.birth).days / YEAR
    return round(max(70.0, 145 - 4 * years) + rng.uniform(-8, 8))


def _measures(
    build: _Build,
    batch: _Batch,
    person: _Person,
    session_id: str,
    screened: _Screened,
    started: datetime,
    ended: datetime,
    early: bool,
) -> None:
    """Before and after on the scale the chooser offers first; the after score usually lower."""
    rng = build.rng
    progress = (started - person.start).days / max(person.days, 1)
    pre = max(0.05, person.baseline * (1 - 0.3 * progress) + rng.uniform(-0.1, 0.1))
    post = max(0.0, pre - rng.uniform(-0.05, 0.25))
    scale = _scale(build, person, started, screened.sedated)
    moments = [("pre", pre, started)]
    if not early or rng.random() < 0.5:
        moments.append(("post", post, ended))
    for timepoint, level, taken in moments:
        items, scored = _scored(build, person, scale, level, taken)
        batch.measures.append({
            "id": build.new_id(), "session_id": session_id, "timepoint": timepoint,
            "taken_at": taken, "instrument_id": scored.instrument,
            "instrument_version": scored.version, "items": items,
            "total": float(scored.total), "band": scored.band,
        })  # fmt: skip


def _scale(build: _Build, person: _Person, on: datetime, sedated: bool) -> str:
    """The first pain scale the chooser offers the child that day (as the session forms do)."""
    days = (on.date() - person.birth).days
    # Exact: days under 120 (the neonatal bands), then completed months (the chooser's limits
    # are whole months); gestation counts only for a child born preterm.
    preterm = person.ga.total_days if person.ga.weeks < 37 else 0
    key = (days if days < 120 else -int(days / 30.4375), preterm, person.verbal,
           person.cognitive, person.setting, sedated)  # fmt: skip
    found = build.scales.get(key)
    if found is None:
        from pedmassage.measures import choose

        choice = choose(
            age_months=days / 30.4375,
            gestational_age_weeks=person.ga.decimal_weeks,
            nonverbal=not person.verbal,
            cognitive_impairment=person.cognitive,
            sedated=sedated,
            setting=person.setting,
        )
        found = build.scales[key] = choice.pain[0].id
    return found


def _scored(
    build: _Build, person: _Person, scale: str, level: float, on: datetime
) -> tuple[dict[str, float], Score]:
    """Item scores near ``level`` of the scale's range, scored by the catalogue (N-PASS with the
    infant's postmenstrual age, in completed weeks)."""
    step = round(min(max(level, 0.0), 1.0) * LEVELS)
    weeks = None
    if scale == "n_pass":
        weeks = age_profile(person.birth, person.ga, on.date()).postmenstrual_days // 7
    key = (scale, step, weeks)
    found = build.scored.get(key)
    if found is None:
        from pedmassage.measures import instrument, score

        items = items_for(instrument(scale), step / LEVELS, random.Random(step))
        found = build.scored[key] = (
            items,
            score(scale, items, gestational_age_weeks=None if weeks is None else float(weeks)),
        )
    return found


def _flush(writer: _Writer, build: _Build, batch: _Batch) -> int:
    """Insert one batch in the order the foreign keys need, then sign its signed sessions: the
    database refuses measures and adverse events on a session that is already signed."""
    writer.insert(_table(Observation), batch.observations)
    writer.insert(_table(Screening), batch.screenings)
    writer.insert(_table(SessionRecord), batch.sessions)
    writer.insert(_table(SessionMeasure), batch.measures)
    writer.insert(_table(AdverseEvent), batch.adverse)
    if batch.signed:
        table = _table(SessionRecord)
        writer.conn.execute(
            update(table)
            .where(table.c.id.between(min(batch.signed), max(batch.signed)))
            .where(table.c.signed_by.is_not(None), table.c.status != "signed")
            .values(status="signed", version=table.c.version + 1)
        )
    build.add("observations", len(batch.observations))
    build.add("measures", len(batch.measures))
    build.add("adverse_events", len(batch.adverse))
    build.add("signed", len(batch.signed))
    return len(batch.sessions)


def registry_is_empty(*, engine: Engine) -> bool:
    """Whether the database holds no children yet (a registry is built into an empty one)."""
    with engine.connect() as conn:
        return not conn.scalar(select(func.count()).select_from(_table(Child)))
