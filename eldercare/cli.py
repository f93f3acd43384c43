"""The ``eldercare`` command line (API.md, "Command line")."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from eldercare.errors import DomainError


def _run(coro_factory: Callable[[], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        from eldercare import db

        await db.open_pool()
        try:
            return await coro_factory()
        finally:
            await db.close_pool()

    return asyncio.run(main())


async def _migrate() -> None:
    from eldercare import db
    from eldercare.geo import service as geo

    await db.migrate()
    await geo.sync_gazetteer()


def cmd_migrate(_: argparse.Namespace) -> int:
    _run(_migrate)
    print("migrations applied")
    return 0


def cmd_demo(_: argparse.Namespace) -> int:
    from eldercare import demo

    async def load() -> dict[str, int]:
        await _migrate()
        return await demo.load_demo()

    result = _run(load)
    print(f"demo city ready: {result['elders_created']} elders added")
    print(f"demo sign-ins (password {demo.demo_data.DEMO_PASSWORD}):")
    for role, name, phone, region in demo.sign_in_table():
        print(f"  {role:<16} {phone}  {name} {region}")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    from eldercare.accounts import service

    async def add() -> Any:
        await _migrate()
        return await service.create_user(
            phone=args.phone, password=args.password, name=args.name, roles=[args.role],
            region_code=args.region, provider_id=args.provider,
        )

    try:
        user = _run(add)
    except DomainError as error:
        problems = "; ".join(f"{p.key}: {p.message.format(**p.params)}" for p in error.problems)
        print(f"error: {problems or error}", file=sys.stderr)
        return 2
    print(f"user {user.id} {user.name} ({','.join(user.roles)}) created")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    _run(_migrate)
    uvicorn.run("eldercare.app:create_app", factory=True, host=args.host, port=args.port,
                workers=args.workers, log_level="info", proxy_headers=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eldercare", description="eldercare platform")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="migrate, then serve pages and API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--no-scheduler", action="store_true", help="do not run scheduled sweeps here")
    serve.set_defaults(handler=cmd_serve)

    commands.add_parser("migrate", help="apply migrations").set_defaults(handler=cmd_migrate)
    commands.add_parser("demo", help="load the demo city (idempotent)").set_defaults(handler=cmd_demo)

    user = commands.add_parser("user", help="manage accounts")
    user_commands = user.add_subparsers(dest="user_command", required=True)
    add = user_commands.add_parser("add", help="make a staff or provider account")
    add.add_argument("--phone", required=True)
    add.add_argument("--password", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True)
    add.add_argument("--region", default=None)
    add.add_argument("--provider", type=int, default=None)
    add.set_defaults(handler=cmd_user_add)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
