"""The organization's settings (DESIGN 7.3): read by everyone in it, changed by admins only,
validated (IANA zones, fiscal months, ISO 4217 currencies, languages), audited, and never
another organization's."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import select

from api.models import AuditEvent
from tests.factories import API, add_user, assert_problem, assert_unauthorized, register


@pytest.fixture
async def people(client):
    admin = await register(client, organization_name="Tokyo Sales KK")
    manager = await add_user(client, admin, role="manager", full_name="Mika Manager")
    rep = await add_user(client, admin, full_name="Ren Rep")
    rival = await register(client, organization_name="Rival Inc")
    return admin, manager, rep, rival


async def test_everyone_reads_their_own_organizations_settings(client, people):
    admin, _manager, rep, rival = people
    response = await client.get(f"{API}/organization", headers=rep.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == admin.organization_id
    assert body["name"] == "Tokyo Sales KK"
    assert (
        body["time_zone"],
        body["fiscal_year_start_month"],
        body["default_currency"],
        body["locale"],
        body["share_closed_learnings"],
        body["ledger_rebuilt_at"],
    ) == ("UTC", 1, "EUR", "en", True, None)
    assert response.headers["etag"]
    theirs = (await client.get(f"{API}/organization", headers=rival.headers)).json()
    assert theirs["id"] == rival.organization_id != admin.organization_id
    assert_unauthorized(await client.get(f"{API}/organization"))


async def test_an_admin_changes_the_settings_and_the_change_is_audited(client, app, people):
    admin, _manager, rep, rival = people
    response = await client.patch(
        f"{API}/organization",
        headers=admin.headers,
        json={
            "time_zone": "Asia/Tokyo",
            "fiscal_year_start_month": 4,
            "default_currency": "JPY",
            "locale": "ja",
            "share_closed_learnings": False,
            "name": "  東京営業株式会社 ",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "東京営業株式会社"
    assert (body["time_zone"], body["fiscal_year_start_month"]) == ("Asia/Tokyo", 4)
    assert (body["default_currency"], body["locale"]) == ("JPY", "ja")
    assert body["share_closed_learnings"] is False
    assert body["ledger_rebuilt_at"] is not None  # the zone changed
    seen_by_rep = (await client.get(f"{API}/organization", headers=rep.headers)).json()
    assert seen_by_rep == body
    me = (await client.get(f"{API}/users/me", headers=rep.headers)).json()
    assert me["organization"]["time_zone"] == "Asia/Tokyo"
    assert me["organization"]["locale"] == "ja"
    untouched = (await client.get(f"{API}/organization", headers=rival.headers)).json()
    assert untouched["time_zone"] == "UTC"
    async with app.state.sessionmaker() as session:
        events = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "organization.updated")
            )
        ).all()
    assert len(events) == 1
    assert events[0].entity_id == uuid.UUID(admin.organization_id)
    assert events[0].changes["default_currency"] == "JPY"


async def test_only_admins_change_settings(client, people):
    _admin, manager, rep, _rival = people
    for actor in (manager, rep):
        body = assert_problem(
            await client.patch(f"{API}/organization", headers=actor.headers, json={"locale": "ja"}),
            403,
        )
        assert "admin" in body["detail"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time_zone", "Mars/Olympus_Mons"),
        ("time_zone", "asia/tokyo"),
        ("time_zone", ""),
        ("fiscal_year_start_month", 0),
        ("fiscal_year_start_month", 13),
        ("fiscal_year_start_month", "4"),
        ("fiscal_year_start_month", True),
        ("fiscal_year_start_month", 4.5),
        ("default_currency", "ABC"),
        ("default_currency", "jpy"),
        ("default_currency", "YEN"),
        ("locale", "fr"),
        ("share_closed_learnings", "yes"),
        ("name", "   "),
        ("time_zone", None),
    ],
)
async def test_bad_settings_are_422_naming_the_field(client, people, field, value):
    admin = people[0]
    response = await client.patch(f"{API}/organization", headers=admin.headers, json={field: value})
    body = assert_problem(response, 422)
    assert any(field in error["loc"] for error in body["errors"]), body


async def test_if_match_refuses_a_stale_write(client, people):
    admin = people[0]
    read = await client.get(f"{API}/organization", headers=admin.headers)
    etag = read.headers["etag"]
    first = await client.patch(
        f"{API}/organization",
        headers={**admin.headers, "If-Match": etag},
        json={"fiscal_year_start_month": 4},
    )
    assert first.status_code == 200, first.text
    stale = await client.patch(
        f"{API}/organization",
        headers={**admin.headers, "If-Match": etag},
        json={"fiscal_year_start_month": 10},
    )
    assert_problem(stale, 412)
    assert (await client.get(f"{API}/organization", headers=admin.headers)).json()[
        "fiscal_year_start_month"
    ] == 4
    # An empty If-Match names no version: no condition, as without the header.
    blank = await client.patch(
        f"{API}/organization",
        headers={**admin.headers, "If-Match": ""},
        json={"fiscal_year_start_month": 7},
    )
    assert blank.status_code == 200, blank.text


async def test_other_processes_forget_a_changed_zone_when_it_commits(
    client, app, people, database_url
):
    """Every process caches each organization's zone for the ledger's writes; the change's
    NOTIFY reaches each process's LISTEN connection, which forgets it (PostgreSQL)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("NOTIFY is PostgreSQL's; SQLite runs one process")
    from zoneinfo import ZoneInfo

    from sqlalchemy import text

    from api.services import rollup

    admin = people[0]
    organization_id = uuid.UUID(admin.organization_id)
    await client.get(f"{API}/organization", headers=admin.headers)
    await app.state.live_hub._ensure_listening()
    # As another process would hold it: the old zone, cached for a long while.
    rollup._CALENDARS[organization_id] = (
        rollup.OrganizationCalendar(zone=ZoneInfo("UTC"), fiscal_year_start_month=1),
        float("inf"),
    )
    async with app.state.engine.begin() as connection:
        await connection.execute(
            text("SELECT pg_notify(:channel, :id)"),
            {"channel": rollup.ZONE_CHANNEL, "id": str(organization_id)},
        )
    for _ in range(50):
        if organization_id not in rollup._CALENDARS:
            break
        await asyncio.sleep(0.05)
    assert organization_id not in rollup._CALENDARS
