"""Every HTML page renders, in Chinese by default and in English on request, with the
layout, the preference bar and the form error contract the templates promise."""

from __future__ import annotations

import re

import pytest

from tests.integration.conftest import csrf_token, sign_in_page

REGION = "510903"  # 船山区, in the shipped gazetteer
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(first_17: str) -> str:
    """A valid 18-character ID number (GB 11643 check character) from its first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first_17, _WEIGHTS, strict=True))
    return first_17 + "10X98765432"[total % 11]


def assert_page(html: str) -> None:
    """What every page has: a finished template, the layout and the preference bar."""
    assert "{{" not in html and "{%" not in html, "unrendered template syntax"
    assert 'name="viewport"' in html
    assert 'href="/static/css/site.css"' in html
    assert 'href="#main"' in html and 'id="main"' in html
    assert html.count('action="/prefs"') == 3
    assert 'name="lang"' in html and 'name="elder_mode"' in html and 'name="text_size"' in html
    assert 'name="_csrf_token"' in html
    # nothing is loaded from another site
    assert not re.search(r'(src|href)="(https?:)?//', html), "external resource on the page"


async def add_elder(client, name: str = "王秀兰", **fields: str):
    token = await csrf_token(client, "/elders/new")
    data = {
        "name": name,
        "id_number": resident_id("51090319450312002"),
        "address": "南津路 12 号 3 单元 201",
        "region_code": REGION,
        "living_situation": "alone",
        "relationship": "child",
        "needs": "meals",
        "_csrf_token": token,
        **fields,
    }
    return await client.post("/elders/new", data=data)


# ------------------------------------------------------------------ signed out


@pytest.mark.parametrize("path", ["/", "/login", "/register"])
async def test_public_pages_render_in_chinese_and_english(client, path):
    zh = await client.get(path)
    assert zh.status_code == 200, zh.text
    assert_page(zh.text)
    assert '<html lang="zh-CN">' in zh.text
    assert "长者服务" in zh.text

    en = await client.get(f"{path}?lang=en")
    assert en.status_code == 200, en.text
    assert_page(en.text)
    assert '<html lang="en">' in en.text
    assert "Eldercare services" in en.text
    assert "中文" in en.text  # the language switch names the other language


async def test_the_chinese_home_page_has_no_untranslated_english(client):
    html = (await client.get("/")).text
    assert "长者服务" in html
    assert "登录" in html and "注册" in html
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S))
    for english in (
        "Eldercare services",
        "Sign in",
        "Register",
        "Skip to main content",
        "Text size",
        "Home",
        "Welcome",
    ):
        assert english not in text, f"untranslated: {english!r}"
    # the one English word allowed is the name of the other language
    assert re.findall(r"[A-Za-z]{3,}", text) == ["English"]


async def test_the_home_page_offers_sign_in_and_register_when_signed_out(client):
    html = (await client.get("/?lang=en")).text
    assert 'href="/login"' in html and 'href="/register"' in html
    assert 'action="/logout"' not in html


async def test_elder_mode_set_through_the_preference_form_shows_on_the_next_page(client):
    assert "elder-mode" not in (await client.get("/")).text.split("<body", 1)[1].split(">", 1)[0]
    token = await csrf_token(client, "/")
    answer = await client.post(
        "/prefs", data={"elder_mode": "1", "next": "/login", "_csrf_token": token}
    )
    assert answer.status_code in (301, 302, 303, 307), answer.text
    assert answer.headers["location"] == "/login"
    html = (await client.get("/login")).text
    body = re.search(r"<body[^>]*>", html).group(0)
    assert "elder-mode" in body
    assert "退出长辈版" in html  # the toggle now offers the way back

    token = await csrf_token(client, "/")
    await client.post("/prefs", data={"elder_mode": "0", "next": "/", "_csrf_token": token})
    body = re.search(r"<body[^>]*>", (await client.get("/")).text).group(0)
    assert "elder-mode" not in body


async def test_text_size_and_language_preferences_show_on_the_next_page(client):
    token = await csrf_token(client, "/")
    await client.post("/prefs", data={"text_size": "largest", "next": "/", "_csrf_token": token})
    html = (await client.get("/")).text
    assert "size-largest" in re.search(r"<body[^>]*>", html).group(0)
    assert re.search(r'value="largest"[^>]*aria-pressed="true"', html)

    await client.post("/prefs", data={"lang": "en", "next": "/", "_csrf_token": token})
    html = (await client.get("/")).text
    assert '<html lang="en">' in html and "Eldercare services" in html


async def test_the_language_switch_does_not_send_the_reader_back_to_a_lang_parameter(client):
    html = (await client.get("/login?lang=en")).text
    form = html.split('name="lang"')[0].rsplit("<form", 1)[1]
    assert 'name="next" value="/login"' in form


async def test_a_wrong_password_shows_a_general_error_and_keeps_the_phone(client, make_person):
    person = await make_person("family")
    token = await csrf_token(client, "/login")
    answer = await client.post(
        "/login", data={"phone": person.phone, "password": "Wrong-pass-123", "_csrf_token": token}
    )
    assert answer.status_code in (400, 401, 422), answer.text
    assert_page(answer.text)
    assert 'id="form-error"' in answer.text and 'role="alert"' in answer.text
    assert f'value="{person.phone}"' in answer.text
    assert "Wrong-pass-123" not in answer.text  # a password is never written back


async def test_register_shows_each_problem_beside_its_field(client):
    token = await csrf_token(client, "/register")
    answer = await client.post(
        "/register",
        data={
            "phone": "12345",
            "name": "李明",
            "password": "short",
            "role": "family",
            "_csrf_token": token,
        },
    )
    assert answer.status_code == 422, answer.text
    html = answer.text
    assert 'id="error-phone"' in html and 'id="error-password"' in html
    assert 'aria-invalid="true" aria-describedby="error-phone"' in html
    assert 'value="李明"' in html
    assert re.search(r'value="family"\s+checked', html)  # the chosen role stays chosen


async def test_unknown_page_renders_the_friendly_404(client):
    answer = await client.get("/no-such-page")
    assert answer.status_code == 404
    assert_page(answer.text)
    assert "找不到" in answer.text
    assert 'href="/"' in answer.text
    en = await client.get("/no-such-page?lang=en")
    assert "We could not find that page" in en.text


# ------------------------------------------------------------------ signed in


async def test_account_page_masks_the_phone_and_lists_elders(client, make_person):
    person = await make_person("family", name="赵丽")
    await sign_in_page(client, person.phone)
    answer = await client.get("/account")
    assert answer.status_code == 200, answer.text
    assert_page(answer.text)
    assert "赵丽" in answer.text
    assert person.phone not in answer.text and person.phone[-4:] in answer.text
    assert 'href="/elders/new"' in answer.text
    assert 'action="/logout"' in answer.text

    created = await add_elder(client, name="王秀兰")
    assert created.status_code in (302, 303), created.text
    html = (await client.get("/account?lang=en")).text
    assert_page(html)
    assert "王秀兰" in html and "Son or daughter" in html
    assert re.search(r'href="/elders/\d+"', html)


async def test_add_elder_page_renders_its_choices(client, make_person):
    person = await make_person("family")
    await sign_in_page(client, person.phone)
    for path in ("/elders/new", "/elders/new?lang=en"):
        answer = await client.get(path)
        assert answer.status_code == 200, answer.text
        assert_page(answer.text)
        html = answer.text
        for field in (
            "name",
            "id_number",
            "phone",
            "address",
            "region_code",
            "lat",
            "lon",
            "living_situation",
            "relationship",
        ):
            assert f'for="{field}"' in html and f'id="{field}"' in html, field
        assert f'value="{REGION}"' in html
        assert html.count('name="needs"') == 8
        assert "<details" in html
    assert "独居" in (await client.get("/elders/new")).text


async def test_a_bad_id_number_is_shown_beside_its_field_and_the_name_is_kept(client, make_person):
    person = await make_person("family")
    await sign_in_page(client, person.phone)
    answer = await add_elder(client, name="陈桂芳", id_number="51090319450312002X", needs="meals")
    assert answer.status_code == 422, answer.text
    html = answer.text
    assert_page(html)
    assert 'id="error-id_number"' in html
    assert 'aria-invalid="true" aria-describedby="error-id_number"' in html
    assert 'value="陈桂芳"' in html
    assert re.search(r'value="meals"\s+checked', html)
    assert re.search(rf'value="{REGION}"\s+selected', html)
    assert 'name="next" value="/elders/new"' in html  # preferences come back to the form page


async def test_the_add_elder_form_works_with_no_need_ticked(client, make_person):
    person = await make_person("family")
    await sign_in_page(client, person.phone)
    token = await csrf_token(client, "/elders/new")
    answer = await client.post(
        "/elders/new",
        data={
            "name": "周大爷",
            "id_number": resident_id("51090319450312002"),
            "address": "凯旋路 1 号",
            "region_code": REGION,
            "_csrf_token": token,
        },
    )
    assert answer.status_code in (302, 303), answer.status_code


async def test_elder_detail_shows_the_record_masked(client, make_person):
    person = await make_person("family")
    await sign_in_page(client, person.phone)
    created = await add_elder(client, name="王秀兰", phone="13912345678", needs="meals")
    location = created.headers["location"]
    answer = await client.get(location)
    assert answer.status_code == 200, answer.text
    html = answer.text
    assert_page(html)
    assert "王秀兰" in html and "已" in html  # the "registered" message
    assert "510903********" in html
    assert "13912345678" not in html and "139****5678" in html
    assert "1945" in html
    assert "/reveal" not in html  # family members cannot reveal
    en = await client.get(location.split("?")[0] + "?lang=en")
    assert en.status_code == 200
    assert "Help with meals" in en.text and "Lives alone" in en.text


async def test_staff_see_the_registry_and_can_reveal_an_id(client, make_person):
    staff = await make_person("community_staff", region=REGION, name="社区小刘")
    await sign_in_page(client, staff.phone)
    home = (await client.get("/")).text
    assert 'href="/staff/elders"' in home
    form = (await client.get("/elders/new")).text
    assert 'id="relationship"' not in form  # staff register on the elder's behalf

    created = await add_elder(client, name="刘福贵", relationship="")
    assert created.status_code in (302, 303), created.text
    elder_path = created.headers["location"].split("?")[0]

    for path in ("/staff/elders", "/staff/elders?lang=en", "/staff/elders?q=刘"):
        answer = await client.get(path)
        assert answer.status_code == 200, answer.text
        assert_page(answer.text)
        assert "刘福贵" in answer.text
    empty = await client.get("/staff/elders?q=nobody")
    assert empty.status_code == 200 and "刘福贵" not in empty.text

    account = (await client.get("/account")).text
    assert 'href="/staff/elders"' in account

    detail = (await client.get(elder_path)).text
    assert f'action="{elder_path}/reveal"' in detail
    token = await csrf_token(client, elder_path)
    revealed = await client.post(f"{elder_path}/reveal", data={"_csrf_token": token})
    assert revealed.status_code in (200, 201), revealed.text
    assert resident_id("51090319450312002") in revealed.text
    assert f'name="next" value="{elder_path}"' in revealed.text


async def test_the_registry_pages_through_many_elders(client, make_person):
    staff = await make_person("community_staff", region=REGION)
    await sign_in_page(client, staff.phone)
    for n in range(21):
        answer = await add_elder(
            client, name=f"长者{n:02d}", id_number=resident_id(f"510903194501{n + 1:02d}001")
        )
        assert answer.status_code in (302, 303), answer.text
    first = (await client.get("/staff/elders?lang=en")).text
    assert "Page 1 of 2" in first and "Next" in first and "Previous" not in first
    second = (await client.get("/staff/elders?page=2")).text
    assert "第 2 页" in second and "上一页" in second


async def test_a_family_member_cannot_open_the_registry(client, make_person):
    person = await make_person("family")
    await sign_in_page(client, person.phone)
    answer = await client.get("/staff/elders")
    assert answer.status_code == 403
    assert_page(answer.text)
    assert 'href="/"' in answer.text


async def test_pages_that_need_sign_in_send_the_reader_to_sign_in(client):
    answer = await client.get("/account")
    assert answer.status_code in (302, 303)
    assert answer.headers["location"].startswith("/login")
