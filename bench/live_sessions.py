"""What the benches that record sessions over real HTTP share (``write_path.py`` and
``crash_safety.py``; ``tests/storage/test_crash_safety.py`` runs the latter).

* A database of its own: a temporary SQLite file, or a PostgreSQL database created for the run and
  dropped afterwards. It is migrated and given a site, a therapist and an API token, as
  ``pedmassage db upgrade``, ``site add``, ``user add`` and ``token create`` would do.
* ``pedmassage serve`` in a process of its own on 127.0.0.1, which can be killed and started again.
* A ward of children, each screened once through the API.
* Session bodies for ``POST /api/v1/children/{child_id}/sessions`` (a whole session documented in
  one step), each a different valid session.

The server's clock is the real one, so every time sent is a real time. A session must rest on its
child's latest screening, start at most 12 h after it and not in the future. Each child is
screened once, :data:`SCREENED_AGO` before the ward is set up, so every start between then and now
is valid: session ``n`` goes to child ``n % children`` at that child's ``n // children``-th start,
:data:`SPACING` apart, so no two sessions of a child overlap.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx

PG_ENV = "PEDMASSAGE_TEST_DATABASE_URL"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SITE = "Bench Ward"
USERNAME = "bench-therapist"
THERAPIST = "Bench Therapist"
PASSWORD = "quiet-harbour-lantern-58"
SCREENED_AGO = timedelta(hours=11, minutes=30)
FIRST_START = timedelta(minutes=1)
SPACING = timedelta(minutes=11)
"""Between a child's session starts: longer than the longest session (10 min)."""
REGIONS = [
    "back", "back_upper", "back_lower", "neck", "arm_left", "arm_right",
    "hand_left", "hand_right", "leg_left", "leg_right", "foot_left", "foot_right", "head",
]  # fmt: skip
TECHNIQUES = ["effleurage", "kneading", "fingertip_circles"]
CUES = ["eye_contact", "smiling", "relaxed", "asks_for_more", "yawning", "looking_away"]
JSON = {"content-type": "application/json"}
NOTE = "Bench session {n}."
NOTE_PATTERN = re.compile(r"Bench session (\d+)\.")
"""Each session's note names its number, so a stored session can be matched to what was sent."""


# The database


def postgres_base(option: str | None) -> str:
    """The PostgreSQL server to create databases on: the option, the tests' variable, or local."""
    return option or os.environ.get(PG_ENV) or DEFAULT_POSTGRES


