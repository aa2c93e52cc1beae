"""Recording a whole session over real HTTP, 32 clients at once, beside a bare POST endpoint.

``POST /api/v1/children/{child_id}/sessions`` documents a whole session in one request: the bearer
token is looked up, the policy asked, the body validated, the session checked against the screening
it rests on and within what that screening allows, its pain measures scored, an entry appended to
the hash-chained audit log and the transaction committed before the 201 is sent. Every request
carries a different valid session (another child, or the same child at another time), so every
one is a real write.

Baseline, measured in the same run: a bare Starlette app whose one POST endpoint, on the same
path, reads the same bodies and answers 201, so what the two differ by is the app's own work, not
HTTP. Each app is served by uvicorn in a process of its own on 127.0.0.1 (pedmassage through
``pedmassage serve``, as an operator runs it) and hit by 32 concurrent clients, each with one
keep-alive connection: a warm-up, then a fixed measured time. pedmassage runs on a fresh SQLite
file and, when a PostgreSQL server is reachable, on a freshly created PostgreSQL database; each is
migrated and given its site, therapist and API token, and its children are added and screened
through the API, before any clock starts.

The clients speak HTTP/1.1 over asyncio streams themselves (``--client httpx2`` uses httpx2's
async client instead). They share the machine with the server, so the lighter they are, the more
of it the server gets: on a 2-CPU machine httpx2's own time held the baseline to between an eighth
and a third of the rate these clients get from it, which flattered the ratio by as much.

Rate: 2xx answers received in the measured time, per second. Latency: from sending a request to
its whole answer, as the client sees it, for answers received in the measured time. Errors: every
answer that is not 2xx and every request that got no answer, warm-up included.
Targets: 0 errors, pedmassage's rate >= 50 % of the baseline's, p99 <= 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import httpx2 as httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from live_sessions import (
    JSON,
    SCREENED_AGO,
    Bed,
    Server,
    Sessions,
    authorised,
    free_port,
    fresh_database,
    pedmassage_server,
    postgres_base,
    postgres_reachable,
    screened_children,
    set_up,
)

BENCH = Path(__file__).resolve().parent
CLIENTS = 32
WARMUP = 2.0
DURATION = 10.0
CHILDREN = 96
"""Room for about 6,000 sessions (each child has about 60 starts): 500 a second for 12 s."""
RATE_TARGET = 0.5
P99_TARGET_MS = 50.0
DATABASE_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
NO_ANSWER = 0


def baseline_app() -> Starlette:
    """The baseline: one POST endpoint that reads the body and answers 201, nothing more."""

    async def record(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse({"id": request.path_params["child_id"]}, status_code=201)

    route = Route("/api/v1/children/{child_id}/sessions", record, methods=["POST"])
    return Starlette(routes=[route])


# The clients


class Client(Protocol):
    """One client's connection to the app."""

    async def post(self, path: str, body: bytes) -> tuple[int, str]:
        """The answer's status and text; :data:`NO_ANSWER` and why, when there was none."""
        ...

    async def close(self) -> None: ...


class Wire:
    """One keep-alive HTTP/1.1 connection spoken directly over asyncio streams, reopened when the
    server closes it. It reads answers that state their length (every answer these apps give)."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        address = urlsplit(base)
        self.host, self.port = address.hostname or "127.0.0.1", address.port or 80
        fields = {"Host": address.netloc, **JSON, **headers}
        self.fields = "".join(f"{name}: {value}\r\n" for name, value in fields.items())
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, path: str, body: bytes) -> tuple[int, str]:
        try:
            if self.streams is None:
                self.streams = await asyncio.open_connection(self.host, self.port)
            reader, writer = self.streams
            head = f"POST {path} HTTP/1.1\r\n{self.fields}Content-Length: {len(body)}\r\n\r\n"
            writer.write(head.encode() + body)
            status_line, *lines = (await reader.readuntil(b"\r\n\r\n")).decode().split("\r\n")
            answer = header_fields(lines)
            if "content-length" not in answer:
                raise ValueError(f"an answer without a length: {status_line}")
            text = (await reader.readexactly(int(answer["content-length"]))).decode()
            if answer.get("connection") == "close":
                await self.close()
            return int(status_line.split()[1]), text
        except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
            await self.close()
            return NO_ANSWER, repr(exc)

    async def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


def header_fields(lines: list[str]) -> dict[str, str]:
    """An answer's header fields, names in lower case."""
    fields = {}
    for line in lines:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    return fields


