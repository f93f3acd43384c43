"""The crash test's processes and load: the server we kill, a few HTTP clients booking,
accepting, applying and reviewing while it dies under them, and a sweeper running (and
killing) ``eldercare jobs run``.

Every answered 2xx is recorded as an acknowledgement for the checks at the end. Creations
carry an Idempotency-Key and are retried with the same key and body when the connection
drops (Stripe's semantics); other writes are not retried, since their outcome is unknown.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

SHANGHAI = timezone(timedelta(hours=8))
CREATIONS = {  # path -> (entity, audit action)
    "/api/v1/bookings": ("booking", "booking.create"),
    "/api/v1/elders": ("elder", "elder.create"),
    "/api/v1/subsidies/applications": ("application", "application.submit"),
}
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(district: str, birth: date, serial: int) -> str:
    """A valid resident ID number (GB 11643 check digit)."""
    first17 = f"{district}{birth:%Y%m%d}{serial % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


@dataclass
class Recorder:
    """What the clients saw: acknowledged writes, every keyed creation tried, and counts."""

    acks: list[dict[str, Any]] = field(default_factory=list)
    attempts: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> request
    counts: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    elders: list[int] = field(default_factory=list)  # elders the booker may book for
    user_ids: list[int] = field(default_factory=list)  # the signed-in load users
    writes_sent: int = 0
    sending: threading.Condition = field(default_factory=threading.Condition)

    def sent_write(self) -> None:
        with self.sending:
            self.writes_sent += 1
            self.sending.notify_all()

    def wait_for_write(self, timeout: float) -> None:
        """Until a client sends its next write (so that a kill can land inside one)."""
        with self.sending:
            seen = self.writes_sent
            self.sending.wait_for(lambda: self.writes_sent > seen, timeout)

    def ack(self, **entry: Any) -> None:
        with self.lock:
            self.acks.append(entry)
            self.counts[f"ok {entry['action']}"] += 1

    def count(self, what: str) -> None:
        with self.lock:
            self.counts[what] += 1

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)


class Client:
    """One signed-in user's HTTP client that rides out the server's deaths."""

    def __init__(self, base_url: str, phone: str, password: str, rec: Recorder, stop):
        self.http = httpx.Client(base_url=base_url, timeout=20.0)
        self.rec, self.stop = rec, stop
        answer = self.request("POST", "/api/v1/auth/token", {"phone": phone, "password": password})
        if answer is None or answer.status_code != 200:
            raise RuntimeError(f"sign-in of {phone} failed: {answer and answer.text}")
        self.user_id = answer.json()["user"]["id"]
        self.http.headers["Authorization"] = f"Bearer {answer.json()['token']}"

    def request(self, method: str, path: str, body: Any = None, *, retry: bool = True, key=None):
        """The answer, or None when the server died before answering and we may not retry."""
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Idempotency-Key"] = key
        content = json.dumps(body, sort_keys=True).encode() if body is not None else None
        self.interrupted = False
        while True:
            if method == "POST":
                self.rec.sent_write()
            try:
                answer = self.http.request(method, path, content=content, headers=headers)
            except httpx.TransportError:
                if not self.interrupted:
                    self.rec.count("requests interrupted by a crash")
                self.interrupted = True
                if not retry or self.stop.is_set():
                    return None
                time.sleep(0.1)
                continue
            if answer.status_code >= 500:
                self.rec.problem(
                    f"{method} {path} answered {answer.status_code}: {answer.text[:300]}"
                )
            return answer

    def create(self, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """POST a creation with a fresh Idempotency-Key; record and return the 201 answer."""
        key = uuid.uuid4().hex
        entity, action = CREATIONS[path]
        with self.rec.lock:
            self.rec.attempts[key] = {"user_id": self.user_id, "path": path, "body": body}
        answer = self.request("POST", path, body, key=key)
        if answer is None:
            return None
        if answer.status_code != 201:
            # 409 after a crash is the key's lease (60 s) from the killed first try: given up.
            retried = " after a crash" if self.interrupted else ""
            self.rec.count(f"refused {action} {answer.status_code}{retried}")
            return None
        data = answer.json()
        self.rec.ack(
            method="POST", path=path, key=key, body=body, user_id=self.user_id,
            entity=entity, entity_id=data["id"], action=action,
            replayed=answer.headers.get("Idempotent-Replayed") == "true",
        )  # fmt: skip
        return data

    def write(self, path: str, body: dict[str, Any], **ack: Any) -> httpx.Response | None:
        """POST a change once (its outcome is unknown when the server dies): a 200 is recorded
        as ``ack`` (entity, entity_id, action and the values the row must then have)."""
        answer = self.request("POST", path, body, retry=False)
        if answer is not None and answer.status_code == 200:
            self.rec.ack(method="POST", path=path, user_id=self.user_id, **ack)
        return answer

    def items(self, path: str) -> list[dict[str, Any]]:
        answer = self.request("GET", path)
        return answer.json()["items"] if answer is not None and answer.status_code == 200 else []


def _start_time(rng: random.Random) -> str:
    day = datetime.now(SHANGHAI).date() + timedelta(days=rng.randint(1, 12))
    minutes = 8 * 60 + 30 * rng.randint(0, 17)
    start = datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=SHANGHAI)
    return start.isoformat()


def booker(client: Client, rng: random.Random, setup: dict[str, Any]) -> None:
    while not client.stop.is_set():
        with client.rec.lock:
            elder_id = rng.choice(client.rec.elders)
        body = {
            "elder_id": elder_id,
            "service_code": rng.choice(setup["service_codes"]),
            "start": _start_time(rng),
            "provider_id": setup["provider_id"],
        }
        client.create("/api/v1/bookings", body)


def accepter(client: Client, rng: random.Random, setup: dict[str, Any]) -> None:
    while not client.stop.is_set():
        jobs = client.items("/api/v1/jobs?limit=20")
        if not jobs:
            time.sleep(0.05)
        for job in rng.sample(jobs, min(len(jobs), 5)):
            path = f"/api/v1/bookings/{job['id']}"
            if rng.random() < 0.1:
                client.write(
                    path + "/decline", {"reason": "人手不足"},
                    entity="booking", entity_id=job["id"], action="booking.decline",
                )  # fmt: skip
                continue
            for caregiver in rng.sample(setup["caregiver_ids"], 3):
                answer = client.write(
                    path + "/accept", {"caregiver_id": caregiver},
                    entity="booking", entity_id=job["id"], action="booking.accept",
                    expect=[["status", "accepted"], ["caregiver", caregiver]],
                )  # fmt: skip
                if answer is None:
                    break
                client.rec.count(f"accept answered {answer.status_code}")
                if answer.status_code not in (409, 422):  # taken or not working then: try another
                    break


_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_GIVEN = ("秀英", "桂芳", "建华", "春梅", "玉兰", "德明", "淑华", "国庆")


def applicant(client: Client, rng: random.Random, setup: dict[str, Any]) -> None:
    serial = 100
    today = datetime.now(SHANGHAI).date()
    while not client.stop.is_set():
        serial += 1
        age = rng.randint(81, 95)
        birth = date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
        elder = client.create(
            "/api/v1/elders",
            {
                "name": rng.choice(_SURNAMES) + rng.choice(_GIVEN),
                "id_number": id_number("510903", birth, serial),
                "address": f"船山区南津路街道滨江社区 {serial} 号",
                "region_code": "510903001001",
                "lat": round(30.5125 + rng.uniform(-0.01, 0.01), 6),
                "lon": round(105.5905 + rng.uniform(-0.01, 0.01), 6),
            },
        )
        if elder is None:
            continue
        with client.rec.lock:
            client.rec.elders.append(elder["id"])
        for program in rng.sample(setup["programs"], rng.randint(1, 2)):
            client.create(
                "/api/v1/subsidies/applications", {"elder_id": elder["id"], "program_code": program}
            )


def reviewer(client: Client, rng: random.Random, steps: dict[str, str]) -> None:
    """Move applications on: ``steps`` maps a status to the decision this role gives it."""
    while not client.stop.is_set():
        moved = 0
        for status, usual in steps.items():
            for item in client.items(f"/api/v1/subsidies/applications?status={status}&limit=10"):
                decision = "reject" if usual == "approve" and rng.random() < 0.1 else usual
                answer = client.write(
                    f"/api/v1/subsidies/applications/{item['id']}/decisions",
                    {"decision": decision, "comment": "材料不全" if decision == "reject" else ""},
                    entity="application", entity_id=item["id"], action=f"application.{decision}",
                    expect=[["status", "approved"]] if decision == "approve" else [],
                )  # fmt: skip
                if answer is not None and answer.status_code == 200:
                    moved += 1
        if not moved:
            time.sleep(0.1)


def sweeper(rec: Recorder, rng: random.Random, stop, launcher, log_path: Path) -> None:
    """Run the subsidy sweeps by hand as of random moments ahead, killing some mid-run."""
    while not stop.wait(rng.uniform(1.0, 4.0)):
        name = rng.choice(("monthly_payments", "annual_reviews"))
        at = datetime.now(SHANGHAI) + timedelta(days=rng.randint(0, 450))
        child = launcher.start(["jobs", "run", name, "--at", at.isoformat()], log_path)
        killed = rng.random() < 0.5 and child.wait(timeout=rng.uniform(0.0, 0.6)) is None
        if killed:
            child.kill()
        code = child.wait()
        rec.count(f"sweep {name} {'killed' if killed else 'exit ' + str(code)}")
        if not killed and code != 0:
            rec.problem(f"jobs run {name} --at {at.isoformat()} exited {code}; see {log_path}")
