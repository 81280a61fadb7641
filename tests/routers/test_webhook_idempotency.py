"""POST /webhook-endpoints with Idempotency-Key: a retried create answers the first response,
signing secret included, and creates nothing more; the secret is stored sealed meanwhile."""

from __future__ import annotations

from sqlalchemy import func, select

from api.models import IdempotencyRecord, WebhookEndpoint
from tests.factories import API, assert_problem, register


async def test_a_retried_create_replays_the_first_response_with_its_secret(http, hook_app):
    admin = await register(http)
    body = {"url": "https://hooks.example.com/in", "events": ["project.created"]}
    headers = {**admin.headers, "Idempotency-Key": "create-endpoint-1"}
    first = await http.post(f"{API}/webhook-endpoints", headers=headers, json=body)
    assert first.status_code == 201, first.text
    again = await http.post(f"{API}/webhook-endpoints", headers=headers, json=body)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and again.json()["secret"].startswith("whsec_")

    async with hook_app.state.sessionmaker() as session:
        endpoints = await session.scalar(select(func.count()).select_from(WebhookEndpoint))
        stored = await session.scalar(select(IdempotencyRecord))
    assert endpoints == 1
    # Kept sealed, never as the secret itself.
    assert stored is not None and first.json()["secret"] not in str(stored.response_body)

    other = await http.post(
        f"{API}/webhook-endpoints", headers=headers, json={**body, "description": "changed"}
    )
    assert_problem(other, 422)
