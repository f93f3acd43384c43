"""`make bench`: seed a city on SQLite and on PostgreSQL, load the app beside a bare Litestar
endpoint, time the sweeps beside plain SQL, and print one table of what one run measured.

Sizes: ``BENCH_SCALE`` (default 1: the whole city, 1,000,000 elders with 1,000,000
allowances) multiplies elders and allowances; series are 20,000 at scale 1 (``BENCH_SERIES``):
every series visit due in the measured hour is a whole booking with matching, ~0.1 s each, so
the city's 100,000 series would take the series sweep alone past the 15 minutes a run may
take (its cost grows with the visits booked: five times the series, five times the time —
an estimate). Providers and caregivers stay at full size (10,000 / 50,000), since matching is
what they load. ``BENCH_SCALE=0.2`` is a quick run (about 3 minutes).
``BENCH_ENGINES=sqlite`` or ``postgres`` runs one engine; ``BENCH_SECONDS`` (default 6) is
the length of each load.
PostgreSQL gets a fresh database per run (createdb / dropdb on 127.0.0.1, user postgres).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
ZONE = ZoneInfo("Asia/Shanghai")
PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
SECONDS = float(os.environ.get("BENCH_SECONDS", "6"))
CONNECTIONS = 32
BOOK_OPS_PER_SECOND = 100  # each is a booking and its acceptance: 200 requests a second


@dataclass(frozen=True)
class Sizes:
    elders: int
    entitlements: int
    series: int
    providers: int
    caregivers: int
    visits: int

    @classmethod
    def scaled(cls, scale: float) -> Sizes:
        return cls(
            elders=int(1_000_000 * scale),
            entitlements=int(1_000_000 * scale),
            # Each series visit due in the measured hour is a whole booking with matching
            # (~0.1 s): 20,000 at scale 1 keeps the run inside 15 minutes (see above).
            series=int(os.environ.get("BENCH_SERIES", 20_000 * scale)),
            providers=int(os.environ.get("BENCH_PROVIDERS", 10_000)),
            caregivers=int(os.environ.get("BENCH_CAREGIVERS", 50_000)),
            # A year of finished visits (twenty a caregiver at scale 1): the history matching
            # must not read through.
            visits=int(os.environ.get("BENCH_VISITS", 1_000_000 * scale)),
        )


def say(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- databases


@contextlib.contextmanager
def database(engine: str) -> Iterator[str]:
    """A fresh database for this run, dropped afterwards."""
    if engine == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="eldercare-bench-"))
        try:
            yield f"sqlite:///{folder / 'bench.sqlite3'}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    name = f"eldercare_bench_{os.getpid()}"
    host = ["-h", "127.0.0.1", "-U", "postgres"]
    subprocess.run(["createdb", *host, name], check=True)
    try:
        yield f"{PG}/{name}"
    finally:
        subprocess.run(["dropdb", *host, "--if-exists", name], check=False)


def env_for(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELDERCARE_")}
    env.update(
        DATABASE_URL=url,
        ELDERCARE_RUN_SCHEDULER="0",
        ELDERCARE_SECRET_KEY="bench-" + "0" * 26,
        PYTHONPATH=str(ROOT),
    )
    return env


def seed(url: str, sizes: Sizes) -> float:
    started = time.perf_counter()
    args = [str(BIN / "eldercare"), "bench", "seed"]
    for name, value in asdict(sizes).items():
        args += [f"--{name}", str(value)]
    subprocess.run(args, env=env_for(url), cwd=ROOT, check=True)
    return time.perf_counter() - started


# --------------------------------------------------------------------------- fixtures for load


@dataclass
class Fixtures:
    staff_token: str
    admins: dict[int, str]
    caregivers: dict[int, list[int]]
    elders: list[int]


async def _fixtures(url: str) -> Fixtures:
    """API tokens for the bench's staff and every provider admin, written straight into
    auth_session (the hash is what sign-in stores), and the ids the requests need."""
    from bench.seed import STAFF_PHONE
    from bench.sqldb import BulkDb

    now = datetime.now(UTC)
    async with BulkDb(url) as db:
        users = await db.fetch(
            "SELECT id, phone, provider_id FROM app_user WHERE roles LIKE '%provider_admin%' "
            f"OR phone = '{STAFF_PHONE}'"
        )
        tokens = {u["id"]: secrets.token_urlsafe(24) for u in users}
        rows = [
            (
                hashlib.sha256(tokens[u["id"]].encode()).hexdigest(),
                u["id"],
                "api",
                now.isoformat(sep=" ") if db.is_sqlite else now,
                now.isoformat(sep=" ") if db.is_sqlite else now,
                (now + timedelta(days=1)).isoformat(sep=" ")
                if db.is_sqlite
                else now + timedelta(days=1),
            )
            for u in users
        ]
        await db.executemany(
            'INSERT INTO auth_session (token_hash, "user", kind, created_at, last_seen_at, '
            "expires_at, revoked_at, ip) VALUES (?, ?, ?, ?, ?, ?, NULL, '')",
            rows,
        )
        caregivers: dict[int, list[int]] = {}
        for row in await db.fetch("SELECT id, provider FROM caregiver WHERE active = TRUE"):
            caregivers.setdefault(row["provider"], []).append(row["id"])
        elders = [
            row["id"]
            for row in await db.fetch(
                "SELECT id FROM elder WHERE created_channel = 'bench' AND lat IS NOT NULL "
                "ORDER BY id % 997, id LIMIT 2000"
            )
        ]
    staff = next(u for u in users if u["phone"] == STAFF_PHONE)
    return Fixtures(
        staff_token=tokens[staff["id"]],
        admins={u["provider_id"]: tokens[u["id"]] for u in users if u["provider_id"]},
        caregivers=caregivers,
        elders=elders,
    )


def _local(day: date, minute: int) -> str:
    return datetime(
        day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=ZONE
    ).isoformat()


# --------------------------------------------------------------------------- servers


class Server:
    """``uvicorn <app> --factory`` with the same settings for the app and the bare endpoint,
    its resident memory sampled from /proc while it runs."""

    def __init__(self, app: str, port: int, env: dict[str, str]) -> None:
        self.app, self.port, self.env = app, port, env
        self.peak_rss_mb = self._phase_peak = 0.0
        self._stop = threading.Event()

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(
            [
                str(BIN / "uvicorn"),
                self.app,
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                "1",
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=self.env,
            cwd=ROOT,
        )
        self._wait_ready()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        return self

    def _wait_ready(self) -> None:
        import socket

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.app} exited with {self.process.returncode}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{self.app} did not start")

    def rss_mb(self) -> float:
        with open(f"/proc/{self.process.pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def _sample(self) -> None:
        while not self._stop.wait(0.25):
            with contextlib.suppress(OSError, ValueError):
                rss = self.rss_mb()
                self.peak_rss_mb = max(self.peak_rss_mb, rss)
                self._phase_peak = max(self._phase_peak, rss)

    def phase(self, result: dict) -> dict:
        """The load's result with the peak RSS seen since the previous phase ended."""
        result["rss_peak_mb"] = round(max(self._phase_peak, self.rss_mb()), 1)
        self._phase_peak = 0.0
        return result

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def load(spec: dict) -> dict:
    """The load generator in its own process (bench/load.py)."""
    with tempfile.TemporaryDirectory() as folder:
        spec_path, out_path = Path(folder) / "spec.json", Path(folder) / "out.json"
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        subprocess.run(
            [PYTHON, "-m", "bench.load", str(spec_path), str(out_path)], cwd=ROOT, check=True
        )
        return json.loads(out_path.read_text(encoding="utf-8"))


