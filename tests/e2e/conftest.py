"""End-to-end fixtures: the real app served by ``eldercare serve``, driven by real Chromium.

The server gets a database of its own (a temporary SQLite file, or a fresh PostgreSQL
database when the suite runs on PostgreSQL), loads the demo city into it and serves it on a
free local port. Each test gets a fresh browser context (no cookies, Chinese by default,
like most of the people the site is for).

Without /usr/bin/chromium these tests are skipped, unless ``ELDERCARE_E2E_REQUIRED=1``
(set by .ci/run), where a missing browser is an error: CI must not go green by skipping.

Screenshots of failing tests go to tests/e2e/screenshots/ (gitignored);
``ELDERCARE_E2E_SCREENSHOTS=always`` keeps one of every test, to look at the pages.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

CHROMIUM = os.environ.get("ELDERCARE_CHROMIUM", "/usr/bin/chromium")
# The flags STACK-NOTES found to work here: no sandbox as root, and nothing reaching out
# to a network that is closed anyway.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
DEMO_TIMEOUT_S = 240
HEALTH_TIMEOUT_S = 60
ACTION_TIMEOUT_MS = 15_000
SERVER_LOG = pytest.StashKey[Path]()


def _missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not Path(CHROMIUM).exists():
        return (
            f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk "
            "(never `playwright install`)"
        )
    try:
        import axe_playwright_python  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        return f"{error.name} is not installed: pip install -e '.[test]'"
    return None


@pytest.fixture(scope="session")
def chromium_path() -> str:
    problem = _missing_browser()
    if problem is None:
        return CHROMIUM
    if os.environ.get("ELDERCARE_E2E_REQUIRED") == "1":
        pytest.fail(f"browser tests are required here, but {problem}", pytrace=False)
    pytest.skip(problem)


# --------------------------------------------------------------------------- the server


def _command(name: str) -> str:
    """The ``eldercare`` command of the interpreter running the tests (the project's venv)."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        pytest.fail(f"the `{name}` command is not installed (pip install -e .)", pytrace=False)
    return found


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def _own_database() -> Iterator[str]:
    """A database for the server alone: never the one the other tests empty between tests."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgresql://", "postgres://")):
        folder = tempfile.mkdtemp(prefix="eldercare-e2e-")
        try:
            yield f"sqlite:///{folder}/e2e.sqlite3"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    parts = urlsplit(url)
    name = f"eldercare_e2e_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    where = [
        "-h",
        parts.hostname or "127.0.0.1",
        "-p",
        str(parts.port or 5432),
        "-U",
        parts.username or "postgres",
    ]
    subprocess.run(["createdb", *where, name], check=True, timeout=60)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        subprocess.run(["dropdb", *where, "--if-exists", "--force", name], timeout=60, check=False)


def _wait_until_healthy(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"eldercare serve exited ({process.returncode}):\n{log.read_text()[-4000:]}",
                pytrace=False,
            )
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    pytest.fail(
        f"eldercare serve was not healthy within {HEALTH_TIMEOUT_S} s:\n{log.read_text()[-4000:]}",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def server(chromium_path: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """The base URL of a real server with the demo city loaded; stopped at the end."""
    with _own_database() as database_url:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "ELDERCARE_ARGON2_PROFILE": "light",
        }
        demo = subprocess.run(
            [_command("eldercare"), "demo"],
            env=env,
            capture_output=True,
            text=True,
            timeout=DEMO_TIMEOUT_S,
            check=False,
        )
        if demo.returncode != 0:
            pytest.fail(f"eldercare demo failed:\n{demo.stdout}\n{demo.stderr}", pytrace=False)
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        log_folder = Path(tempfile.mkdtemp(prefix="eldercare-e2e-log-"))
        log = log_folder / "server.log"
        request.config.stash[SERVER_LOG] = log
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    _command("eldercare"),
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--no-scheduler",
                ],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            _wait_until_healthy(base_url, process, log)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)
            shutil.rmtree(log_folder, ignore_errors=True)


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="package")
def browser(chromium_path: str) -> Iterator[Any]:
    """One Chromium for the e2e tests.

    Package-scoped on purpose: while Playwright's sync API is alive it marks its own event
    loop as the thread's running loop between calls, which would break the pytest-asyncio
    tests that run after these. So it stops as soon as the last browser test is done.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Remember each phase's report on the test, so the page fixture knows it failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _screenshot_name(item: pytest.Item) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", item.name).strip("-")[:150] + ".png"


def _print_server_log(config: pytest.Config) -> None:
    """The server's last words, shown with a failing test (a 500 page says nothing)."""
    log = config.stash.get(SERVER_LOG, None)
    if log is not None and log.exists():
        tail = log.read_text(errors="replace").splitlines()[-80:]
        print("---- eldercare serve, last lines ----", *tail, sep="\n")


@pytest.fixture
def page(browser: Any, server: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context (no cookies) reading Chinese, and one tab in it."""
    context = browser.new_context(
        base_url=server, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    tab = context.new_page()
    try:
        yield tab
    finally:
        report = getattr(request.node, "report_call", None)
        failed = report is not None and report.failed
        if failed:
            _print_server_log(request.config)
        if failed or os.environ.get("ELDERCARE_E2E_SCREENSHOTS") == "always":
            SCREENSHOTS.mkdir(exist_ok=True)
            with contextlib.suppress(Exception):
                tab.screenshot(
                    path=str(SCREENSHOTS / _screenshot_name(request.node)), full_page=True
                )
        context.close()
