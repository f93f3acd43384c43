"""Schemathesis over the whole JSON API, as a signed-in user of each role (issue 8, "Fuzzing"):
no answer is ever a 5xx, every answer is one the OpenAPI document promises (status code,
content type, body), and every malformed request is refused with a 4xx.

Hypothesis runs in a worker thread and sends each request to the app on the test's own event
loop (where the database pool lives), so generation, shrinking and our fixtures all work.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import valid_id_number
from tests.integration import series_support, subsidies_support
from tests.integration.booking_support import at, book, build_world
from tests.integration.subsidies_support import PROGRAM, approved, make_program

ROLES = ["resident", "family", "caregiver", "provider_admin", "community_staff", "bureau_officer"]
# Examples per operation and mode: the whole file stays well under 90 s on SQLite.
# ELDERCARE_FUZZ_SCALE=10 looks ten times deeper (by hand, before a release).
# ELDERCARE_FUZZ_SEED=N draws another fixed set of examples.
SCALE = int(os.environ.get("ELDERCARE_FUZZ_SCALE", "1"))
SEED = os.environ.get("ELDERCARE_FUZZ_SEED")
EXAMPLES = {GenerationMode.POSITIVE: 3 * SCALE, GenerationMode.NEGATIVE: 4 * SCALE}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# Signing out ends the session the rest of the run uses: it goes last.
LAST = {("POST", "/api/v1/auth/logout")}


async def fuzz_world(client: httpx.AsyncClient, make_person: Any) -> dict[str, Any]:
    """One signed-in person per role, and real objects for generated requests to point at."""
    w = await build_world(client, make_person)
    resident = await make_person("resident", name="赵大爷")
    response = await client.post(
        "/api/v1/elders",
        headers=resident.headers,
        json={
            "name": resident.name,
            "id_number": valid_id_number(birth=date(1938, 3, 9)),
            "address": "船山区南津路街道滨江社区 9 栋",
            "region_code": "510903001001",
            "lat": 30.53,
            "lon": 105.58,
        },
    )
    assert response.status_code == 201, response.text
    resident_elder = response.json()["id"]
    offered = (await book(client, w.family, w.elder_id, at(24 * 60))).json()["id"]
    accepted = (await book(client, w.family, w.elder_id, at(48 * 60))).json()["id"]
    response = await client.post(
        f"/api/v1/bookings/{accepted}/accept",
        headers=w.admin.headers,
        json={"caregiver_id": w.caregiver_id},
    )
    assert response.status_code == 200, response.text
    series = (await series_support.made(client, w, "FREQ=WEEKLY;BYDAY=MO"))["id"]
    await make_program(w.officer)
    second = await make_person("bureau_officer", region="510900", name="民政局赵科员")
    subsidy = subsidies_support.World(w.family, w.staff, w.officer, second)
    elder_90 = await subsidies_support.add_elder(client, w.family, birth=date(1935, 1, 2))
    entitlement = await approved(subsidy, elder_90, at=datetime.now(UTC))
    response = await client.post(
        "/api/v1/subsidies/applications",
        headers=resident.headers,
        json={"elder_id": resident_elder, "program_code": PROGRAM},
    )
    assert response.status_code == 201, response.text
    application = response.json()["id"]
    people = {
        "resident": resident,
        "family": w.family,
        "caregiver": w.caregiver,
        "provider_admin": w.admin,
        "community_staff": w.staff,
        "bureau_officer": w.officer,
    }
    known = {
        "elder_id": [w.elder_id, elder_90, resident_elder],
        "booking_id": [offered, accepted],
        "series_id": [series],
        "provider_id": [w.provider_id],
        "caregiver_id": [w.caregiver_id],
        "application_id": [application],
        "entitlement_id": [entitlement],
        "service_code": ["home-haircut"],
        "program_code": [PROGRAM],
        "code": ["home-haircut", "haircut"],
        "region_code": ["510903", "510900", "510903001001"],
    }
    return {"people": people, "known": known}


def _point_at_known(known: dict[str, list[Any]]) -> Callable[[Any, Any], Any]:
    """Swap some generated ids and codes for real ones, so requests reach real objects."""

    def swap(data: Any, case: Any) -> Any:
        for part in ("path_parameters", "query"):
            values = getattr(case, part)
            for name in list(values or {}):
                if name in known and data.draw(st.booleans()):
                    values[name] = data.draw(st.sampled_from(known[name]))
        if isinstance(case.body, dict):
            for name in list(case.body):
                if name in known and data.draw(st.booleans()):
                    case.body[name] = data.draw(st.sampled_from(known[name]))
        return case

    return swap


def _request(case: Any, token: str) -> dict[str, Any]:
    """The case as keyword arguments for httpx, signed in where the case carries a token
    (a negative case may have left it out on purpose: that one must answer 401)."""
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    headers = {
        name: value
        for name, value in (kwargs.get("headers") or {}).items()
        if name.lower() != "authorization"
    }
    if any(name.lower() == "authorization" for name in case.headers or {}):
        headers["Authorization"] = token
    request = {
        "method": kwargs["method"],
        "url": kwargs["url"],
        "headers": headers,
        "params": kwargs.get("params"),
        "cookies": kwargs.get("cookies") or None,
    }
    if "json" in kwargs:
        request["content"] = json.dumps(kwargs["json"]).encode()
    elif kwargs.get("data") is not None:
        data = kwargs["data"]
        request["content"] = data.encode() if isinstance(data, str) else data
    if kwargs.get("files"):  # requests' multipart parts; httpx wants text or bytes in each
        request["files"] = [
            (name, (filename, value if isinstance(value, str | bytes) else str(value), *rest))
            for name, (filename, value, *rest) in kwargs["files"]
        ]
    return request


@dataclass
class Fuzzer:
    """Sends generated requests as each role and checks every answer."""

    tokens: dict[str, str]
    known: dict[str, list[Any]]
    send: Callable[[dict[str, Any]], httpx.Response]
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    examples: int = 0
    succeeded: set[str] = field(default_factory=set)  # operations answered 2xx at least once

    def run(self, operation: Any, mode: GenerationMode) -> None:
        """One operation's examples in one mode; raises on the first failure (shrunk).

        A well-formed example goes to every role (what each may see and do differs); a
        malformed one to one role, drawn with it (it must be refused whoever sends it)."""
        swap = _point_at_known(self.known)

        @settings(
            max_examples=EXAMPLES[mode],
            derandomize=SEED is None,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
        def check(case: Any, data: Any) -> None:
            self.examples += 1
            if mode is GenerationMode.POSITIVE:
                case, roles = swap(data, case), ROLES
            else:
                roles = [data.draw(st.sampled_from(ROLES), label="role")]
            for role in roles:
                response = self.send(_request(case, self.tokens[role]))
                self.statuses[role, response.status_code // 100] += 1
                if response.is_success:
                    self.succeeded.add(operation.label)
                try:
                    case.validate_response(response, checks=CHECKS)
                except (AssertionError, FailureGroup) as failure:
                    failure.add_note(f"as {role}")
                    raise

        if SEED is not None:
            check = seed(int(SEED))(check)
        check()

    def run_all(self, schema: Any) -> list[str]:
        """Every operation in both modes; one failure report per operation and mode."""
        failures: list[str] = []
        operations = [result.ok() for result in schema.get_all_operations()]
        operations.sort(key=lambda op: (op.method.upper(), op.path) in LAST)
        for operation in operations:
            for mode in EXAMPLES:
                try:
                    self.run(operation, mode)
                except Unsatisfiable:  # nothing to make malformed (a free-text path segment)
                    continue
                except (Exception, FailureGroup) as error:  # report them all, not the first
                    notes = " ".join(getattr(error, "__notes__", []))
                    failures.append(f"{operation.label} [{mode.value}] {notes}: {error}")
        return failures


def _as_documented(schema: Any, responses: list[httpx.Response]) -> list[str]:
    """Failures of real answers (the world's own happy paths) against the document."""
    failures = []
    for response in responses:
        request = response.request
        operation = schema.find_operation_by_path(request.method, request.url.path)
        if operation is None:
            continue  # not an API operation (the document itself)
        try:
            operation.validate_response(response)
        except (AssertionError, FailureGroup) as error:
            failures.append(f"{operation.label} [setting up]: {error}")
    return failures


async def test_every_operation_answers_as_documented_for_every_role(client, make_person):
    document = (await client.get("/schema/openapi.json")).json()
    schema = schemathesis.openapi.from_dict(document)
    # Unknown query parameters are ignored, as HTTP APIs do (clients add cache-busters).
    schema.config.generation.update(allow_extra_parameters=False)
    answered: list[httpx.Response] = []

    async def keep(response: httpx.Response) -> None:
        await response.aread()
        answered.append(response)

    client.event_hooks = {"response": [keep]}
    world = await fuzz_world(client, make_person)
    client.event_hooks = {}
    failures = _as_documented(schema, answered)
    loop = asyncio.get_running_loop()

    async def call(request: dict[str, Any]) -> httpx.Response:
        built = client.build_request(**request)
        await built.aread()  # a multipart body is a stream; read it so a report can show it
        return await client.send(built)

    def send(request: dict[str, Any]) -> httpx.Response:
        return asyncio.run_coroutine_threadsafe(call(request), loop).result()

    tokens = {role: person.headers["Authorization"] for role, person in world["people"].items()}
    fuzzer = Fuzzer(tokens, world["known"], send)
    failures += await asyncio.to_thread(fuzzer.run_all, schema)
    answers = {
        role: {f"{c}xx": n for (r, c), n in sorted(fuzzer.statuses.items()) if r == role}
        for role in ROLES
    }
    print(f"\n{fuzzer.examples} examples, {fuzzer.statuses.total()} requests: {answers}")
    print(f"{len(fuzzer.succeeded)} operations answered 2xx at least once")
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures)
    # Signed in for real: every role had some requests answered 2xx.
    assert all(fuzzer.statuses[role, 2] for role in ROLES), fuzzer.statuses
