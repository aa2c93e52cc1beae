"""No acknowledged session is ever lost, whenever the server dies.

``pedmassage serve`` runs on a database file of its own (SQLite) or a freshly created PostgreSQL
database, and 16 clients record sessions as fast as it answers (``POST
/api/v1/children/{child_id}/sessions``, each a different valid session), noting every session the
server acknowledged with a 201. Meanwhile the server is killed with SIGKILL at random moments
(default 20 times), with no chance to finish what it was doing, and started again each time; the
clients keep going. While it is down their requests get no answer: expected, and not counted
against the server (such a session may or may not have been stored; it was never acknowledged).
An answer 5xx is a server error.

At the end every acknowledged session is read back (``GET /api/v1/sessions/{id}``) from the server
as it restarted after the last kill, and must be there and whole: its child, screening, times,
delivery, consent, both measures, cues, notes and adverse events equal to what was sent. Every
session stored, acknowledged or not, must be whole and stored once: a transaction cut short by a
kill leaves nothing behind.
Target: nothing lost, nothing partial and no server error (the exit status is 1 otherwise).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx

from live_sessions import (
    JSON,
    Server,
    Sessions,
    authorised,
    differences,
    fresh_database,
    number_of,
    pedmassage_server,
    postgres_base,
    postgres_reachable,
    screened_children,
    set_up,
)

KILLS = 20
CLIENTS = 16
CHILDREN = 32
"""Room for about 2,000 sessions (each child has about 60 starts)."""
UP_FOR = (0.3, 1.5)
"""How long the server runs before each kill, in seconds: a random time in this range."""
DATABASE_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


@dataclass
class Tally:
    """What the clients were told, kept as they go (several threads at once)."""

    sent: int = 0
    acknowledged: dict[str, int] = field(default_factory=dict)
    """Session id -> the number of the session sent (:class:`Sessions` gives its body again)."""
    server_errors: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    unanswered: int = 0
    ward_full: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_number(self) -> int:
        with self.lock:
            self.sent += 1
            return self.sent - 1

    def note(self, n: int, response: httpx.Response) -> None:
        with self.lock:
            if response.status_code == 201:
                self.acknowledged[response.json()["id"]] = n
            elif response.status_code >= 500:
                self.server_errors.append(described(response))
            else:
                self.refused.append(described(response))

    def note_unanswered(self) -> None:
        with self.lock:
            self.unanswered += 1


@dataclass
class Outcome:
    """One trial: what was acknowledged, what was found whole, what went wrong."""

    database: str
    kills: int
    acknowledged: int
    found: int
    lost: list[str]
    stored: int
    """Sessions stored in all, acknowledged or not."""
    broken: list[str]
    """Stored sessions that are partial or doubled."""
    server_errors: list[str]
    refused: list[str]
    unanswered: int
    ward_full: bool
    server_log: str = ""

    @property
    def safe(self) -> bool:
        return not self.lost and not self.broken and not self.server_errors


def described(response: httpx.Response) -> str:
    request = response.request
    return f"{request.method} {request.url.path} -> {response.status_code}: {response.text[:500]}"


def record(base: str, token: str, sessions: Sessions, tally: Tally, stop: threading.Event) -> None:
    """One client: record sessions until told to stop, through kills and restarts."""
    with httpx.Client(base_url=base, headers=authorised(token), timeout=30) as http:
        n = tally.next_number()
        while not stop.is_set() and n < len(sessions):
            try:
                response = http.post(sessions.path(n), content=sessions.content(n), headers=JSON)
            except httpx.ConnectError:  # the server is down: nothing was sent, send it again
                stop.wait(0.05)
                continue
            except httpx.TransportError:  # the server died before it answered
                tally.note_unanswered()  # (it may have stored the session: send another one)
            else:
                tally.note(n, response)
            n = tally.next_number()
        if n >= len(sessions):
            tally.ward_full = True


def patient_get(http: httpx.Client, path: str, attempts: int = 3) -> httpx.Response:
    """A GET tried again, after a pause, when it gets no answer."""
    for _ in range(attempts - 1):
        try:
            return http.get(path)
        except httpx.TransportError:
            time.sleep(0.5)
    return http.get(path)


def check(http: httpx.Client, sessions: Sessions, session_id: str, n: int) -> str | None:
    """What is wrong with an acknowledged session as stored now, or None if it is there and whole.
    Raises on a server error."""
    response = patient_get(http, f"/api/v1/sessions/{session_id}")
    if response.status_code >= 500:
        raise RuntimeError(described(response))
    if response.status_code == 404:
        return f"{session_id} (session {n}): missing"
    if response.status_code != 200:
        return f"{session_id} (session {n}): {described(response)}"
    wrong = differences(sessions.body(n), sessions.bed(n).child_id, response.json())
    return f"{session_id} (session {n}): differs in {', '.join(wrong)}" if wrong else None


def read_back(base: str, token: str, sessions: Sessions, tally: Tally, clients: int) -> list[str]:
    """Every acknowledged session checked: what is lost or not whole. Server errors go to
    ``tally``."""

    def one(item: tuple[str, int]) -> str | None:
        try:
            return check(http, sessions, *item)
        except RuntimeError as exc:
            with tally.lock:
                tally.server_errors.append(str(exc))
            return None

    with (
        httpx.Client(base_url=base, headers=authorised(token), timeout=30) as http,
        ThreadPoolExecutor(clients) as pool,
    ):
        return [problem for problem in pool.map(one, tally.acknowledged.items()) if problem]


def stored_on_the_ward(base: str, token: str, sessions: Sessions) -> tuple[int, list[str]]:
    """Every session stored, acknowledged or not (``GET /api/v1/children/{id}/sessions``): how
    many, and those stored only in part, stored twice, or not sent by the clients at all."""
    problems, seen = [], set()
    with httpx.Client(base_url=base, headers=authorised(token), timeout=30) as http:
        for bed in sessions.beds:
            response = patient_get(http, f"/api/v1/children/{bed.child_id}/sessions")
            if response.status_code != 200:
                problems.append(described(response))
                continue
            for stored in response.json():
                n = number_of(stored)
                if n is None or n >= len(sessions) or sessions.bed(n) != bed:
                    problems.append(f"{stored['id']}: not a session the clients sent")
                elif n in seen:
                    problems.append(f"{stored['id']} (session {n}): stored twice")
                elif wrong := differences(sessions.body(n), bed.child_id, stored):
                    problems.append(f"{stored['id']} (session {n}): partial, {', '.join(wrong)}")
                seen.add(n)
    return len(seen), problems


def crash_repeatedly(
    server: Server, kills: int, rng: random.Random, up_for: tuple[float, float]
) -> None:
    """Let the server run a random while, SIGKILL it, start it again; ``kills`` times over."""
    for _ in range(kills):
        time.sleep(rng.uniform(*up_for))
        server.kill()
        server.start()
    time.sleep(rng.uniform(*up_for))  # the clients write on after the last restart too


def run(
    url: str,
    logs: Path,
    *,
    kills: int = KILLS,
    clients: int = CLIENTS,
    children: int = CHILDREN,
    seed: int = 20261125,
    up_for: tuple[float, float] = UP_FOR,
    database: str = "",
) -> Outcome:
    """The whole trial on an empty database at ``url`` (migrated and set up here)."""
    token = set_up(url)
    tally, stop = Tally(), threading.Event()
    with pedmassage_server(url, logs / "server.log") as server:
        sessions = Sessions(screened_children(server.base, token, children))
        writers = [
            threading.Thread(target=record, args=(server.base, token, sessions, tally, stop))
            for _ in range(clients)
        ]
        for writer in writers:
            writer.start()
        try:
            crash_repeatedly(server, kills, random.Random(seed), up_for)
        finally:
            stop.set()
            for writer in writers:
                writer.join()
        lost = read_back(server.base, token, sessions, tally, clients)
        stored, broken = stored_on_the_ward(server.base, token, sessions)
        errors = bool(tally.server_errors)
        return Outcome(
            database=database or url.split(":", 1)[0],
            kills=kills,
            acknowledged=len(tally.acknowledged),
            found=len(tally.acknowledged) - len(lost),
            lost=lost,
            stored=stored,
            broken=broken,
            server_errors=tally.server_errors,
            refused=tally.refused,
            unanswered=tally.unanswered,
            ward_full=tally.ward_full,
            server_log=server.log_tail() if errors else "",
        )


def report(outcome: Outcome, clients: int) -> None:
    print(
        f"\ncrash safety on {outcome.database}: {clients} clients recording sessions, the server "
        f"killed (SIGKILL) {outcome.kills} times at random moments and restarted"
    )
    print(f"acknowledged (201)   {outcome.acknowledged:6d}")
    print(f"found whole          {outcome.found:6d}")
    print(f"lost                 {len(outcome.lost):6d}")
    print(f"stored in all        {outcome.stored:6d}  (acknowledged or not)")
    print(f"partial or doubled   {len(outcome.broken):6d}")
    print(f"server errors (5xx)  {len(outcome.server_errors):6d}")
    print(f"refused (4xx)        {len(outcome.refused):6d}")
    print(f"no answer            {outcome.unanswered:6d}  (cut off by a kill: never acknowledged)")
    for title, lines in [
        ("lost", outcome.lost),
        ("partial or doubled", outcome.broken),
        ("server errors", outcome.server_errors),
        ("refused", outcome.refused),
    ]:
        for line in lines[:10]:
            print(f"  {title}: {line}")
    if outcome.ward_full:
        print("  the ward ran out of sessions before the last kill: add --children")
    if outcome.server_log:
        print(f"server log (end):\n{outcome.server_log}")
    verdict = "meets" if outcome.safe else "MISSES"
    print(f"target nothing lost, nothing partial, no server error: {verdict}")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=KILLS, help="SIGKILLs per database")
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--children", type=int, default=CHILDREN, help="children on the ward")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="PostgreSQL server to create the database on "
        "(default: $PEDMASSAGE_TEST_DATABASE_URL, else postgres on 127.0.0.1:5432)",
    )
    parser.add_argument("--seed", type=int, default=20261125, help="for the kill moments")
    return parser.parse_args()


def databases(args: argparse.Namespace, postgres: str) -> list[str]:
    """The databases to try: PostgreSQL is left out of "both" when it cannot be reached."""
    kinds = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    if "postgres" in kinds and not postgres_reachable(postgres):
        if args.database == "postgres":
            raise SystemExit(f"PostgreSQL not reachable at {postgres}")
        print(f"PostgreSQL not reachable at {postgres}: SQLite only")
        kinds.remove("postgres")
    return kinds


def main() -> int:
    args = arguments()
    postgres = postgres_base(args.postgres)
    outcomes = []
    for kind in databases(args, postgres):
        with (
            fresh_database(kind, postgres) as url,
            tempfile.TemporaryDirectory(prefix="pedmassage-crash-") as folder,
        ):
            outcome = run(
                url, Path(folder), kills=args.kills, clients=args.clients,
                children=args.children, seed=args.seed, database=DATABASE_NAMES[kind],
            )  # fmt: skip
        report(outcome, args.clients)
        outcomes.append(outcome)
    return 0 if all(outcome.safe for outcome in outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(main())
