"""A small HTTP/1.1 load generator for loopback, run in its own process (wrk is not on a fresh
machine here, and wrk cannot chain book → accept or hold a fixed rate).

Two modes, both bounded in time and in connections:
- closed loop: C keep-alive connections, each sending its next request when the last answer
  is in (like ``wrk -c C``), for D seconds after a warm-up;
- fixed rate: operations started R times a second whatever the answers, on up to C
  connections; latency counts from the moment an operation was due, so a slow server is
  not hidden by a loader that waited for it (no coordinated omission).

Requests are written by hand on asyncio streams (uvloop when installed): parsing only the
status line and Content-Length keeps the loader's cost per request far below the server's.
Run as ``python -m bench.load SPEC.json OUT.json``; bench/run.py writes the spec.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)

    def add(self, status: int, seconds: float) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.latencies.append(seconds)

    def summary(self, elapsed: float) -> dict[str, Any]:
        ordered = sorted(self.latencies)

        def pct(p: float) -> float | None:
            if not ordered:
                return None
            return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2)

        ok = sum(n for status, n in self.statuses.items() if 200 <= status < 300)
        return {
            "requests": len(ordered),
            "ok": ok,
            "rps": round(len(ordered) / elapsed, 1) if elapsed else 0.0,
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
            "max_ms": round(ordered[-1] * 1000, 2) if ordered else None,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": self.errors,
            "error_kinds": self.error_kinds,
        }


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, bytes]:
        if self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body:
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length, chunked, close = 0, False, False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                close = True
        if chunked:
            payload = b""
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                payload += await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            payload = await self.reader.readexactly(length) if length else b""
        if close:
            self.close()
        return status, payload

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


Request = tuple[str, str, dict[str, str], bytes]


def _requests(spec: dict[str, Any]) -> Callable[[], Request]:
    """A rotation over the spec's requests (method, path, headers, JSON body)."""
    items = [
        (
            r.get("method", "GET"),
            r["path"],
            {
                **r.get("headers", {}),
                **({"Content-Type": "application/json"} if "json" in r else {}),
            },
            json.dumps(r["json"]).encode() if "json" in r else b"",
        )
        for r in spec["requests"]
    ]
    cycle = itertools.cycle(items)
    return lambda: next(cycle)


async def closed_loop(spec: dict[str, Any]) -> dict[str, Any]:
    host, port = spec["host"], spec["port"]
    connections, duration, warmup = spec["connections"], spec["seconds"], spec.get("warmup", 1.0)
    following = _requests(spec)
    tally = Tally()
    started = time.perf_counter()
    measure_from = started + warmup
    stop = measure_from + duration

    async def worker() -> None:
        conn = Connection(host, port)
        while (now := time.perf_counter()) < stop:
            method, path, headers, body = following()
            try:
                status, _ = await conn.request(method, path, headers, body)
            except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                conn.close()
                if now >= measure_from:
                    tally.errors += 1
                    tally.error_kinds[type(error).__name__] = (
                        tally.error_kinds.get(type(error).__name__, 0) + 1
                    )
                continue
            if now >= measure_from:
                tally.add(status, time.perf_counter() - now)
        conn.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return tally.summary(duration)


async def book_and_accept(spec: dict[str, Any]) -> dict[str, Any]:
    """Fixed rate: each operation books a visit as staff, then the provider's admin accepts
    it with a caregiver of theirs (ops/s × 2 requests/s)."""
    host, port = spec["host"], spec["port"]
    rate, duration, limit = spec["ops_per_second"], spec["seconds"], spec["connections"]
    ops = spec["ops"]
    admins = {int(k): v for k, v in spec["admins"].items()}  # provider id → token
    caregivers = {int(k): v for k, v in spec["caregivers"].items()}  # provider id → ids
    turn: dict[int, int] = {}
    book_tally, accept_tally, late = Tally(), Tally(), 0
    idle: list[Connection] = []
    in_flight = 0

    async def one(op: dict[str, Any], due: float) -> None:
        nonlocal in_flight
        conn = idle.pop() if idle else Connection(host, port)
        try:
            body = json.dumps(op["json"]).encode()
            headers = {"Authorization": f"Bearer {spec['staff_token']}"}
            headers["Content-Type"] = "application/json"
            status, payload = await conn.request("POST", "/api/v1/bookings", headers, body)
            book_tally.add(status, time.perf_counter() - due)
            if status != 201:
                return
            booking = json.loads(payload)
            provider = booking["provider_id"]
            team = caregivers.get(provider) or [0]
            turn[provider] = turn.get(provider, -1) + 1
            caregiver = team[turn[provider] % len(team)]
            sent = time.perf_counter()
            status, _ = await conn.request(
                "POST",
                f"/api/v1/bookings/{booking['id']}/accept",
                {
                    "Authorization": f"Bearer {admins.get(provider, '')}",
                    "Content-Type": "application/json",
                },
                json.dumps({"caregiver_id": caregiver}).encode(),
            )
            accept_tally.add(status, time.perf_counter() - sent)
        except (OSError, asyncio.IncompleteReadError, ValueError, KeyError):
            conn.close()
            book_tally.errors += 1
        finally:
            in_flight -= 1
            if conn.writer is not None:
                idle.append(conn)

    started = time.perf_counter()
    tasks: list[asyncio.Task] = []
    for index, op in enumerate(ops[: int(rate * duration)]):
        due = started + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if in_flight >= limit:
            late += 1  # the server is this far behind: the operation is dropped, and counted
            continue
        in_flight += 1
        tasks.append(asyncio.create_task(one(op, due)))
    # Bounded: what has not finished DRAIN seconds after the last operation was due is
    # cancelled and counted, so a server far behind cannot hold the run for minutes.
    _, pending = await asyncio.wait(tasks, timeout=spec.get("drain", 15.0)) if tasks else ((), ())
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    elapsed = time.perf_counter() - started
    for conn in idle:
        conn.close()
    both = Tally(
        latencies=book_tally.latencies + accept_tally.latencies,
        statuses={},
        errors=book_tally.errors,
    )
    for tally in (book_tally, accept_tally):
        for status, n in tally.statuses.items():
            both.statuses[status] = both.statuses.get(status, 0) + n
    return {
        "unfinished": len(pending),
        "all": both.summary(elapsed),
        "book": book_tally.summary(elapsed),
        "accept": accept_tally.summary(elapsed),
        "dropped": late,
        "target_rps": rate * 2,
    }


def main() -> None:
    spec_path, out_path = sys.argv[1], sys.argv[2]
    with open(spec_path, encoding="utf-8") as handle:
        spec = json.load(handle)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    runner = book_and_accept if spec["mode"] == "book_accept" else closed_loop
    result = asyncio.run(runner(spec))
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
