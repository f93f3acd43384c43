"""The pure security rules: which headers an answer gets, which needs are health conditions."""

from __future__ import annotations

import pytest

from eldercare.accounts import consents
from eldercare.errors import Invalid
from eldercare.web.security import CSP, add_security_headers, headers_for


def directives(policy: str) -> dict[str, str]:
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in policy.split(";")
        if part.strip()
    }


def test_the_policy_allows_scripts_from_this_site_only():
    policy = directives(CSP)
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert "unsafe-eval" not in CSP and "data:" not in policy["script-src"]


def test_pages_and_api_answers_are_never_stored_but_static_files_may_be():
    for path in ("/", "/account", "/elders/3", "/api/v1/elders", "/schema/openapi.json"):
        assert headers_for(path)["cache-control"] == "no-store", path
    assert "cache-control" not in headers_for("/static/css/site.css")


def test_every_answer_says_nosniff_no_framing_and_same_origin_referrer():
    for path in ("/", "/api/v1/me", "/static/js/site.js", "/schema"):
        headers = headers_for(path)
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "same-origin"


def test_only_the_swagger_page_may_run_its_inline_script():
    assert (
        "'unsafe-inline'"
        in directives(headers_for("/schema")["content-security-policy"])["script-src"]
    )
    for path in ("/schema/openapi.json", "/", "/account/password", "/schemas"):
        assert directives(headers_for(path)["content-security-policy"])["script-src"] == "'self'"


def test_hsts_only_when_served_over_https():
    assert "strict-transport-security" not in headers_for("/")
    assert headers_for("/", https=True)["strict-transport-security"].startswith("max-age=")


def test_health_conditions_need_consent_and_services_wanted_do_not():
    assert consents.health_problem(["meals", "bathing"], consent=False) is None
    problem = consents.health_problem(["diabetes", "meals"], consent=False)
    assert problem is not None and problem.key == "consent_health"
    assert consents.health_problem(["diabetes"], consent=True) is None


def test_health_conditions_already_on_record_need_no_new_consent():
    assert consents.health_problem(["diabetes"], consent=False, before=["diabetes"]) is None
    added = consents.health_problem(["diabetes", "vision"], consent=False, before=["diabetes"])
    assert added is not None and added.key == "consent_health"


def test_a_bank_account_needs_consent_and_no_account_needs_none():
    consents.require_bank("", consent=False)
    consents.require_bank("6217731234567890", consent=True)
    with pytest.raises(Invalid) as refused:
        consents.require_bank("6217731234567890", consent=False)
    assert [p.key for p in refused.value.problems] == ["consent_bank"]


async def test_the_hook_adds_each_missing_header_once_and_keeps_the_handlers_own():
    message = {
        "type": "http.response.start",
        "status": 200,
        "headers": ((b"Cache-Control", b"max-age=60"), (b"content-type", b"text/csv")),
    }
    await add_security_headers(message, {"type": "http", "path": "/reports/export.csv"})
    names = [name.lower() for name, _ in message["headers"]]
    assert len(names) == len(set(names))  # nothing twice
    sent = {name.lower().decode(): value.decode() for name, value in message["headers"]}
    assert sent["cache-control"] == "max-age=60"  # the handler's own, kept
    expected = headers_for("/reports/export.csv")
    assert {k: v for k, v in sent.items() if k in expected and k != "cache-control"} == {
        k: v for k, v in expected.items() if k != "cache-control"
    }
    body = {"type": "http.response.body", "body": b""}
    await add_security_headers(body, {"type": "http", "path": "/"})
    assert "headers" not in body