class Httpx:
    """httpx2's async client, shared by the clients, with a keep-alive connection for each."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def post(self, path: str, body: bytes) -> tuple[int, str]:
        try:
            response = await self.http.post(path, content=body, headers=JSON)
        except httpx.TransportError as exc:
            return NO_ANSWER, repr(exc)
        return response.status_code, response.text

    async def close(self) -> None:
        pass


# The load


@dataclass
class Load:
    """What the clients saw of one app."""

    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    first_error: str = ""
    server_log: str = ""
    ward_full: bool = False

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile_ms(self, p: int) -> float:
        if len(self.latencies) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies, n=100)[p - 1] * 1000

    def error_count(self) -> int:
        return sum(self.errors.values())


async def hit(
    base: str,
    sessions: Sessions,
    headers: dict[str, str],
    name: str,
    args: argparse.Namespace,
    *,
    repeat: bool = False,
) -> Load:
    """``args.clients`` clients posting sessions 0, 1, 2, … for the warm-up and measured time;
    ``repeat``: start again at 0 when the ward has no room left (the baseline stores nothing)."""
    load = Load(name, args.seconds)
    numbers = itertools.count()
    measured_from = time.perf_counter() + args.warmup
    until = measured_from + args.seconds

    async def run(client: Client) -> None:
        while time.perf_counter() < until:
            n = next(numbers) % len(sessions) if repeat else next(numbers)
            if n >= len(sessions):
                load.ward_full = True
                break
            path = sessions.path(n)
            sent = time.perf_counter()
            status, answer = await client.post(path, sessions.content(n))
            answered = time.perf_counter()
            if not 200 <= status < 300:
                load.errors[str(status or "no answer")] += 1
                load.first_error = load.first_error or f"POST {path} -> {status}: {answer[:500]}"
            elif measured_from <= answered <= until:
                load.latencies.append(answered - sent)
        await client.close()

    if args.client == "httpx2":
        limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
        async with httpx.AsyncClient(
            base_url=base, headers=headers, limits=limits, timeout=60
        ) as http:
            await asyncio.gather(*(run(Httpx(http)) for _ in range(args.clients)))
    else:
        await asyncio.gather(*(run(Wire(base, headers)) for _ in range(args.clients)))
    return load


def measure_baseline(logs: Path, args: argparse.Namespace) -> Load:
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "--app-dir", str(BENCH), "--factory",
        "write_path:baseline_app", "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "warning",
    ]  # fmt: skip
    screened_at = datetime.now(UTC) - SCREENED_AGO
    beds = [
        Bed(f"01BENCHCHILD{i:014d}", f"01BENCHSCREEN{i:013d}", screened_at)
        for i in range(args.children)
    ]
    name = "bare Starlette, POST -> 201"
    with Server(command, dict(os.environ), port, logs / "baseline.log") as server:
        load = asyncio.run(hit(server.base, Sessions(beds), {}, name, args, repeat=True))
        load.server_log = server.log_tail() if load.errors else ""
    return load


def measure_pedmassage(kind: str, postgres: str, logs: Path, args: argparse.Namespace) -> Load:
    name = f"pedmassage on {DATABASE_NAMES[kind]}"
    with fresh_database(kind, postgres) as url:
        token = set_up(url)
        with pedmassage_server(url, logs / f"{kind}.log") as server:
            beds = screened_children(server.base, token, args.children)
            load = asyncio.run(hit(server.base, Sessions(beds), authorised(token), name, args))
            load.server_log = server.log_tail() if load.errors else ""
    return load


# The report


def verdict(met: bool) -> str:
    return "meets" if met else "MISSES"


def report(baseline: Load, loads: list[Load], args: argparse.Namespace) -> None:
    print(
        f"write path over HTTP on 127.0.0.1: {args.clients} clients ({args.client}), "
        f"{args.warmup:g} s warm-up, {args.seconds:g} s measured, each app in its own uvicorn "
        "process"
    )
    print(f"{'':34}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for load in [baseline, *loads]:
        print(
            f"{load.name:34}{load.rate:9.1f}{load.percentile_ms(50):9.1f}"
            f"{load.percentile_ms(99):9.1f}{load.error_count():8d}"
        )
    for load in loads:
        ratio = load.rate / baseline.rate
        p99 = load.percentile_ms(99)
        print(f"{load.name}: ratio pedmassage / baseline {ratio:5.3f}x the rate")
        print(
            f"  target 0 errors: {verdict(load.error_count() == 0)}; "
            f"rate >= {RATE_TARGET:.0%} of baseline: {verdict(ratio >= RATE_TARGET)}; "
            f"p99 <= {P99_TARGET_MS:g} ms: {verdict(p99 <= P99_TARGET_MS)}"
        )
    for load in loads:
        if load.ward_full:
            print(f"{load.name}: the ward ran out of sessions (rate understated): add --children")
    for load in [baseline, *loads]:
        if load.errors:
            print(f"\n{load.name}: errors {dict(load.errors)}; first: {load.first_error}")
            print(f"server log (end):\n{load.server_log}")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--seconds", type=float, default=DURATION, help="measured time per app")
    parser.add_argument("--warmup", type=float, default=WARMUP, help="seconds before measuring")
    parser.add_argument("--children", type=int, default=CHILDREN, help="children on the ward")
    parser.add_argument("--client", choices=["wire", "httpx2"], default="wire")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="PostgreSQL server to create the database on "
        "(default: $PEDMASSAGE_TEST_DATABASE_URL, else postgres on 127.0.0.1:5432)",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    return parser.parse_args()


def main() -> int:
    args = arguments()
    postgres = postgres_base(args.postgres)
    kinds = ["sqlite"]
    if not args.no_postgres and postgres_reachable(postgres):
        kinds.append("postgres")
    elif not args.no_postgres:
        print(f"PostgreSQL not reachable at {postgres}: SQLite only")
    with tempfile.TemporaryDirectory(prefix="pedmassage-bench-logs-") as folder:
        logs = Path(folder)
        baseline = measure_baseline(logs, args)
        loads = [measure_pedmassage(kind, postgres, logs, args) for kind in kinds]
    report(baseline, loads, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
