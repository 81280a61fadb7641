"""Receive, then apply (DESIGN 7.4): hooks answer at once and the worker applies each event,
reading what the event only points at from the CRM's API (a test double over real HTTP,
tests/crm_double.py): HubSpot's deals, companies, owners and pipeline stages, Pipedrive's
users and organizations; rate limits, slow answers, retries, caches; failed events kept,
listed and retryable; and what each provider's events do to projects."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from api.main import create_app
from api.models import CrmInboundEvent
from api.services.crm_hooks import crm_api
from api.services.crm_hooks.worker import CrmEventWorker
from tests import cast
from tests.crm_double import HUBSPOT_TOKEN, PIPEDRIVE_TOKEN, CrmDouble
from tests.factories import API, Actor, add_user, assert_problem, register
from tests.routers.test_crm_hooks import basic, generic_body, hubspot_headers, send_generic
from tests.test_secrets_in_logs import captured, everything_in  # noqa: F401 (fixture)

SECRET = "hubspot-app-client-secret"


@pytest.fixture(scope="module")
async def crm_app(app, settings):
    """The app allowed to reach the loopback double, with short CRM API timeouts. Depends on
    conftest's ``app`` so the tables are emptied after each test."""
    application = create_app(
        settings.model_copy(
            update={"webhook_allow_private_targets": True, "crm_api_timeout_seconds": 0.5}
        )
    )
    yield application
    await application.state.live_hub.close()
    await application.state.engine.dispose()


@pytest.fixture
async def crm(crm_app) -> AsyncIterator[httpx.AsyncClient]:
    async with cast.in_process(crm_app) as client:
        yield client


@pytest.fixture
def double() -> Iterator[CrmDouble]:
    server = CrmDouble()
    server.start()
    crm_api.clear_cache()
    yield server
    server.close()


def worker(app, schedule: tuple[float, ...] = (0, 0)) -> CrmEventWorker:
    return CrmEventWorker(app.state.sessionmaker, app.state.settings, schedule=schedule)


async def apply(client: httpx.AsyncClient, schedule: tuple[float, ...] = (0, 0)) -> int:
    app = cast.app_of(client)
    return await worker(app, schedule).drain()


async def connect(client, admin: Actor, provider: str, **extra) -> dict:
    body = {"provider": provider, "name": provider, "default_owner_id": admin.id, **extra}
    if provider == "hubspot":
        body.setdefault("client_secret", SECRET)
    r = await client.post(f"{API}/integrations/crm", headers=admin.headers, json=body)
    assert r.status_code == 201, r.text
    return r.json()


_event_ids = iter(range(1000, 10**9))


def hs(kind: str, object_id: int | None = None, *, at: int | None = None, **fields) -> dict:
    """One event as HubSpot sends it (its webhooks guide's example fields)."""
    event = {
        "eventId": next(_event_ids),
        "subscriptionId": 4242,
        "portalId": 62515,
        "appId": 54321,
        "occurredAt": at if at is not None else int(time.time() * 1000),
        "subscriptionType": kind,
        "attemptNumber": 0,
        "changeSource": "CRM_UI",
        **({"objectId": object_id} if object_id is not None else {}),
        **fields,
    }
    return event


def change(object_id: int, name: str, value: str, *, at: int | None = None) -> dict:
    return hs("deal.propertyChange", object_id, at=at, propertyName=name, propertyValue=value) | {
        "sourceId": "userId:123"
    }


async def post_hubspot(client, connection: dict, *events: dict) -> httpx.Response:
    body = json.dumps(list(events)).encode()
    headers = hubspot_headers(SECRET, connection["webhook_url"], body)
    return await client.post(f"{API}/hooks/crm/{connection['id']}", content=body, headers=headers)


async def log_of(client, admin: Actor, connection: dict) -> list[dict]:
    r = await client.get(
        f"{API}/integrations/crm/{connection['id']}/events",
        headers=admin.headers,
        params={"limit": 200},
    )
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def projects(client, admin: Actor) -> dict[str, dict]:
    r = await client.get(f"{API}/projects", headers=admin.headers, params={"limit": 200})
    assert r.status_code == 200, r.text
    return {p["external_id"]: p for p in r.json()["items"]}


async def clients(client, admin: Actor) -> dict[str, dict]:
    r = await client.get(f"{API}/clients", headers=admin.headers, params={"limit": 200})
    assert r.status_code == 200, r.text
    return {c["external_id"]: c for c in r.json()["items"]}


