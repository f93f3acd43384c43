from __future__ import annotations


async def test_a_resident_registers_signs_in_and_sees_themselves(client):
    response = await client.post(
        "/api/v1/auth/register",
        json={"phone": "+86 138-0013-8000", "password": "Quiet-river-42", "name": "张秀英"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["phone"] == "13800138000"
    token = await client.post(
        "/api/v1/auth/token", json={"phone": "13800138000", "password": "Quiet-river-42"}
    )
    assert token.status_code == 200, token.text
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    me = await client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200, me.text
    assert me.json()["roles"] == ["resident"]