def postgres_reachable(base: str) -> bool:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    engine = create_engine(base, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


@contextmanager
def fresh_database(kind: str, postgres: str) -> Iterator[str]:
    """An empty database of the ``kind`` asked for (``sqlite`` or ``postgres``), removed after."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="pedmassage-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        return
    from sqlalchemy import create_engine, text

    name = f"pedmassage_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield postgres.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def command_line() -> list[str]:
    """How to run ``pedmassage``: the console script beside this Python, else on the PATH."""
    beside = Path(sys.executable).with_name("pedmassage")
    found = str(beside) if beside.exists() else shutil.which("pedmassage")
    if found is None:
        raise RuntimeError("the pedmassage command is not installed (pip install -e .)")
    return [found]


def environment(url: str) -> dict[str, str]:
    return {**os.environ, "PEDMASSAGE_DATABASE_URL": url, "PEDMASSAGE_DEMO": "false"}


def set_up(url: str) -> str:
    """Migrate the database and add the site, the therapist and an API token; the token.

    Done here, through the migrations API and the services the ``site add``, ``user add`` and
    ``token create`` commands call, rather than by running those commands: each command is a new
    Python process, and the four took seconds."""
    from pedmassage.access.schemas import UserCreate
    from pedmassage.access.service import add_user
    from pedmassage.access.tokens import create_token
    from pedmassage.db import make_engine, unit_of_work, utcnow
    from pedmassage.migrations import upgrade
    from pedmassage.sites.service import add_site

    upgrade(url)
    therapist = UserCreate(
        username=USERNAME, display_name=THERAPIST, role="therapist", sites=[SITE], password=PASSWORD
    )
    engine, now = make_engine(url), utcnow()
    try:
        with unit_of_work(engine) as db:
            add_site(db=db, name=SITE, now=now)
            add_user(db=db, data=therapist, now=now)
            token = create_token(db=db, username=USERNAME, now=now, expires_days=1)
        return token.secret
    finally:
        engine.dispose()


# The server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A server command in a process of its own on 127.0.0.1:``port``, its output in ``log``.

    It can be killed (SIGKILL: no clean shutdown, whatever it was doing) and started again on the
    same port. It counts as up once it answers HTTP at all."""

    def __init__(self, command: list[str], env: dict[str, str], port: int, log: Path) -> None:
        self.command, self.env, self.port, self.log = command, env, port, log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.command, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited at start:\n{self.log_tail()}")
            try:
                httpx.get(f"{self.base}/healthz", timeout=1.0)
                return
            except httpx.TransportError:
                time.sleep(0.02)
        raise RuntimeError(f"the server did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL the server's process, then wait until it is gone."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        """Stop it cleanly (SIGTERM), or kill it if it does not stop within 10 s."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_tail(self, lines: int = 60) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def pedmassage_server(url: str, log: Path, port: int | None = None) -> Server:
    """``pedmassage serve`` on ``url``'s database, as an operator runs it."""
    port = port or free_port()
    command = [*command_line(), "serve", "--host", "127.0.0.1", "--port", str(port)]
    return Server(command, environment(url), port, log)


# The ward and its sessions


@dataclass(frozen=True)
class Bed:
    """A child on the ward and the screening their sessions rest on."""

    child_id: str
    screening_id: str
    screened_at: datetime


def authorised(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def screened_children(base: str, token: str, count: int, clients: int = 16) -> list[Bed]:
    """``count`` children added and screened through the API, ``clients`` at a time."""
    screened_at = datetime.now(UTC).replace(microsecond=0) - SCREENED_AGO
    with (
        httpx.Client(base_url=base, headers=authorised(token), timeout=60) as http,
        ThreadPoolExecutor(clients) as pool,
    ):
        return list(pool.map(lambda i: admit(http, i, screened_at), range(count)))


def admit(http: httpx.Client, i: int, screened_at: datetime) -> Bed:
    """Child ``i`` (9 to 15 years old, a fresh temperature), screened at ``screened_at``."""
    child = {
        "display_name": f"Bench Child {i + 1}",
        "birth_date": (screened_at.date() - timedelta(days=9 * 365 + (i * 37) % 2190)).isoformat(),
        "sex": ("female", "male")[i % 2],
        "ward": f"Ward {1 + i % 4}",
        "vitals": [
            {
                "code": "temperature",
                "value": 36.5 + (i % 5) / 10,
                "unit": "Cel",
                "taken_at": (screened_at - timedelta(minutes=30)).isoformat(),
            }
        ],
        "guardians": [{"name": f"Parent {i + 1}", "relationship": "mother"}],
    }
    child_id = created(http.post("/api/v1/children", json=child))["id"]
    screening = {
        "therapist": THERAPIST,
        "assessed_at": screened_at.isoformat(),
        "guardian_consent": True,
        "child_assent": True,
    }
    screened = created(http.post(f"/api/v1/children/{child_id}/screenings", json=screening))
    if screened["result"]["decision"] != "proceed":
        raise RuntimeError(f"a bench child's screening did not proceed: {screened['result']}")
    return Bed(child_id, screened["id"], screened_at)


def created(response: httpx.Response) -> dict[str, Any]:
    if response.status_code != 201:
        request = response.request
        raise RuntimeError(
            f"{request.method} {request.url.path} -> {response.status_code}: {response.text}"
        )
    return dict(response.json())


class Sessions:
    """Session ``n`` of a ward: a different valid session for each ``n``, the same body each time
    it is asked for, so what was sent can be checked later from ``n`` alone."""

    def __init__(self, beds: list[Bed]) -> None:
        self.beds = beds
        room = datetime.now(UTC) - FIRST_START - min(bed.screened_at for bed in beds)
        self.starts_per_child = room // SPACING + 1

    def __len__(self) -> int:
        return len(self.beds) * self.starts_per_child

    def bed(self, n: int) -> Bed:
        if n >= len(self):
            raise IndexError(f"session {n}: the ward has room for {len(self)}; add children")
        return self.beds[n % len(self.beds)]

    def path(self, n: int) -> str:
        return f"/api/v1/children/{self.bed(n).child_id}/sessions"

    def body(self, n: int) -> dict[str, Any]:
        bed, rng = self.bed(n), random.Random(n)
        started = bed.screened_at + FIRST_START + (n // len(self.beds)) * SPACING
        minutes = rng.randint(5, 10)
        before = rng.randint(2, 9)
        body: dict[str, Any] = {
            "screening_id": bed.screening_id,
            "therapist": THERAPIST,
            "started_at": started.isoformat(),
            "minutes": minutes,
            "pressure": rng.randint(1, 3),
            "regions": rng.sample(REGIONS, rng.randint(1, 3)),
            "technique": rng.choice(TECHNIQUES),
            "guardian_consent_by": "mother, at the bedside",
            "consent_method": rng.choice(["in_person", "phone"]),
            "child_assent": True,
            "pre": {"instrument": "nrs_11", "items": {"score": before}},
            "post": {"instrument": "nrs_11", "items": {"score": rng.randint(0, before)}},
            "heart_rate_pre": rng.randint(75, 110),
            "heart_rate_post": rng.randint(65, 100),
            "spo2_pre": rng.randint(95, 100),
            "spo2_post": rng.randint(95, 100),
            "cues": rng.sample(CUES, rng.randint(0, 2)),
            "adverse_events": [],
            "response": rng.choice(["Settled quickly.", "Asked for the back again.", ""]),
            "note": NOTE.format(n=n),
        }
        if n % 10 == 0:
            body["adverse_events"] = [
                {
                    "occurred_at": (started + timedelta(minutes=2)).isoformat(),
                    "description": "Brief redness where the pressure was firmest.",
                    "severity": "mild",
                    "action_taken": "Lighter strokes for the rest of the session.",
                }
            ]
        return body

    def content(self, n: int) -> bytes:
        return json.dumps(self.body(n)).encode()


SAME_FIELDS = [
    "screening_id", "therapist", "minutes", "pressure", "regions", "technique",
    "guardian_consent_by", "consent_method", "child_assent", "heart_rate_pre", "heart_rate_post",
    "spo2_pre", "spo2_post", "cues", "response", "note",
]  # fmt: skip


def differences(sent: dict[str, Any], child_id: str, stored: dict[str, Any]) -> list[str]:
    """The fields in which a stored session (``GET /api/v1/sessions/{id}``) is not what was sent
    for it: empty when it is whole."""
    wrong = [field for field in SAME_FIELDS if stored.get(field) != sent[field]]
    if stored.get("child_id") != child_id:
        wrong.append("child_id")
    if stored.get("status") != "completed":
        wrong.append("status")
    started = datetime.fromisoformat(sent["started_at"])
    times = {"started_at": started, "ended_at": started + timedelta(minutes=sent["minutes"])}
    wrong += [name for name, when in times.items() if _time(stored.get(name)) != when]
    measures = {
        m["timepoint"]: (m["instrument_id"], m["items"]) for m in stored.get("measures", [])
    }
    expected = {t: (sent[t]["instrument"], sent[t]["items"]) for t in ("pre", "post")}
    if len(stored.get("measures", [])) != 2 or measures != expected:
        wrong.append("measures")
    events = [_event(e) for e in stored.get("adverse_events", [])]
    if events != [_event(e) for e in sent["adverse_events"]]:
        wrong.append("adverse_events")
    return wrong


def number_of(stored: dict[str, Any]) -> int | None:
    """The number of the session a stored one was sent as, from its note."""
    found = NOTE_PATTERN.fullmatch(stored.get("note", ""))
    return int(found.group(1)) if found else None


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _event(event: dict[str, Any]) -> tuple[Any, ...]:
    fields = ("description", "severity", "action_taken")
    return (_time(event.get("occurred_at")), *(event.get(f) for f in fields))
