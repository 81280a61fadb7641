"""The shortest path through the service: register, sign in, read yourself."""

from tests.factories import API, add_user, register


async def test_register_then_read_me(client):
    admin = await register(client)
    response = await client.get(f"{API}/users/me", headers=admin.headers)
    assert response.status_code == 200
    assert response.json()["role"] == "admin"
    assert response.json()["organization"]["name"] == "Acme Sales"
    rep = await add_user(client, admin)
    me = await client.get(f"{API}/users/me", headers=rep.headers)
    assert me.json()["id"] == rep.id