# --- receive, then apply -------------------------------------------------------------------


async def test_a_hundred_event_hubspot_batch_is_acknowledged_at_once_then_applied(crm):
    admin = await register(crm)
    connection = await connect(crm, admin, "hubspot")
    events = [hs("deal.creation", 7000 + i) for i in range(50)]
    events += [change(7000 + i, "dealname", f"Deal {i}") for i in range(50)]
    started = time.perf_counter()
    r = await post_hubspot(crm, connection, *events)
    elapsed = time.perf_counter() - started
    assert r.status_code == 200, r.text
    # HubSpot gives up after 5 s: well under that, nothing applied yet.
    assert elapsed < 2.0, elapsed
    assert [e["result"] for e in r.json()["events"]] == ["pending"] * 100
    assert await projects(crm, admin) == {}

    assert await apply(crm) == 100
    found = await projects(crm, admin)
    assert len(found) == 50 and found["7007"]["title"] == "Deal 7"
    results = [e["result"] for e in await log_of(crm, admin, connection)]
    assert sorted(set(results)) == ["created", "updated"] and results.count("created") == 50


async def test_event_identity_is_the_four_parts_and_replays_change_nothing(crm):
    admin = await register(crm)
    connection = await connect(crm, admin, "hubspot")
    first = change(31, "dealname", "Alpha")
    # The same eventId from another subscription, and for another property: other events.
    other_subscription = first | {"subscriptionId": 9999, "propertyValue": "Beta"}
    other_property = first | {"propertyName": "amount", "propertyValue": "100"}
    r = await post_hubspot(crm, connection, hs("deal.creation", 31), first, other_subscription)
    assert [e["replayed"] for e in r.json()["events"]] == [False, False, False]
    r = await post_hubspot(crm, connection, first, other_property, first)
    assert [e["replayed"] for e in r.json()["events"]] == [True, False, True]
    ids = {e["external_id"] for e in r.json()["events"]}
    assert ids == {f"4242:{first['eventId']}:31:dealname", f"4242:{first['eventId']}:31:amount"}
    await apply(crm)
    assert len(await log_of(crm, admin, connection)) == 4


async def test_property_changes_apply_in_occurred_at_order(crm):
    """A newer value is never overwritten by an older one that arrives later, property by
    property, within a batch and across batches."""
    admin = await register(crm)
    connection = await connect(crm, admin, "hubspot")
    await post_hubspot(
        crm,
        connection,
        hs("deal.creation", 55, at=1_000),
        change(55, "dealname", "Newest name", at=3_000),
        change(55, "dealname", "Old name", at=2_000),
        change(55, "amount", "900", at=2_500),
    )
    await apply(crm)
    late = await post_hubspot(
        crm,
        connection,
        change(55, "dealname", "Older still", at=1_500),
        change(55, "amount", "1200", at=2_600),  # newer for amount: applies
    )
    await apply(crm)
    deal = (await projects(crm, admin))["55"]
    assert deal["title"] == "Newest name" and float(deal["estimated_value"]) == 1200
    log = {e["external_id"]: e for e in await log_of(crm, admin, connection)}
    stale = log[late.json()["events"][0]["external_id"]]
    assert stale["result"] == "ignored" and "dealname" in stale["reason"]


async def test_without_a_token_only_the_webhook_is_applied_and_the_connection_says_so(crm):
    admin = await register(crm)
    connection = await connect(crm, admin, "hubspot")
    assert connection["api_token_set"] is False
    assert connection["missing"] and connection["missing"][0].startswith("access_token")
    await post_hubspot(
        crm,
        connection,
        hs("deal.creation", 88),
        change(88, "dealstage", "closedwon"),
        change(88, "hubspot_owner_id", "77"),
    )
    await apply(crm)
    deal = (await projects(crm, admin))["88"]
    assert deal["title"] == "Hubspot deal 88" and deal["status"] == "won"
    assert deal["owner_id"] == admin.id
    log = await log_of(crm, admin, connection)
    owner_event = next(e for e in log if e["external_id"].endswith(":hubspot_owner_id"))
    assert "no API token" in owner_event["reason"]


# --- HubSpot with an access token ----------------------------------------------------------


