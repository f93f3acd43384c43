"""The crash test's processes: ``eldercare`` commands run as children we may SIGKILL.

Started cold, every command is a fresh interpreter importing the app: ~1.5 s of CPU, 5-7 s
on a busy machine, so twenty restarts and a dozen sweeps overrun the CI budget. By default
commands are therefore forked from a *launcher*, one process that imported the app and ran
the migrations once. Each child runs ``eldercare.cli.main(argv)`` in its own process and
session: the same code as ``eldercare serve`` or ``eldercare jobs run``, migrations and the
app's lifespan included, only without the imports. ``--cold`` runs ``python -m eldercare.cli``
for every command instead.

Run as a script, this file is the launcher: JSON requests in on stdin, answers out on stdout.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import httpx


class Child:
    """A started command: its process group is its pid (each child has its own session)."""

    def __init__(self, pid: int, poll):
        self.pid, self._poll, self.code = pid, poll, None

    def poll(self) -> int | None:
        if self.code is None:
            self.code = self._poll()
        return self.code

    def wait(self, timeout: float | None = None) -> int | None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() >= deadline:
                return None
            time.sleep(0.02)
        return self.code

    def kill(self, sig: int = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, sig)


class Launcher:
    def __init__(self, env: dict[str, str], log_dir: Path, *, cold: bool = False):
        self.env, self.cold, self.lock = env, cold, threading.Lock()
        self.proc = None
        if not cold:
            self.proc = subprocess.Popen(
                [sys.executable, __file__], env=env, text=True, stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=(log_dir / "launcher.log").open("ab"),
            )  # fmt: skip
            if not self._ask({"op": "hello"}).get("ready"):
                raise SystemExit(f"the launcher did not start; see {log_dir / 'launcher.log'}")

    def _ask(self, request: dict) -> dict:
        with self.lock:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        if not line:
            raise SystemExit("the launcher died")
        return json.loads(line)

    def start(self, argv: list[str], log_path: Path) -> Child:
        if self.cold:
            with log_path.open("ab") as log:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "eldercare.cli", *argv], env=self.env, stdout=log,
                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                )  # fmt: skip
            return Child(proc.pid, proc.poll)
        pid = self._ask({"op": "start", "argv": argv, "log": str(log_path)})["pid"]
        return Child(pid, lambda: self._ask({"op": "poll", "pid": pid})["code"])

    def run(self, argv: list[str], log_path: Path) -> str:
        """Run a command to its end; its output, or SystemExit when it fails."""
        log_path.unlink(missing_ok=True)
        code = self.start(argv, log_path).wait()
        output = log_path.read_text(errors="replace").strip()
        if code != 0:
            raise SystemExit(f"eldercare {' '.join(argv)} exited {code}:\n{output}")
        return output

    def close(self) -> None:
        if self.proc is not None:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``eldercare serve`` (scheduler inside), started again after each SIGKILL."""

    def __init__(self, launcher: Launcher, log_path: Path):
        self.launcher, self.log_path, self.port = launcher, log_path, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.child: Child | None = None
        self.starts = 0

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            log.write(f"\n===== start {self.starts + 1} at {datetime.now()} =====\n".encode())
        argv = ["serve", "--host", "127.0.0.1", "--port", str(self.port)]
        self.child = self.launcher.start(argv, self.log_path)
        self.starts += 1
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.child.poll() is not None:
                raise SystemExit(f"the server exited with {self.child.code}; see {self.log_path}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            time.sleep(0.05)
        raise SystemExit(f"the server did not answer within 60 s; see {self.log_path}")

    def kill(self) -> None:
        self.child.kill()
        self.child.wait()

    def stop(self) -> None:
        if self.child is None or self.child.poll() is not None:
            return
        self.child.kill(signal.SIGTERM)
        if self.child.wait(timeout=15) is None:
            self.kill()


# --------------------------------------------------------------------------- the launcher


def _child(argv: list[str], log: str) -> None:
    """In the forked child: its own session, output to the log, then the command; never returns."""
    os.setsid()
    out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    code = 1
    try:
        from eldercare import cli

        code = cli.main(argv) or 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _launcher() -> None:
    from eldercare import app, cli

    with contextlib.redirect_stdout(sys.stderr):  # stdout is our answer channel
        cli.main(["migrate"])
        app.create_app()
    for line in sys.stdin:
        request = json.loads(line)
        if request["op"] == "start":
            pid = os.fork()
            if pid == 0:
                _child(request["argv"], request["log"])
            answer = {"pid": pid}
        elif request["op"] == "poll":
            try:
                done, status = os.waitpid(request["pid"], os.WNOHANG)
            except ChildProcessError:  # reaped already: a poll after the end
                done, status = request["pid"], 255 << 8
            answer = {"code": os.waitstatus_to_exitcode(status) if done else None}
        else:
            answer = {"ready": True}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    _launcher()
