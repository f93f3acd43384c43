"""Crash safety (issue 8): kill the server with SIGKILL at random moments under load, restart
it, and check that nothing acknowledged was lost, nothing is half-done, nothing happened twice.

    .venv/bin/python scripts/crash_test.py [--seed N] [--kills 20] [--keep] [--cold]

``DATABASE_URL`` names a fresh PostgreSQL database; without it a temporary SQLite file is
used. The seed is printed: ``--seed`` replays the same choices (the timing of the kills
against the requests is the machine's). Exit status 1 lists every violation found.

The server is ``eldercare serve`` with its scheduler, and the sweeps ``eldercare jobs run``
(crash_procs.py says how they are started). The clients (crash_load.py) book for 船山区's
elders as its community staff, accept as the provider's admin, register elders and apply
for both programs, and review as staff and officer; each 2xx answer is recorded. At the end:
SQLite's integrity check, every acknowledged write in the database with its audit row and
as answered, the half-done and duplicate checks of eldercare/integrity.py, every creation's
Idempotency-Key answered (and a replay giving the first answer), and the payment sweep run
twice as of one moment changing nothing the second time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from crash_load import CREATIONS, Client, Recorder, accepter, applicant, booker, reviewer, sweeper
from crash_procs import Launcher, Server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's eldercare (also when it is a copy)
from eldercare import demo_data  # noqa: E402  (pure data; tables load after DATABASE_URL is set)

T = TypeVar("T")
SKILLS = ("daily-care", "meals", "housekeeping", "companionship")  # no certificate needed
SWEEP_TABLES = ("subsidy_payment", "subsidy_review", "subsidy_entitlement", "audit_event")


def in_db(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine against the database, with a connection pool on PostgreSQL."""
    from eldercare import db

    async def pooled() -> T:
        await db.open_pool()
        try:
            return await coroutine
        finally:
            await db.close_pool()

    return asyncio.run(pooled())


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=None, help="replay a run's random choices")
    parser.add_argument("--kills", type=int, default=20, help="how many times to SIGKILL")
    parser.add_argument("--keep", action="store_true", help="keep the work folder and logs")
    parser.add_argument(
        "--cold", action="store_true", help="a fresh interpreter for every command (slower)"
    )
    return parser.parse_args()


# --------------------------------------------------------------------------- seeding


async def seed() -> dict[str, Any]:
    """A small city through the services (the full demo takes ~20 s on SQLite): the demo's
    officer, community staff and provider admin, the menu, one provider with six caregivers
    working every day 08:00-18:00, the demo's two programs, and 船山区's demo elders."""
    from eldercare.accounts import elders
    from eldercare.accounts import service as accounts
    from eldercare.accounts.tables import User
    from eldercare.actor import Actor
    from eldercare.catalog import demo as catalog_demo
    from eldercare.catalog import service as catalog
    from eldercare.providers import demo as providers_demo
    from eldercare.providers import service as providers
    from eldercare.subsidies import demo as subsidies_demo
    from eldercare.subsidies import programs
    from eldercare.subsidies.domain import ALLOWANCE, VOUCHER, Band

    if await User.count().run():
        raise SystemExit("the crash test needs a fresh database (this one has users already)")
    now = datetime.now(UTC)
    made = {}
    for spec in demo_data.STAFF[1:3]:  # the bureau officer and 船山区's community staff
        view = await accounts.create_user(
            phone=spec["phone"], password=demo_data.DEMO_PASSWORD, name=spec["name"],
            roles=[spec["role"]], region_code=spec["region_code"],
        )  # fmt: skip
        made[spec["role"]] = Actor(
            id=view.id, name=view.name, roles=(spec["role"],), region_code=spec["region_code"]
        )
    officer, staff = made["bureau_officer"], made["community_staff"]
    await catalog_demo.load_demo(now)
    name, licence, region, lat, lon, radius = providers_demo.PROVIDERS[0][:6]
    provider = await providers.register_provider(
        officer,
        providers.ProviderInput(
            name=name, license_no=licence, region_code=region, lat=lat, lon=lon,
            service_radius_km=radius, address="南津路 18 号",
        ),
        make_admin=False, now=now,
    )  # fmt: skip
    await providers.decide(officer, provider.id, "approve", now=now)
    team = Actor(id=0, name="seed", roles=("provider_admin",), provider_id=provider.id)
    caregiver_ids = []
    for number in range(6):
        caregiver = await providers.add_caregiver(
            team,
            provider.id,
            providers.CaregiverInput(
                name=f"护理员{'一二三四五六'[number]}",
                phone=f"158000{number:05d}",
                skills=list(SKILLS),
            ),
            now=now,
        )
        weekly = [(day, "08:00", "18:00") for day in range(7)]
        await providers.set_availability(team, provider.id, caregiver.id, weekly, [], now=now)
        caregiver_ids.append(caregiver.id)
    codes = []
    for item in await catalog.all_items():
        cap = await catalog.price_cap(item.code, region) if item.skill in SKILLS else None
        if item.active and cap:
            await providers.set_offering(team, provider.id, item.code, cap, now=now)
            codes.append(item.code)
    phone, admin_name, _ = providers_demo.ADMIN_ACCOUNTS[0]
    await accounts.create_user(
        phone=phone, password=demo_data.DEMO_PASSWORD, name=admin_name,
        roles=["provider_admin"], provider_id=provider.id,
    )  # fmt: skip
    for code, kind, bands in (
        (subsidies_demo.ALLOWANCE_CODE, ALLOWANCE, [Band(80, 89, 10000), Band(90, None, 30000)]),
        (subsidies_demo.VOUCHER_CODE, VOUCHER, [Band(80, None, 20000)]),
    ):
        await programs.create_program(
            officer,
            programs.ProgramInput(
                code=code, name=code, kind=kind, region_code="510900", bands=bands,
                annual_review=kind == ALLOWANCE,
            ),
            now=now,
        )  # fmt: skip
    elder_ids = []
    for elder in demo_data.demo_elders(accounts.local_today(now)):
        if elder["region_code"].startswith("510903"):
            fields = ("name", "id_number", "phone", "address", "region_code", "lat", "lon")
            data = elders.ElderInput(**{key: elder[key] for key in fields})
            elder_ids.append((await elders.add_elder(staff, data, channel="counter", now=now)).id)
    return {
        "provider_id": provider.id,
        "caregiver_ids": caregiver_ids,
        "service_codes": codes,
        "elder_ids": elder_ids,
        "programs": [subsidies_demo.ALLOWANCE_CODE, subsidies_demo.VOUCHER_CODE],
    }