async def hubspot_setup(crm, double: CrmDouble) -> tuple[Actor, Actor, dict]:
    admin = await register(crm)
    olga = await add_user(crm, admin, full_name="Olga Owner")
    double.add_owner("77", olga.user["email"])
    double.add_company("901", "Northwind Traders", "COMPUTER_SOFTWARE", "northwind.example")
    double.add_deal(
        "555",
        company_id="901",
        dealname="Northwind renewal",
        amount="4200.50",
        deal_currency_code="EUR",
        closedate="2026-12-31T00:00:00Z",
        hubspot_owner_id="77",
    )
    connection = await connect(
        crm, admin, "hubspot", access_token=HUBSPOT_TOKEN, api_base_url=double.url
    )
    return admin, olga, connection


async def test_hubspot_reads_the_deal_company_owner_and_stages(crm, double):
    admin, olga, connection = await hubspot_setup(crm, double)
    assert connection["api_token_set"] is True and connection["missing"] == []
    assert HUBSPOT_TOKEN not in json.dumps(connection)
    await post_hubspot(crm, connection, hs("deal.creation", 555))
    await apply(crm)
    deal = (await projects(crm, admin))["555"]
    assert deal["title"] == "Northwind renewal" and deal["estimated_value"] == "4200.50"
    assert deal["currency"] == "EUR" and deal["due_date"] == "2026-12-31"
    assert deal["owner_id"] == olga.id and deal["kind"] == "account"
    company = (await clients(crm, admin))["901"]
    assert (company["name"], company["industry"]) == ("Northwind Traders", "COMPUTER_SOFTWARE")
    assert "northwind.example" in company["notes"]
    assert deal["client_id"] == company["id"]
    # The token went in the Authorization header, never in a URL.
    calls = double.calls_to("/crm/v3/")
    assert calls and all(c.headers["authorization"] == f"Bearer {HUBSPOT_TOKEN}" for c in calls)
    assert all(HUBSPOT_TOKEN not in c.query for c in calls)

    # A custom pipeline: won and lost come from the stages' metadata, not their names.
    for stage, status in (("1021002", "won"), ("1021001", "open"), ("1021003", "lost")):
        double.deals["555"]["properties"] |= {"pipeline": "7812345", "dealstage": stage}
        await post_hubspot(crm, connection, change(555, "dealstage", stage))
        await apply(crm)
        assert (await projects(crm, admin))["555"]["status"] == status, stage
    # Pipelines and owners were read once, then cached.
    assert len(double.calls_to("/crm/v3/pipelines")) == 1
    assert len(double.calls_to("/crm/v3/owners")) == 1


async def test_hubspot_owner_change_hands_the_project_over(crm, double):
    admin, olga, connection = await hubspot_setup(crm, double)
    await post_hubspot(crm, connection, hs("deal.creation", 555))
    await apply(crm)
    tom = await add_user(crm, admin, full_name="Tom Taker")
    double.add_owner("78", tom.user["email"])
    double.deals["555"]["properties"]["hubspot_owner_id"] = "78"
    await post_hubspot(crm, connection, change(555, "hubspot_owner_id", "78"))
    await apply(crm)
    deal = (await projects(crm, admin))["555"]
    assert deal["owner_id"] == tom.id
    members = await crm.get(f"{API}/projects/{deal['id']}/members", headers=admin.headers)
    roles = {m["user_id"]: m["role"] for m in members.json()["items"]}
    assert roles == {tom.id: "owner", olga.id: "helper"}


async def test_hubspot_deletion_restore_merge_and_association(crm, double):
    admin, _olga, connection = await hubspot_setup(crm, double)
    double.add_deal("556", dealname="Duplicate of Northwind")
    double.add_company("902", "Fabrikam", "RETAIL", "fabrikam.example")
    await post_hubspot(crm, connection, hs("deal.creation", 555), hs("deal.creation", 556))
    await apply(crm)

    await post_hubspot(crm, connection, hs("deal.deletion", 555))
    await apply(crm)
    deal = (await projects(crm, admin))["555"]
    assert deal["status"] == "abandoned" and deal["close_note"] == "Deleted in HubSpot"
    # A late change from before the deletion does not revive it; a restore does.
    await post_hubspot(crm, connection, change(555, "dealstage", "appointmentscheduled"))
    await apply(crm)
    assert (await projects(crm, admin))["555"]["status"] == "abandoned"
    await post_hubspot(crm, connection, hs("deal.restore", 555))
    await apply(crm)
    assert (await projects(crm, admin))["555"]["status"] == "open"

    # 556 merged into 555: its project is abandoned and points to the survivor.
    del double.deals["556"]
    await post_hubspot(
        crm,
        connection,
        hs("deal.merge", 555, primaryObjectId=555, mergedObjectIds=[556], newObjectId=555),
    )
    await apply(crm)
    found = await projects(crm, admin)
    assert found["556"]["status"] == "abandoned"
    assert found["556"]["merged_into_id"] == found["555"]["id"]
    assert found["555"]["status"] == "open"

    # The deal moves to another company: the project follows it to that client.
    await post_hubspot(
        crm,
        connection,
        hs(
            "deal.associationChange",
            associationType="DEAL_TO_COMPANY",
            fromObjectId=555,
            toObjectId=902,
            associationRemoved=False,
            isPrimaryAssociation=True,
        ),
    )
    await apply(crm)
    company = (await clients(crm, admin))["902"]
    assert company["name"] == "Fabrikam"
    assert (await projects(crm, admin))["555"]["client_id"] == company["id"]


