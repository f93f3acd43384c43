"""Integration fixtures: a migrated database, emptied between tests, and HTTP clients."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest
from piccolo.apps.migrations.tables import Migration
from piccolo.table import sort_table_classes

from eldercare import db
from eldercare.accounts import service as accounts
from eldercare.app import create_app
from eldercare.geo.tables import Region
from eldercare.piccolo_conf import APP_REGISTRY

# Reference data loaded by migrations and the gazetteer survives between tests.
KEEP_TABLES = {Region._meta.tablename, Migration._meta.tablename, "service_category"}


@pytest.fixture(scope="session")
async def app() -> AsyncIterator:
    from eldercare.geo import service as geo

    await db.migrate()
    await geo.sync_gazetteer()
    await db.open_pool()
    yield create_app()
    await db.close_pool()


@pytest.fixture(autouse=True)
async def empty_database(app) -> None:
    """Every test starts from the migrated schema with reference data and nothing else."""
    from eldercare.catalog import service as catalog
    from eldercare.geo import service as geo
    from eldercare.subsidies import programs

    catalog.clear_cache()
    geo.clear_cache()
    programs.clear_cache()
    from tests.integration.purge_support import purge

    every = [t for app in APP_REGISTRY.app_configs.values() for t in app.table_classes]
    tables = [t for t in sort_table_classes(every) if t._meta.tablename not in KEEP_TABLES]
    # audit_event is append-only (a trigger refuses DELETE): purge() is the one way past it.
    await purge([t._meta.tablename for t in reversed(tables)])


@pytest.fixture
def client_factory(app) -> Callable[[], httpx.AsyncClient]:
    def make() -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")

    return make


@pytest.fixture
async def client(client_factory) -> AsyncIterator[httpx.AsyncClient]:
    async with client_factory() as http:
        yield http


@dataclass
class Person:
    """A signed-in user for API tests: their account and a ready Authorization header."""

    id: int
    name: str
    phone: str
    roles: list[str]
    headers: dict[str, str]


_phones = iter(range(10_000_000, 99_999_999))


def next_phone() -> str:
    return f"135{next(_phones)}"


PASSWORD = "Correct-horse-9"


@pytest.fixture
def make_person() -> Callable[..., Awaitable[Person]]:
    async def make(
        role: str = "family",
        *,
        region: str | None = None,
        name: str = "测试用户",
        provider_id: int | None = None,
    ) -> Person:
        phone = next_phone()
        user = await accounts.create_user(
            phone=phone,
            password=PASSWORD,
            name=name,
            roles=[role],
            region_code=region,
            provider_id=provider_id,
        )
        signed = await accounts.sign_in(phone=phone, password=PASSWORD, kind="api")
        return Person(
            id=user.id,
            name=name,
            phone=phone,
            roles=user.roles,
            headers={"Authorization": f"Bearer {signed.token}"},
        )

    return make


_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def csrf_token(http: httpx.AsyncClient, path: str) -> str:
    """The CSRF token a page's form carries (and the cookie it pairs with)."""
    response = await http.get(path)
    match = _CSRF.search(response.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


async def sign_in_page(
    http: httpx.AsyncClient, phone: str, password: str = PASSWORD
) -> httpx.Response:
    token = await csrf_token(http, "/login")
    return await http.post(
        "/login", data={"phone": phone, "password": password, "_csrf_token": token}
    )