# --------------------------------------------------------------------------- the run


def drive(server: Server, setup: dict[str, Any], args, rng, rec: Recorder, work: Path) -> list:
    """Start the clients, kill and restart the server ``--kills`` times, stop the clients."""
    from eldercare.providers.demo import ADMIN_ACCOUNTS

    stop = threading.Event()
    password = demo_data.DEMO_PASSWORD
    officer, staff = demo_data.STAFF[1]["phone"], demo_data.STAFF[2]["phone"]
    admin = ADMIN_ACCOUNTS[0][0]
    rec.elders.extend(setup["elder_ids"])
    workers = [
        (booker, staff, setup),
        (booker, staff, setup),
        (accepter, admin, setup),
        (applicant, staff, setup),
        (reviewer, staff, {"submitted": "accept", "accepted": "pass"}),
        (reviewer, officer, {"reviewed": "approve"}),
    ]
    threads, clients = [], []
    for number, (task, phone, extra) in enumerate(workers):
        client = Client(server.url, phone, password, rec, stop)
        clients.append(client)
        worker_rng = random.Random(args.seed * 100 + number)
        threads.append(threading.Thread(target=task, args=(client, worker_rng, extra)))
    sweep_rng = random.Random(args.seed * 100 + 99)
    sweeping = (rec, sweep_rng, stop, server.launcher, work / "sweeps.log")
    threads.append(threading.Thread(target=sweeper, args=sweeping))
    for thread in threads:
        thread.start()
    try:
        for kill in range(args.kills):
            time.sleep(rng.uniform(0.3, 1.5))  # up long enough for a few dozen requests
            mid_write = rng.random() < 0.5
            if mid_write:  # half the kills land a few milliseconds into a write
                rec.wait_for_write(timeout=1.0)
                time.sleep(rng.uniform(0.0, 0.05))
            server.kill()
            began = time.monotonic()
            server.start()
            how = " mid-write" if mid_write else ""
            print(
                f"  kill {kill + 1}/{args.kills}{how}: up again in {time.monotonic() - began:.1f} s",
                flush=True,
            )
        time.sleep(0.5)  # some load on the last restart, then stop
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    rec.user_ids = sorted({client.user_id for client in clients})
    return clients


def replay(clients: list[Client], rec: Recorder, rng: random.Random) -> int:
    """Send acknowledged creations again with the same key and body: the first answer must
    come back, marked as replayed, and nothing more may be created."""
    from eldercare import integrity

    tables = ("booking", "elder", "subsidy_application", "audit_event")
    before = in_db(integrity.table_counts(tables))
    by_user = {client.user_id: client for client in clients}
    keyed = [ack for ack in rec.acks if ack.get("key")]
    sample = rng.sample(keyed, min(len(keyed), 150))
    for ack in sample:
        answer = by_user[ack["user_id"]].request("POST", ack["path"], ack["body"], key=ack["key"])
        if (
            answer is None
            or answer.status_code != 201
            or answer.headers.get("Idempotent-Replayed") != "true"
            or answer.json()["id"] != ack["entity_id"]
        ):
            got = answer and f"{answer.status_code} {answer.text[:200]}"
            rec.problem(f"replaying key {ack['key']} ({ack['path']}, first answered "
                        f"{ack['entity_id']}) gave {got}")  # fmt: skip
    after = in_db(integrity.table_counts(tables))
    if before != after:
        rec.problem(f"replaying {len(sample)} keys changed the row counts: {before} -> {after}")
    return len(sample)