async def test_hubspot_generic_object_subscriptions_for_deals(crm):
    admin = await register(crm)
    connection = await connect(crm, admin, "hubspot")
    r = await post_hubspot(
        crm,
        connection,
        hs("object.creation", 61, objectTypeId="0-3"),
        hs("object.propertyChange", 61, objectTypeId="0-3")
        | {"propertyName": "dealname", "propertyValue": "Via object subscription"},
        hs("object.creation", 62, objectTypeId="0-1"),  # a contact
    )
    assert [e["result"] for e in r.json()["events"]] == ["pending", "pending", "ignored"]
    await apply(crm)
    assert (await projects(crm, admin))["61"]["title"] == "Via object subscription"
    await post_hubspot(crm, connection, hs("object.deletion", 61, objectTypeId="0-3"))
    await apply(crm)
    assert (await projects(crm, admin))["61"]["status"] == "abandoned"


# --- the CRM API misbehaving ---------------------------------------------------------------


async def test_rate_limits_are_waited_out_or_requeued_and_slow_answers_time_out(crm, double):
    admin, _olga, connection = await hubspot_setup(crm, double)
    # A short secondly limit is waited out inline (the interval header, 200 ms).
    double.answer("/crm/v3/objects/deals/555", ("429", 0.2))
    await post_hubspot(crm, connection, hs("deal.creation", 555))
    await apply(crm)
    assert (await projects(crm, admin))["555"]["title"] == "Northwind renewal"
    assert len(double.calls_to("/crm/v3/objects/deals/555")) == 2

    # A long one (Retry-After 120 s) puts the event back in the queue for later.
    double.add_deal("600", dealname="Later")
    double.answer("/crm/v3/objects/deals/600", ("429", 120))
    r = await post_hubspot(crm, connection, hs("deal.creation", 600))
    await apply(crm, schedule=(1, 1))
    [row] = [
        e
        for e in await log_of(crm, admin, connection)
        if e["external_id"] == r.json()["events"][0]["external_id"]
    ]
    assert row["result"] == "pending" and "rate limited" in row["reason"]
    due = datetime.fromisoformat(row["next_attempt_at"])
    assert due - datetime.now(UTC) > timedelta(seconds=100)

    # Slow answers time out (0.5 s here) and are retried; past the attempts, failed.
    double.add_deal("601", dealname="Slow")
    double.answer("/crm/v3/objects/deals/601", *[("slow", 1.0)] * 9)
    r = await post_hubspot(crm, connection, hs("deal.creation", 601))
    await apply(crm, schedule=(0, 0))
    [row] = [
        e
        for e in await log_of(crm, admin, connection)
        if e["external_id"] == r.json()["events"][0]["external_id"]
    ]
    assert row["result"] == "failed" and "timed out" in row["reason"], row
    assert row["attempts"] == 3

    # An admin retries it once the CRM answers again.
    double.plan.clear()
    retried = await crm.post(
        f"{API}/integrations/crm/{connection['id']}/events/{row['id']}/retry",
        headers=admin.headers,
    )
    assert retried.status_code == 202, retried.text
    assert retried.json()["result"] == "pending" and retried.json()["attempts"] == 0
    await apply(crm)
    assert (await projects(crm, admin))["601"]["title"] == "Slow"