def closed(port: int, requests: list[dict], connections: int = CONNECTIONS) -> dict:
    return load(
        {
            "mode": "closed",
            "host": "127.0.0.1",
            "port": port,
            "connections": connections,
            "seconds": SECONDS,
            "warmup": 2.0,
            "requests": requests,
        }
    )


def http(url: str, fx: Fixtures, port: int) -> dict:
    env = env_for(url)
    today = datetime.now(ZONE).date()
    staff = {"Authorization": f"Bearer {fx.staff_token}"}
    found: dict[str, dict] = {}
    matches = [
        {
            "path": f"/api/v1/match?elder_id={elder}&service_code=lunch-delivery&start="
            + _local(today + timedelta(days=3 + i % 40), 600 + 30 * (i % 12)).replace("+", "%2B"),
            "headers": staff,
        }
        for i, elder in enumerate(fx.elders[:300])
    ]
    # The bare endpoint is measured before and after each of the app's reads and each is held
    # against the mean of the two: a machine whose speed drifts during the run (a shared VM
    # here swung by half between runs) then moves both sides of a ratio alike.
    with (
        Server("bench.bare:create_app", port + 1, env),
        Server("eldercare.app:create_app", port, env) as app,
    ):
        say("  bare Litestar endpoint")
        bare = [closed(port + 1, [{"path": "/bare"}])]
        for key, label, requests in (
            ("catalog", "GET /api/v1/catalog", [{"path": "/api/v1/catalog?region_code=510903"}]),
            ("page", "GET /menu", [{"path": "/menu?region_code=510903"}]),
            ("match", "GET /api/v1/match", matches),
        ):
            say(f"  {label}")
            found[key] = app.phase(closed(port, requests))
            say("  bare Litestar endpoint")
            bare.append(closed(port + 1, [{"path": "/bare"}]))
            found[key]["bare_rps"] = round((bare[-2]["rps"] + bare[-1]["rps"]) / 2, 1)
        found["bare"] = sorted(bare, key=lambda run: run["rps"])[len(bare) // 2]
        found["bare"]["runs_rps"] = [run["rps"] for run in bare]
        say(f"  POST /api/v1/bookings + accept at {2 * BOOK_OPS_PER_SECOND} req/s")
        # One visit an hour from 07:00 to 19:00, day after day: no two ever overlap, so every
        # acceptance can succeed whichever caregiver the provider sends.
        ops = [
            {
                "json": {
                    "elder_id": fx.elders[(300 + k) % len(fx.elders)],
                    "service_code": "lunch-delivery",
                    "start": _local(today + timedelta(days=2 + k // 13), 420 + 60 * (k % 13)),
                }
            }
            for k in range(int(BOOK_OPS_PER_SECOND * SECONDS) + 40)
        ]
        spec = {
            "mode": "book_accept",
            "host": "127.0.0.1",
            "port": port,
            "connections": 64,
            "staff_token": fx.staff_token,
            "admins": fx.admins,
            "caregivers": fx.caregivers,
        }
        load({**spec, "ops": ops[:40], "ops_per_second": 20, "seconds": 2})  # warm-up
        found["book"] = app.phase(
            load(
                {**spec, "ops": ops[40:], "ops_per_second": BOOK_OPS_PER_SECOND, "seconds": SECONDS}
            )
        )
        found["rss_peak_mb"] = round(app.peak_rss_mb, 1)
        found["rss_end_mb"] = round(app.rss_mb(), 1)
    found["match_pool"] = asyncio.run(_pool_size(url, fx.elders[:50]))
    return found


async def _pool_size(url: str, elders: list[int]) -> int:
    """How many approved providers offering lunch delivery lie in reach of a typical elder."""
    from bench.sqldb import BulkDb

    async with BulkDb(url) as db:
        rows = await db.fetch(
            "SELECT AVG(n) AS n FROM (SELECT e.id, COUNT(p.id) AS n FROM elder e JOIN provider p "
            "ON p.status = 'approved' AND (p.lat - e.lat) * (p.lat - e.lat) * 12321 + "
            "(p.lon - e.lon) * (p.lon - e.lon) * 9216 <= p.service_radius_km * p.service_radius_km "
            f"WHERE e.id IN ({', '.join(str(e) for e in elders) or '0'}) GROUP BY e.id) x"
        )
    return int(float(rows[0]["n"] or 0))


def sweeps(url: str) -> list[dict]:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "sweeps.json"
        subprocess.run(
            [PYTHON, "-m", "bench.sweeps", str(out)], env=env_for(url), cwd=ROOT, check=True
        )
        return json.loads(out.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- the run


def main() -> int:
    from bench import report

    scale = float(os.environ.get("BENCH_SCALE", "1"))
    engines = os.environ.get("BENCH_ENGINES", "sqlite,postgres").split(",")
    sizes = Sizes.scaled(scale)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    results: dict[str, dict] = {}
    for index, engine in enumerate(engines):
        say(f"{engine}: fresh database, seeding {sizes}")
        with database(engine) as url:
            seconds = seed(url, sizes)
            fx = asyncio.run(_fixtures(url))
            say(f"{engine}: HTTP")
            found = http(url, fx, 8800 + 10 * index)
            say(f"{engine}: sweeps")
            found["sweeps"] = sweeps(url)
            found["seed_seconds"] = round(seconds, 1)
            results[engine] = found
    took = time.perf_counter() - started
    table = report.render(results, sizes, scale, took, (load_before, os.getloadavg()[0]))
    (ROOT / "bench" / "last-run.json").write_text(
        json.dumps({"sizes": asdict(sizes), "scale": scale, "seconds": took, "results": results}),
        encoding="utf-8",
    )
    (ROOT / "bench" / "last-run.md").write_text(table, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