def sweep_twice(launcher: Launcher, work: Path, rec: Recorder) -> str:
    """Each sweep run again as of the same moment must create and change nothing."""
    from eldercare import integrity

    at = (datetime.now(UTC) + timedelta(days=460)).isoformat(timespec="seconds")
    lines = []
    for name in ("monthly_payments", "monthly_payments", "annual_reviews"):
        before = in_db(integrity.table_counts(SWEEP_TABLES))
        lines.append(
            launcher.run(["jobs", "run", name, "--at", at], work / "last.log").splitlines()[-1]
        )
        after = in_db(integrity.table_counts(SWEEP_TABLES))
        if len(lines) > 1 and before != after:
            changed = {
                k: (before.get(k), after.get(k))
                for k in before | after
                if before.get(k) != after.get(k)
            }
            rec.problem(f"{name} re-run as of {at} changed {changed}")
    return "; ".join(lines)


async def check(rec: Recorder, first_audit: int) -> list[str]:
    from eldercare import integrity

    problems = await integrity.storage_problems()
    problems += [str(v) for v in await integrity.find_violations()]
    acks = [
        integrity.Acknowledged(
            a["entity"], a["entity_id"], a["action"], tuple(map(tuple, a.get("expect", [])))
        )
        for a in rec.acks
    ]
    # Idempotency: every creation by our users is answered in its key, and every stored
    # answer's row exists (the use case and the answer commit together).
    answered: dict[str, set[int]] = {path: set() for path in CREATIONS}
    acked_ids = {ack["key"]: ack["entity_id"] for ack in rec.acks if ack.get("key")}
    for row in await integrity.answered_keys(rec.user_ids):
        attempt = rec.attempts.get(row["key"])
        if attempt is None or row["state"] != "done":
            continue
        entity_id = json.loads(row["body"])["id"]
        answered[attempt["path"]].add(entity_id)
        entity, action = CREATIONS[attempt["path"]]
        acks.append(integrity.Acknowledged(entity, entity_id, action))
        if row["key"] in acked_ids and acked_ids[row["key"]] != entity_id:
            problems.append(
                f"key {row['key']} answered {acked_ids[row['key']]}, stored {entity_id}"
            )
    for path, (entity, action) in CREATIONS.items():
        created = await integrity.audited_ids(
            action, actor_ids=rec.user_ids, after_audit_id=first_audit
        )
        for entity_id in sorted(created - answered[path]):
            problems.append(
                f"{entity} {entity_id} was created but its Idempotency-Key never answered"
            )
    problems += await integrity.missing_acknowledged(acks)
    return problems + rec.problems


def phase(name: str, started: float) -> None:
    print(f"  [{time.monotonic() - started:5.1f} s] {name}", flush=True)


def main() -> int:
    args = parse_args()
    args.seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="eldercare-crash-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{work / 'crash.sqlite3'}"
    engine = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    os.environ.update(DATABASE_URL=url, ELDERCARE_ARGON2_PROFILE="light")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    print(
        f"crash test on {engine}, seed {args.seed} (replay with --seed {args.seed}); logs in {work}"
    )
    rng = random.Random(args.seed)
    launcher = Launcher(env, work, cold=args.cold)
    try:
        launcher.run(["migrate"], work / "last.log")
        phase("migrated", started)
        setup = in_db(seed())
        from eldercare import integrity

        first_audit = in_db(integrity.last_audit_id())
        seeded = time.monotonic() - started
        server = Server(launcher, work / "server.log")
        rec = Recorder()
        try:
            server.start()
            clients = drive(server, setup, args, rng, rec, work)
            phase("load stopped", started)
            replayed = replay(clients, rec, rng)
        finally:
            server.stop()
        phase("replayed", started)
        sweeps = sweep_twice(launcher, work, rec)
        phase("swept", started)
    finally:
        launcher.close()
    (work / "acks.jsonl").write_text(
        "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in rec.acks)
    )
    problems = in_db(check(rec, first_audit))
    counts = in_db(integrity.table_counts(("booking", "subsidy_application", "subsidy_payment")))
    print(
        f"seeded in {seeded:.1f} s; {server.starts - 1} SIGKILLs, {len(rec.acks)} writes acknowledged"
    )
    for what, number in sorted(rec.counts.items()):
        print(f"  {what}: {number}")
    print(f"  replayed {replayed} keys; final sweeps: {sweeps}")
    print(f"  rows: {counts}")
    print(f"{engine}: {time.monotonic() - started:.1f} s in all")
    if problems:
        print(f"CRASH TEST FAILED on {engine} (seed {args.seed}); logs kept in {work}:")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print(f"crash test passed on {engine}: nothing lost, half-done or done twice")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