async def test_a_refused_token_fails_the_event_with_its_reason(crm, double):
    admin = await register(crm)
    connection = await connect(
        crm, admin, "hubspot", access_token="pat-wrong", api_base_url=double.url
    )
    r = await post_hubspot(crm, connection, hs("deal.creation", 555))
    await apply(crm)
    [row] = await log_of(crm, admin, connection)
    assert row["external_id"] == r.json()["events"][0]["external_id"]
    assert row["result"] == "failed" and "refused the API token" in row["reason"]
    assert "pat-wrong" not in json.dumps(row)


async def test_retry_is_for_admins_of_the_organization_and_failed_events_only(crm):
    admin = await register(crm)
    rep = await add_user(crm, admin)
    rival = await register(crm, organization_name="Rival")
    connection = await connect(crm, admin, "generic")
    r = await send_generic(crm, connection, generic_body("D-1"))
    await apply(crm)
    [row] = await log_of(crm, admin, connection)
    path = f"{API}/integrations/crm/{connection['id']}/events/{row['id']}/retry"
    assert_problem(await crm.post(path), 401)
    assert_problem(await crm.post(path, headers=rep.headers), 403)
    assert_problem(await crm.post(path, headers=rival.headers), 404)
    other = f"{API}/integrations/crm/{connection['id']}/events/{uuid.uuid4()}/retry"
    assert_problem(await crm.post(other, headers=admin.headers), 404)
    # Applied already (created): nothing to retry.
    assert_problem(await crm.post(path, headers=admin.headers), 409)
    assert r.status_code == 200


# --- Pipedrive -----------------------------------------------------------------------------


def pipedrive(entity: str, action: str, data: dict | None, *, at: str, **meta) -> bytes:
    """A webhooks v2 body as Pipedrive sends it (its v2 guide's fields)."""
    return json.dumps(
        {
            "data": data,
            "previous": meta.pop("previous", None),
            "meta": {
                "action": action,
                "company_id": "12345678",
                "correlation_id": str(uuid.uuid4()),
                "entity_id": str(meta.pop("entity_id", (data or {}).get("id"))),
                "entity": entity,
                "id": str(uuid.uuid4()),
                "is_bulk_edit": False,
                "timestamp": at,
                "type": "general",
                "user_id": "42",
                "version": "2.0",
                "webhook_id": "778",
                "webhook_owner_id": "42",
                "change_source": "app",
                "permitted_user_ids": ["42"],
                "attempt": 1,
                "host": "acme.pipedrive.com",
                **meta,
            },
        }
    ).encode()


def deal(deal_id: int = 31, **fields) -> dict:
    return {
        "id": deal_id,
        "title": "Contoso rollout",
        "creator_user_id": 42,
        "owner_id": 42,
        "value": 1500,
        "currency": "USD",
        "person_id": None,
        "org_id": 77,
        "stage_id": 1,
        "pipeline_id": 1,
        "status": "open",
        "add_time": "2026-11-30T09:00:00Z",
        "update_time": "2026-11-30T09:00:00Z",
        "is_deleted": False,
        "custom_fields": {},
        **fields,
    }


