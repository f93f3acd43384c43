"""The command line: `eldercare user add`, `eldercare migrate` from zero, `eldercare demo` twice."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest

from eldercare import db
from eldercare.accounts import service as accounts
from eldercare.accounts.tables import User
from eldercare.cli import main

# Every table the migrations of this issue must create.
TABLES = {
    "app_user",
    "auth_session",
    "login_failure",
    "elder",
    "elder_link",
    "audit_event",
    "idempotency_key",
    "region",
}


async def run_cli(argv: list[str]) -> int:
    """``eldercare …`` in this process: ``main`` runs its own event loop, so give it a thread.

    On PostgreSQL the command opens and closes the engine's pool itself; the tests' pool
    (bound to this loop) is set aside meanwhile and put back afterwards.
    """
    engine = db.engine()
    pool = getattr(engine, "pool", None)
    if pool is not None:
        engine.pool = None  # type: ignore[attr-defined]
    try:
        return await asyncio.to_thread(main, argv)
    finally:
        if pool is not None:
            engine.pool = pool  # type: ignore[attr-defined]


def command() -> list[str]:
    script = Path(sys.executable).parent / "eldercare"
    return [str(script)] if script.exists() else [sys.executable, "-m", "eldercare.cli"]


def run_command(args: list[str], database_url: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url}
    result = subprocess.run(
        command() + args, env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


# ----------------------------------------------------------------------------- jobs list


async def test_jobs_list_tells_a_run_that_never_finished_from_a_finished_one(capsys):
    from datetime import UTC, datetime

    from eldercare.scheduling.tables import JobRun

    at = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
    await JobRun.insert(
        JobRun(name="expire_offers", as_of=at, started_at=at, finished_at=at, rows=3),
        JobRun(name="age_bands", as_of=at, started_at=at, rows=0),  # its process was killed
    ).run()
    assert await run_cli(["jobs", "list"]) == 0
    lines = {
        line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line[:1] != " "
    }
    assert lines["expire_offers"].endswith("3 rows")
    assert "not finished (started 2026-11-28 01:00 UTC)" in lines["age_bands"]
    assert "rows" not in lines["age_bands"]


# ----------------------------------------------------------------------------- user add


async def test_user_add_makes_a_bureau_officer_with_a_region(capsys):
    code = await run_cli(
        [
            "user",
            "add",
            "--phone",
            "+86 139-1000-0001",
            "--password",
            "Officer-pass-77",
            "--name",
            "王建国",
            "--role",
            "bureau_officer",
            "--region",
            "510900",
        ]
    )
    assert code == 0
    assert "王建国" in capsys.readouterr().out
    row = await User.select().where(User.phone == "13910000001").first().run()
    assert row is not None
    assert row["roles"] == "bureau_officer"
    assert row["region_code"] == "510900"
    assert row["password_hash"] != "Officer-pass-77"
    signed = await accounts.sign_in(phone="13910000001", password="Officer-pass-77", kind="api")
    assert signed.user.roles == ["bureau_officer"]
    assert signed.user.region_code == "510900"


async def test_user_add_makes_community_staff_who_see_their_region(client, capsys):
    code = await run_cli(
        [
            "user",
            "add",
            "--phone",
            "13910000002",
            "--password",
            "Staff-pass-77",
            "--name",
            "李梅",
            "--role",
            "community_staff",
            "--region",
            "510903",
        ]
    )
    assert code == 0
    token = await client.post(
        "/api/v1/auth/token", json={"phone": "13910000002", "password": "Staff-pass-77"}
    )
    assert token.status_code == 200
    me = await client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {token.json()['token']}"}
    )
    assert me.json()["region_code"] == "510903"
    assert me.json()["roles"] == ["community_staff"]


@pytest.mark.parametrize(
    "args, word",
    [
        (["--phone", "12345", "--role", "bureau_officer", "--region", "510900"], "phone"),
        (["--phone", "13910000003", "--role", "wizard"], "role"),
        (["--phone", "13910000003", "--role", "community_staff"], "region"),
        (["--phone", "13910000003", "--role", "community_staff", "--region", "510999"], "region"),
    ],
    ids=["bad phone", "unknown role", "staff without region", "unknown region"],
)
async def test_user_add_refuses_bad_input_with_exit_code_2(capsys, args, word):
    code = await run_cli(
        ["user", "add", "--password", "Officer-pass-77", "--name", "王建国", *args]
    )
    assert code == 2
    assert word in capsys.readouterr().err
    assert await User.count().run() == 0


async def test_user_add_refuses_a_weak_password(capsys):
    code = await run_cli(
        [
            "user",
            "add",
            "--phone",
            "13910000004",
            "--password",
            "12345678",
            "--name",
            "王建国",
            "--role",
            "admin",
        ]
    )
    assert code == 2
    assert "password" in capsys.readouterr().err
    assert await User.count().run() == 0


async def test_user_add_refuses_a_phone_already_registered(capsys):
    argv = [
        "user",
        "add",
        "--phone",
        "13910000005",
        "--password",
        "Officer-pass-77",
        "--name",
        "王建国",
        "--role",
        "admin",
    ]
    assert await run_cli(argv) == 0
    assert await run_cli(argv) == 2
    assert await User.count().run() == 1


# ----------------------------------------------------------------------------- migrations


def sqlite_tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        return {
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }


def sqlite_count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]


def test_migrations_build_the_sqlite_schema_from_zero(tmp_path):
    database = tmp_path / "fresh.sqlite3"
    url = f"sqlite:///{database}"
    run_command(["migrate"], url, tmp_path)
    assert sqlite_tables(database) >= TABLES
    assert sqlite_count(database, "region") >= 40
    assert sqlite_count(database, "app_user") == 0
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # Migrating again changes nothing.
    run_command(["migrate"], url, tmp_path)
    assert sqlite_tables(database) >= TABLES


def demo_elders_added(output: str) -> int:
    """How many elders a demo run reports adding ("40 elders added" or "elders created: 40")."""
    match = re.search(r"(\d+) elders? (?:added|created)|elders? (?:added|created)\W+(\d+)", output)
    assert match, output
    return int(match.group(1) or match.group(2))


def test_the_demo_loads_once_and_a_second_run_adds_nothing(tmp_path):
    database = tmp_path / "demo.sqlite3"
    url = f"sqlite:///{database}"
    first = run_command(["demo"], url, tmp_path)
    added = demo_elders_added(first.stdout)
    assert added >= 30
    assert "13900000002" in first.stdout  # the demo sign-ins are printed
    assert sqlite_count(database, "elder") == added
    users = sqlite_count(database, "app_user")
    second = run_command(["demo"], url, tmp_path)
    assert demo_elders_added(second.stdout) == 0
    assert sqlite_count(database, "elder") == added
    assert sqlite_count(database, "app_user") == users


# ----------------------------------------------------------------------------- PostgreSQL

PG_URL = os.environ.get("DATABASE_URL", "")
on_postgres = pytest.mark.skipif(
    not PG_URL.startswith("postgres"), reason="DATABASE_URL is not a PostgreSQL database"
)


@pytest.fixture
def fresh_postgres():
    """A new, empty PostgreSQL database on the server of DATABASE_URL; dropped afterwards."""
    if not shutil.which("createdb"):
        pytest.skip("createdb is not installed")
    server = urlparse(PG_URL)
    name = f"ec_migrate_{uuid.uuid4().hex[:12]}"
    connect = [
        "-h",
        server.hostname or "127.0.0.1",
        "-p",
        str(server.port or 5432),
        "-U",
        server.username or "postgres",
    ]
    env = {**os.environ}
    if server.password:
        env["PGPASSWORD"] = server.password
    subprocess.run(["createdb", *connect, name], check=True, env=env, timeout=60)
    try:
        yield server._replace(path=f"/{name}").geturl(), connect, name, env
    finally:
        subprocess.run(["dropdb", "--if-exists", *connect, name], env=env, timeout=60)


def psql(connect: list[str], name: str, env: dict, sql: str) -> list[str]:
    result = subprocess.run(
        ["psql", *connect, "-d", name, "-tA", "-c", sql],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [line for line in result.stdout.splitlines() if line]


@on_postgres
def test_migrations_build_the_postgresql_schema_from_zero(tmp_path, fresh_postgres):
    url, connect, name, env = fresh_postgres
    run_command(["migrate"], url, tmp_path)
    tables = set(
        psql(
            connect,
            name,
            env,
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
        )
    )
    assert tables >= TABLES
    assert int(psql(connect, name, env, "SELECT count(*) FROM region")[0]) >= 40
    run_command(["migrate"], url, tmp_path)

    first = run_command(["demo"], url, tmp_path)
    added = demo_elders_added(first.stdout)
    assert added >= 30
    assert int(psql(connect, name, env, "SELECT count(*) FROM elder")[0]) == added
    second = run_command(["demo"], url, tmp_path)
    assert demo_elders_added(second.stdout) == 0
    assert int(psql(connect, name, env, "SELECT count(*) FROM elder")[0]) == added