async def test_pipedrive_owners_organizations_changes_delete_titles_and_currencies(crm, double):
    admin = await register(crm)
    olga = await add_user(crm, admin, full_name="Olga Owner")
    tom = await add_user(crm, admin, full_name="Tom Taker")
    double.users[42] = {"email": olga.user["email"]}
    double.users[43] = {"email": tom.user["email"]}
    double.organizations[77] = {"name": "Contoso Ltd"}
    double.organizations[78] = {"name": "Litware"}
    connection = await connect(
        crm, admin, "pipedrive", api_token=PIPEDRIVE_TOKEN, api_base_url=double.url
    )
    headers = basic(connection["basic_username"], connection["signing_secret"])
    path = f"{API}/hooks/crm/{connection['id']}"

    async def send(body: bytes) -> httpx.Response:
        r = await crm.post(path, content=body, headers=headers)
        assert r.status_code == 200, r.text
        await apply(crm)
        return r

    title = "T" * 255
    await send(
        pipedrive(
            "deal",
            "create",
            deal(title=title, currency="jpy", value=120000),
            at="2026-11-30T09:00:00.000Z",
        )
    )
    found = (await projects(crm, admin))["31"]
    assert found["title"] == title and found["owner_id"] == olga.id
    assert (found["currency"], found["estimated_value"]) == ("JPY", "120000")
    assert (await clients(crm, admin))["77"]["name"] == "Contoso Ltd"
    assert all(c.headers.get("x-api-token") == PIPEDRIVE_TOKEN for c in double.calls)
    assert all(PIPEDRIVE_TOKEN not in c.query for c in double.calls)

    # Another organization and another owner on the deal: the project follows both.
    await send(
        pipedrive(
            "deal",
            "change",
            deal(title=title, org_id=78, owner_id=43),
            at="2026-11-30T10:00:00.000Z",
        )
    )
    found = (await projects(crm, admin))["31"]
    assert found["client_id"] == (await clients(crm, admin))["78"]["id"]
    assert found["owner_id"] == tom.id
    # An older body arriving late changes nothing.
    await send(pipedrive("deal", "change", deal(title="Stale"), at="2026-11-30T09:30:00.000Z"))
    assert (await projects(crm, admin))["31"]["title"] == title

    # The organization renamed at Pipedrive: the client follows.
    await send(
        pipedrive(
            "organization",
            "change",
            {"id": 78, "name": "Litware Inc."},
            at="2026-11-30T11:00:00.000Z",
        )
    )
    assert (await clients(crm, admin))["78"]["name"] == "Litware Inc."

    # Deleted (also how v2 reports the merged-away deal of a merge): abandoned.
    await send(
        pipedrive(
            "deal", "delete", None, at="2026-11-30T12:00:00.000Z", entity_id=31, previous=deal()
        )
    )
    found = (await projects(crm, admin))["31"]
    assert found["status"] == "abandoned" and found["close_note"] == "Deleted in Pipedrive"
    assert found["merged_into_id"] is None

    # A merge, as v2 sends it: the survivor changed, the merged-away deal deleted with
    # meta.merged_to_id. The merged-away project is abandoned and points at the survivor's.
    await send(pipedrive("deal", "create", deal(40, title="Fabrikam"), at="2026-11-30T12:10Z"))
    await send(pipedrive("deal", "create", deal(41, title="Fabrikam 2"), at="2026-11-30T12:11Z"))
    await send(pipedrive("deal", "change", deal(40, title="Fabrikam"), at="2026-11-30T12:20Z"))
    await send(
        pipedrive(
            "deal",
            "delete",
            None,
            at="2026-11-30T12:20:00.000Z",
            entity_id=41,
            previous=deal(41),
            merged_to_id="40",
        )
    )
    after = await projects(crm, admin)
    survivor, merged = after["40"], after["41"]
    assert survivor["status"] == "open"
    assert merged["status"] == "abandoned"
    assert merged["merged_into_id"] == survivor["id"]
    assert merged["close_note"] == "Merged into Pipedrive deal 40"


async def test_pipedrive_without_a_token_says_what_is_missing(crm):
    admin = await register(crm)
    connection = await connect(crm, admin, "pipedrive")
    assert connection["missing"] and connection["missing"][0].startswith("api_token")
    headers = basic(connection["basic_username"], connection["signing_secret"])
    r = await crm.post(
        f"{API}/hooks/crm/{connection['id']}",
        content=pipedrive("deal", "create", deal(currency="CHF"), at="2026-11-30T09:00:00.000Z"),
        headers=headers,
    )
    assert r.status_code == 200, r.text
    await apply(crm)
    found = (await projects(crm, admin))["31"]
    assert found["owner_id"] == admin.id and found["currency"] == "CHF"
    assert (await clients(crm, admin))["77"]["name"] == "Pipedrive organization 77"


# --- generic -------------------------------------------------------------------------------


async def test_generic_owner_email_hands_over_and_deleted_abandons(crm):
    admin = await register(crm)
    olga = await add_user(crm, admin, full_name="Olga Owner")
    tom = await add_user(crm, admin, full_name="Tom Taker")
    connection = await connect(crm, admin, "generic")
    await send_generic(crm, connection, generic_body("D-1", owner_email=olga.user["email"]))
    await apply(crm)
    assert (await projects(crm, admin))["D-1"]["owner_id"] == olga.id
    await send_generic(crm, connection, generic_body("D-1", owner_email=tom.user["email"]))
    await apply(crm)
    assert (await projects(crm, admin))["D-1"]["owner_id"] == tom.id
    body = json.dumps({"type": "deal.deleted", "data": {"deal_id": "D-1"}}).encode()
    await send_generic(crm, connection, body)
    await apply(crm)
    found = (await projects(crm, admin))["D-1"]
    assert found["status"] == "abandoned" and found["close_note"] == "Deleted in the CRM"


# --- connections ---------------------------------------------------------------------------


async def test_tokens_are_sealed_checked_and_never_shown_or_logged(crm, double, captured):  # noqa: F811
    admin = await register(crm)
    connection = await connect(
        crm, admin, "hubspot", access_token=HUBSPOT_TOKEN, api_base_url=double.url
    )
    listed = await crm.get(f"{API}/integrations/crm", headers=admin.headers)
    assert HUBSPOT_TOKEN not in listed.text
    [read] = listed.json()["items"]
    assert read["api_token_set"] is True and read["api_base_url"] == double.url
    for body, status in (
        ({"provider": "pipedrive", "access_token": "x"}, 409),
        ({"provider": "hubspot", "client_secret": "s", "api_token": "x"}, 409),
        ({"provider": "generic", "api_base_url": double.url}, 409),
        ({"provider": "hubspot", "client_secret": "s", "api_base_url": "ftp://x.example"}, 422),
        ({"provider": "hubspot", "client_secret": "s", "access_token": "has space"}, 422),
    ):
        r = await crm.post(
            f"{API}/integrations/crm",
            headers=admin.headers,
            json={"name": "x", "default_owner_id": admin.id, **body},
        )
        assert_problem(r, status)
    double.answer("/crm/v3/objects/deals/1", ("500", 0))
    await post_hubspot(crm, connection, hs("deal.creation", 1))
    await apply(crm)
    for record in captured.records:
        assert HUBSPOT_TOKEN not in everything_in(record), record.name


async def test_a_batch_of_thousands_of_tiny_events_within_the_body_cap_is_stored(crm, crm_app):
    """More rows than one INSERT could bind parameters for: stored in chunks, never a 500."""
    admin = await register(crm)
    connection = await connect(crm, admin, "hubspot")
    events = [
        {"eventId": i, "subscriptionType": "contact.creation", "objectId": 1} for i in range(3000)
    ]
    body = json.dumps(events, separators=(",", ":")).encode()
    assert len(body) < crm_app.state.settings.crm_hook_max_body_bytes
    headers = hubspot_headers(SECRET, connection["webhook_url"], body)
    r = await crm.post(f"{API}/hooks/crm/{connection['id']}", content=body, headers=headers)
    assert r.status_code == 200, r.text[:500]
    assert len(r.json()["events"]) == 3000
    async with crm_app.state.sessionmaker() as session:
        stored = await session.scalar(select(func.count()).select_from(CrmInboundEvent))
    assert stored == 3000


async def test_retrying_an_event_that_never_parsed_fails_it_again_and_the_worker_goes_on(crm):
    admin = await register(crm)
    connection = await connect(crm, admin, "hubspot")
    r = await post_hubspot(crm, connection, "not an event", hs("deal.creation", 71))
    assert [e["result"] for e in r.json()["events"]] == ["failed", "pending"]
    await apply(crm)
    log = {e["external_id"]: e for e in await log_of(crm, admin, connection)}
    broken = log[r.json()["events"][0]["external_id"]]
    retried = await crm.post(
        f"{API}/integrations/crm/{connection['id']}/events/{broken['id']}/retry",
        headers=admin.headers,
    )
    assert retried.status_code == 202, retried.text
    assert await apply(crm) == 1
    log = {e["id"]: e for e in await log_of(crm, admin, connection)}
    assert log[broken["id"]]["result"] == "failed" and log[broken["id"]]["attempts"] == 1
    assert "71" in await projects(crm, admin)


async def test_the_log_filters_by_result_pages_the_filter_and_names_the_project(crm):
    """What the admin screen's "failed only" asks: only the failed events, newest first and
    paged under the filter; each applied event names the project it touched; a retried event
    leaves the failed list. Another organization's admin sees nothing of it."""
    admin = await register(crm)
    rival = await register(crm, organization_name="Rival")
    connection = await connect(crm, admin, "hubspot")
    r = await post_hubspot(
        crm, connection, "not an event", hs("deal.creation", 91), ["nor this"], 7
    )
    assert [e["result"] for e in r.json()["events"]] == ["failed", "pending", "failed", "failed"]
    await apply(crm)
    path = f"{API}/integrations/crm/{connection['id']}/events"
    everything = await log_of(crm, admin, connection)
    failed_ids = [e["id"] for e in everything if e["result"] == "failed"]
    assert len(failed_ids) == 3

    paged, cursor = [], None
    while True:
        page = await crm.get(
            path,
            headers=admin.headers,
            params={"result": "failed", "limit": 2, **({"cursor": cursor} if cursor else {})},
        )
        assert page.status_code == 200, page.text
        paged += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert [e["id"] for e in paged] == failed_ids  # the same order as the whole log's
    assert {e["result"] for e in paged} == {"failed"} and all(e["reason"] for e in paged)

    [created] = [e for e in everything if e["result"] == "created"]
    project = (await projects(crm, admin))["91"]
    assert created["project_id"] == project["id"]
    assert created["project_title"] == project["title"]
    assert datetime.fromisoformat(created["updated_at"]) >= datetime.fromisoformat(
        created["created_at"]
    )
    assert all(e["project_title"] is None for e in paged)

    # Retried: pending now, so out of the failed list; the answer reads as the log does.
    retried = await crm.post(f"{path}/{failed_ids[0]}/retry", headers=admin.headers)
    assert retried.status_code == 202, retried.text
    assert retried.json()["result"] == "pending" and "updated_at" in retried.json()
    left = await crm.get(path, headers=admin.headers, params={"result": "failed"})
    assert [e["id"] for e in left.json()["items"]] == failed_ids[1:]
    pending = await crm.get(path, headers=admin.headers, params={"result": "pending"})
    assert [e["id"] for e in pending.json()["items"]] == [failed_ids[0]]

    assert_problem(await crm.get(path, headers=admin.headers, params={"result": "broken"}), 422)
    assert_problem(await crm.get(path, headers=rival.headers, params={"result": "failed"}), 404)


async def test_the_connection_list_says_when_each_crm_last_sent_and_how_many_failed(crm):
    """The glance the settings list gives: a quiet connection (never sent anything) next to
    one with failures to retry; a rival's events count for neither."""
    admin = await register(crm)
    rival = await register(crm, organization_name="Rival")
    busy = await connect(crm, admin, "hubspot")
    quiet = await connect(crm, admin, "pipedrive")
    assert (busy["last_event_at"], busy["failed_events"]) == (None, 0)
    theirs = await connect(crm, rival, "hubspot")
    await post_hubspot(crm, theirs, "not an event", "nor this")
    r = await post_hubspot(crm, busy, "not an event", hs("deal.creation", 92), "nor this")
    await apply(crm)

    async def listed() -> dict[str, dict]:
        page = await crm.get(f"{API}/integrations/crm", headers=admin.headers)
        assert page.status_code == 200, page.text
        return {c["id"]: c for c in page.json()["items"]}

    now = await listed()
    assert set(now) == {busy["id"], quiet["id"]}
    assert now[busy["id"]]["failed_events"] == 2
    received = max(e["created_at"] for e in await log_of(crm, admin, busy))
    assert datetime.fromisoformat(now[busy["id"]]["last_event_at"]) == datetime.fromisoformat(
        received
    )
    assert (now[quiet["id"]]["last_event_at"], now[quiet["id"]]["failed_events"]) == (None, 0)

    failed = r.json()["events"][0]["external_id"]
    [row] = [e for e in await log_of(crm, admin, busy) if e["external_id"] == failed]
    retry = f"{API}/integrations/crm/{busy['id']}/events/{row['id']}/retry"
    assert (await crm.post(retry, headers=admin.headers)).status_code == 202
    assert (await listed())[busy["id"]]["failed_events"] == 1


async def test_a_deletion_and_a_restore_out_of_order_leave_the_later_one(crm):
    admin = await register(crm)
    connection = await connect(crm, admin, "hubspot")
    await post_hubspot(crm, connection, hs("deal.creation", 81, at=1_000))
    await apply(crm)
    # Restored at 3 s, deleted at 2 s; the deletion arrives last and changes nothing.
    await post_hubspot(crm, connection, hs("deal.restore", 81, at=3_000))
    late = await post_hubspot(crm, connection, hs("deal.deletion", 81, at=2_000))
    await apply(crm)
    assert (await projects(crm, admin))["81"]["status"] == "open"
    log = {e["external_id"]: e for e in await log_of(crm, admin, connection)}
    stale = log[late.json()["events"][0]["external_id"]]
    assert stale["result"] == "ignored" and "later deletion or restore" in stale["reason"]
    await post_hubspot(crm, connection, hs("deal.deletion", 81, at=4_000))
    await apply(crm)
    assert (await projects(crm, admin))["81"]["status"] == "abandoned"
