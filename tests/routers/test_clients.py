"""Clients and contacts over HTTP: the trio on every endpoint, who owns and who may change a
client, list filters, open-project counts, archiving, contacts, ETag / If-Match,
Idempotency-Key (replays, conflicts, concurrent duplicates) and the audit log."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from sqlalchemy import select

from api.models import AuditEvent, Client
from tests.cast import Cast, manager, organization, rep, stranger
from tests.factories import (
    API,
    ETAG,
    Actor,
    assert_problem,
    assert_unauthorized,
)


@pytest.fixture
async def org(client) -> Cast:
    """Acme's admin, a manager, two reps and the admin of another organization."""
    return await organization(
        client,
        "Acme Sales",
        manager=manager("Mona Manager"),
        rep=rep("Rita Rep"),
        other_rep=rep("Otto Rep"),
        stranger=stranger("Rival Inc"),
    )


async def post_client(client: httpx.AsyncClient, actor: Actor, headers=None, **fields):
    return await client.post(
        f"{API}/clients", headers={**actor.headers, **(headers or {})}, json=fields
    )


async def make_client(client: httpx.AsyncClient, actor: Actor, **fields) -> dict:
    fields.setdefault("name", f"Company {uuid.uuid4().hex[:6]}")
    response = await post_client(client, actor, **fields)
    assert response.status_code == 201, response.text
    return response.json()


async def make_project(client: httpx.AsyncClient, actor: Actor, client_id: str, **fields):
    response = await client.post(
        f"{API}/projects",
        headers=actor.headers,
        json={"title": "Deal", "kind": "account", "client_id": client_id, **fields},
    )
    assert response.status_code == 201, response.text
    return response.json()


async def close_project(client: httpx.AsyncClient, actor: Actor, project_id: str) -> None:
    response = await client.post(
        f"{API}/projects/{project_id}/close",
        headers=actor.headers,
        json={"result": "lost", "lost_reason": "price"},
    )
    assert response.status_code == 200, response.text


async def listed(client: httpx.AsyncClient, actor: Actor, **params) -> list[dict]:
    response = await client.get(f"{API}/clients", headers=actor.headers, params=params)
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    return response.json()["items"]


async def listed_names(client: httpx.AsyncClient, actor: Actor, **params) -> list[str]:
    return [item["name"] for item in await listed(client, actor, **params)]


async def audit_rows(app, entity_id: str) -> list[AuditEvent]:
    async with app.state.sessionmaker() as session:
        rows = await session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_id == uuid.UUID(entity_id))
            .order_by(AuditEvent.created_at, AuditEvent.id)
        )
        return list(rows)


async def client_rows(app, name: str) -> int:
    async with app.state.sessionmaker() as session:
        return len((await session.scalars(select(Client).where(Client.name == name))).all())


# --- the trio on every endpoint ---------------------------------------------------------------


async def test_list_clients_trio(client, org):
    mine = await make_client(client, org.rep, name="Helix Medical")
    assert_unauthorized(await client.get(f"{API}/clients"))
    # Another organization lists its own clients only.
    assert await listed(client, org.stranger) == []
    # Everyone in the organization sees every client, whoever owns it.
    for actor in (org.rep, org.other_rep, org.manager, org.admin):
        assert [c["id"] for c in await listed(client, actor)] == [mine["id"]]


async def test_create_client_trio(client, org):
    body = {"name": "Helix Medical", "industry": "Healthcare", "notes": "Big one"}
    assert_unauthorized(await client.post(f"{API}/clients", json=body))
    # Another organization cannot place a client on one of our reps: the rep is not found.
    stranger = await post_client(client, org.stranger, owner_id=org.rep.id, **body)
    assert "User not found" in assert_problem(stranger, 404)["detail"]

    response = await post_client(client, org.rep, **body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["owner_id"] == org.rep.id  # owner_id defaults to the caller
    assert created["organization_id"] == org.rep.organization_id
    assert created["name"] == "Helix Medical"
    assert created["industry"] == "Healthcare"
    assert created["notes"] == "Big one"
    assert created["status"] == "prospect"
    assert created["open_projects"] == 0
    assert created["external_source"] is None and created["external_id"] is None
    uuid.UUID(created["id"])
    assert created["created_at"] and created["updated_at"]
    assert await listed(client, org.stranger) == []


async def test_get_client_trio(client, org):
    company = await make_client(client, org.rep, name="Helix Medical")
    url = f"{API}/clients/{company['id']}"
    assert_unauthorized(await client.get(url))
    assert_problem(await client.get(url, headers=org.stranger.headers), 404)
    # Another rep reads the client (but cannot change it, below).
    response = await client.get(url, headers=org.other_rep.headers)
    assert response.status_code == 200, response.text
    assert response.json() == company
    assert ETAG.match(response.headers["etag"])
    # An unknown id is a 404 problem too.
    assert_problem(await client.get(f"{API}/clients/{uuid.uuid4()}", headers=org.rep.headers), 404)


async def test_patch_client_trio(client, org):
    company = await make_client(client, org.rep, name="Helix Medical")
    url = f"{API}/clients/{company['id']}"
    assert_unauthorized(await client.patch(url, json={"status": "active"}))
    stranger = await client.patch(url, headers=org.stranger.headers, json={"status": "active"})
    assert_problem(stranger, 404)

    response = await client.patch(
        url, headers=org.rep.headers, json={"status": "active", "industry": "Pharma"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "active"
    assert response.json()["industry"] == "Pharma"
    assert response.json()["name"] == "Helix Medical"
    assert ETAG.match(response.headers["etag"])
    # Nothing leaked from the stranger's attempt, and the change is stored.
    stored = (await client.get(url, headers=org.admin.headers)).json()
    assert (stored["status"], stored["industry"]) == ("active", "Pharma")


async def test_delete_client_trio(client, org):
    company = await make_client(client, org.rep)
    url = f"{API}/clients/{company['id']}"
    assert_unauthorized(await client.delete(url))
    assert_problem(await client.delete(url, headers=org.stranger.headers), 404)
    assert (await client.get(url, headers=org.rep.headers)).status_code == 200

    response = await client.delete(url, headers=org.rep.headers)
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert_problem(await client.get(url, headers=org.rep.headers), 404)


async def test_list_contacts_trio(client, org):
    company = await make_client(client, org.rep)
    url = f"{API}/clients/{company['id']}/contacts"
    contact = await client.post(url, headers=org.rep.headers, json={"name": "Dana Buyer"})
    assert contact.status_code == 201, contact.text
    assert_unauthorized(await client.get(url))
    assert_problem(await client.get(url, headers=org.stranger.headers), 404)
    for actor in (org.rep, org.other_rep):  # readable by everyone in the organization
        response = await client.get(url, headers=actor.headers)
        assert response.status_code == 200, response.text
        assert response.json() == {"items": [contact.json()], "next_cursor": None}


async def test_create_contact_trio(client, org):
    company = await make_client(client, org.rep)
    url = f"{API}/clients/{company['id']}/contacts"
    body = {
        "name": "Dana Buyer",
        "title": "COO",
        "email": "dana@helix.example",
        "phone": "+49 30 1234",
        "buying_role": "decision_maker",
        "notes": "Prefers mornings",
    }
    assert_unauthorized(await client.post(url, json=body))
    assert_problem(await client.post(url, headers=org.stranger.headers, json=body), 404)

    response = await client.post(url, headers=org.rep.headers, json=body)
    assert response.status_code == 201, response.text
    contact = response.json()
    assert {k: contact[k] for k in body} == body
    assert contact["client_id"] == company["id"]
    uuid.UUID(contact["id"])
    listed_contacts = (await client.get(url, headers=org.rep.headers)).json()["items"]
    assert [c["id"] for c in listed_contacts] == [contact["id"]]


# --- ownership --------------------------------------------------------------------------------


async def test_a_rep_cannot_create_a_client_for_another_rep(client, org):
    response = await post_client(client, org.rep, name="Sneaky GmbH", owner_id=org.other_rep.id)
    assert "managers and admins" in assert_problem(response, 403)["detail"]
    assert await listed(client, org.admin) == []
    # Naming themselves is fine.
    company = await make_client(client, org.rep, name="Own GmbH", owner_id=org.rep.id)
    assert company["owner_id"] == org.rep.id


@pytest.mark.parametrize("staff", ["manager", "admin"])
async def test_staff_create_a_client_for_a_rep(client, org, staff):
    company = await make_client(client, getattr(org, staff), name="Assigned", owner_id=org.rep.id)
    assert company["owner_id"] == org.rep.id
    # The rep now owns it: they may change it.
    response = await client.patch(
        f"{API}/clients/{company['id']}", headers=org.rep.headers, json={"notes": "mine"}
    )
    assert response.status_code == 200, response.text


async def test_owner_must_be_an_active_user_of_the_organization(client, org):
    unknown = await post_client(client, org.manager, name="X", owner_id=str(uuid.uuid4()))
    assert_problem(unknown, 404)
    foreign = await post_client(client, org.manager, name="X", owner_id=org.stranger.id)
    assert_problem(foreign, 404)
    off = await client.patch(
        f"{API}/users/{org.other_rep.id}", headers=org.admin.headers, json={"is_active": False}
    )
    assert off.status_code == 200, off.text
    deactivated = await post_client(client, org.manager, name="X", owner_id=org.other_rep.id)
    assert_problem(deactivated, 409)
    assert await listed(client, org.admin) == []


async def test_a_rep_cannot_reassign_their_client(client, org):
    company = await make_client(client, org.rep, name="Helix")
    url = f"{API}/clients/{company['id']}"
    response = await client.patch(
        url, headers=org.rep.headers, json={"owner_id": org.other_rep.id, "notes": "bye"}
    )
    assert_problem(response, 403)
    stored = (await client.get(url, headers=org.rep.headers)).json()
    assert stored["owner_id"] == org.rep.id
    assert stored["notes"] == ""  # the rest of the refused PATCH was not applied either
    # Sending their own id back is no reassignment.
    same = await client.patch(url, headers=org.rep.headers, json={"owner_id": org.rep.id})
    assert same.status_code == 200, same.text
    assert same.json()["owner_id"] == org.rep.id


@pytest.mark.parametrize("staff", ["manager", "admin"])
async def test_staff_reassign_a_client(client, org, staff):
    company = await make_client(client, org.rep, name="Helix")
    url = f"{API}/clients/{company['id']}"
    response = await client.patch(
        url, headers=getattr(org, staff).headers, json={"owner_id": org.other_rep.id}
    )
    assert response.status_code == 200, response.text
    assert response.json()["owner_id"] == org.other_rep.id
    # The castle changed hands: the old owner may no longer edit, the new one may.
    old = await client.patch(url, headers=org.rep.headers, json={"notes": "still mine?"})
    assert_problem(old, 403)
    new = await client.patch(url, headers=org.other_rep.headers, json={"notes": "mine now"})
    assert new.status_code == 200, new.text
    # Staff cannot hand it to somebody of another organization.
    foreign = await client.patch(
        url, headers=getattr(org, staff).headers, json={"owner_id": org.stranger.id}
    )
    assert_problem(foreign, 404)
    assert (await client.get(url, headers=org.rep.headers)).json()["owner_id"] == org.other_rep.id


async def test_another_rep_reads_but_cannot_change_a_client(client, org):
    company = await make_client(client, org.rep, name="Helix", notes="secret sauce")
    url = f"{API}/clients/{company['id']}"
    other = org.other_rep.headers
    assert (await client.get(url, headers=other)).json()["notes"] == "secret sauce"
    assert_problem(await client.patch(url, headers=other, json={"name": "Mine"}), 403)
    assert_problem(await client.delete(url, headers=other), 403)
    contact = await client.post(f"{url}/contacts", headers=other, json={"name": "Spy"})
    assert_problem(contact, 403)
    stored = (await client.get(url, headers=org.rep.headers)).json()
    assert stored == company
    assert (await client.get(f"{url}/contacts", headers=org.rep.headers)).json()["items"] == []
    # Managers change anybody's client.
    staff = await client.patch(url, headers=org.manager.headers, json={"name": "Helix AG"})
    assert staff.status_code == 200 and staff.json()["name"] == "Helix AG"


async def test_patch_with_null_is_422_and_changes_nothing(client, org):
    # No client field can be cleared (notes are emptied with ""), so null is refused.
    company = await make_client(client, org.rep, name="Helix", industry="Health", notes="n")
    for field in ("name", "industry", "owner_id", "notes", "status"):
        response = await client.patch(
            f"{API}/clients/{company['id']}",
            headers=org.rep.headers,
            json={field: None, "notes": "new"} if field != "notes" else {field: None},
        )
        assert [e["loc"] for e in assert_problem(response, 422)["errors"]] == [["body", field]]
    body = (await client.get(f"{API}/clients/{company['id']}", headers=org.rep.headers)).json()
    assert (body["name"], body["industry"], body["owner_id"], body["notes"]) == (
        "Helix",
        "Health",
        org.rep.id,
        "n",
    )


async def test_client_validation(client, org):
    blank = await post_client(client, org.rep, name="   ")
    assert assert_problem(blank, 422)["errors"][0]["loc"] == ["body", "name"]
    status = await post_client(client, org.rep, name="X", status="hot")
    assert assert_problem(status, 422)["errors"][0]["loc"] == ["body", "status"]
    unknown_field = await post_client(client, org.rep, name="X", organization_id=org.stranger.id)
    assert_problem(unknown_field, 422)
    trimmed = await make_client(client, org.rep, name="  Helix  ", industry=" Health ")
    assert (trimmed["name"], trimmed["industry"]) == ("Helix", "Health")
    assert await listed_names(client, org.rep) == ["Helix"]


# --- list filters and pages -------------------------------------------------------------------


async def test_list_filters(client, org):
    await make_client(client, org.rep, name="Helix Medical", industry="Healthcare")
    await make_client(client, org.rep, name="Nordbahn", industry="Transport", status="active")
    await make_client(client, org.other_rep, name="Medica Labs", industry="HEALTHCARE")
    await make_client(client, org.other_rep, name="Lost Cause", industry="Retail", status="lost")

    assert await listed_names(client, org.rep, owner_id=org.rep.id) == ["Helix Medical", "Nordbahn"]
    assert await listed_names(client, org.rep, owner_id=org.other_rep.id) == [
        "Medica Labs",
        "Lost Cause",
    ]
    assert await listed_names(client, org.rep, owner_id=str(uuid.uuid4())) == []
    assert await listed_names(client, org.rep, status="active") == ["Nordbahn"]
    assert await listed_names(client, org.rep, status="prospect") == [
        "Helix Medical",
        "Medica Labs",
    ]
    # Industry: exact, whatever the case.
    assert await listed_names(client, org.rep, industry="healthcare") == [
        "Helix Medical",
        "Medica Labs",
    ]
    assert await listed_names(client, org.rep, industry="Health") == []
    # q: name contains, case-insensitive.
    assert await listed_names(client, org.rep, q="MED") == ["Helix Medical", "Medica Labs"]
    assert await listed_names(client, org.rep, q="zzz") == []
    # Filters combine.
    assert await listed_names(
        client, org.rep, q="med", owner_id=org.other_rep.id, industry="healthcare"
    ) == ["Medica Labs"]
    assert await listed_names(client, org.rep, q="med", status="active") == []
    # Another organization's clients never show up.
    await make_client(client, org.stranger, name="Medico Rival", industry="Healthcare")
    assert await listed_names(client, org.rep, q="med") == ["Helix Medical", "Medica Labs"]
    assert await listed_names(client, org.stranger, q="med") == ["Medico Rival"]

    assert_problem(
        await client.get(f"{API}/clients", headers=org.rep.headers, params={"status": "hot"}), 422
    )
    assert_problem(
        await client.get(f"{API}/clients", headers=org.rep.headers, params={"owner_id": "x"}), 422
    )


async def test_q_treats_percent_and_underscore_literally(client, org):
    for name in ("100% Pure", "1000 Pure", "A_B Corp", "AxB Corp", "Back\\slash"):
        await make_client(client, org.rep, name=name)
    assert await listed_names(client, org.rep, q="100%") == ["100% Pure"]
    assert await listed_names(client, org.rep, q="%") == ["100% Pure"]
    assert await listed_names(client, org.rep, q="a_b") == ["A_B Corp"]
    assert await listed_names(client, org.rep, q="_") == ["A_B Corp"]
    assert await listed_names(client, org.rep, q="k\\s") == ["Back\\slash"]
    assert await listed_names(client, org.rep, q="/") == []


async def test_list_pages_with_a_cursor(client, org):
    names = [f"Company {i}" for i in range(5)]
    for name in names:
        await make_client(client, org.rep, name=name)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = await client.get(f"{API}/clients", headers=org.rep.headers, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [item["name"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        # A client created meanwhile does not disturb the pages already served.
        if pages == 1:
            await make_client(client, org.rep, name="Late arrival")
    assert seen == [*names, "Late arrival"]
    assert pages == 3
    bad = await client.get(f"{API}/clients", headers=org.rep.headers, params={"cursor": "nope"})
    assert_problem(bad, 422)
    for limit in (0, 201):
        response = await client.get(
            f"{API}/clients", headers=org.rep.headers, params={"limit": limit}
        )
        assert_problem(response, 422)


# --- open projects and archiving --------------------------------------------------------------


async def test_open_projects_counts_only_open_projects(client, org):
    helix = await make_client(client, org.rep, name="Helix")
    quiet = await make_client(client, org.rep, name="Quiet")
    first = await make_project(client, org.rep, helix["id"], title="One")
    await make_project(client, org.rep, helix["id"], title="Two")
    closed = await make_project(client, org.rep, helix["id"], title="Three")
    await close_project(client, org.rep, closed["id"])

    by_name = {c["name"]: c["open_projects"] for c in await listed(client, org.other_rep)}
    assert by_name == {"Helix": 2, "Quiet": 0}
    get = await client.get(f"{API}/clients/{helix['id']}", headers=org.rep.headers)
    assert get.json()["open_projects"] == 2
    await close_project(client, org.rep, first["id"])
    patched = await client.patch(
        f"{API}/clients/{helix['id']}", headers=org.rep.headers, json={"notes": "x"}
    )
    assert patched.json()["open_projects"] == 1
    assert (await client.get(f"{API}/clients/{quiet['id']}", headers=org.rep.headers)).json()[
        "open_projects"
    ] == 0


async def test_delete_refused_while_a_project_is_open(client, org):
    company = await make_client(client, org.rep, name="Helix")
    url = f"{API}/clients/{company['id']}"
    contact = await client.post(f"{url}/contacts", headers=org.rep.headers, json={"name": "Dana"})
    assert contact.status_code == 201
    project = await make_project(client, org.rep, company["id"])

    refused = await client.delete(url, headers=org.admin.headers)
    assert "1 open project" in assert_problem(refused, 409)["detail"]
    assert (await client.get(url, headers=org.rep.headers)).status_code == 200

    await close_project(client, org.rep, project["id"])
    response = await client.delete(url, headers=org.rep.headers)
    assert response.status_code == 204, response.text

    assert await listed(client, org.rep) == []
    assert await listed(client, org.rep, q="helix") == []
    assert_problem(await client.get(url, headers=org.rep.headers), 404)
    assert_problem(await client.patch(url, headers=org.rep.headers, json={"notes": "x"}), 404)
    assert_problem(await client.delete(url, headers=org.rep.headers), 404)
    assert_problem(await client.get(f"{url}/contacts", headers=org.rep.headers), 404)
    assert_problem(
        await client.post(f"{url}/contacts", headers=org.rep.headers, json={"name": "X"}), 404
    )
    # The closed project still reads fine and still points at its (archived) client.
    read = await client.get(f"{API}/projects/{project['id']}", headers=org.rep.headers)
    assert read.status_code == 200, read.text
    assert read.json()["client_id"] == company["id"]
    assert read.json()["status"] == "lost"
    # No new project on an archived client.
    again = await client.post(
        f"{API}/projects",
        headers=org.rep.headers,
        json={"title": "Again", "kind": "account", "client_id": company["id"]},
    )
    assert_problem(again, 404)


async def test_delete_by_staff_and_a_client_without_projects(client, org):
    company = await make_client(client, org.rep, name="Helix")
    other = await make_client(client, org.rep, name="Other")
    response = await client.delete(f"{API}/clients/{company['id']}", headers=org.manager.headers)
    assert response.status_code == 204, response.text
    assert await listed_names(client, org.rep) == ["Other"]
    assert (
        await client.get(f"{API}/clients/{other['id']}", headers=org.rep.headers)
    ).status_code == 200


# --- contacts ---------------------------------------------------------------------------------


async def test_contacts_rules(client, org):
    company = await make_client(client, org.rep, name="Helix")
    url = f"{API}/clients/{company['id']}/contacts"
    first = await client.post(url, headers=org.rep.headers, json={"name": "Dana"})
    assert first.status_code == 201, first.text
    assert first.json()["buying_role"] == "influencer"  # the default
    assert (first.json()["title"], first.json()["email"], first.json()["phone"]) == ("", None, None)
    # Staff add contacts to anybody's client; another rep may not.
    second = await client.post(
        url, headers=org.manager.headers, json={"name": "Eli", "buying_role": "champion"}
    )
    assert second.status_code == 201, second.text
    assert_problem(await client.post(url, headers=org.other_rep.headers, json={"name": "X"}), 403)

    items = (await client.get(url, headers=org.other_rep.headers)).json()["items"]
    assert [c["name"] for c in items] == ["Dana", "Eli"]
    # Contacts belong to their client only.
    other = await make_client(client, org.rep, name="Other")
    empty = await client.get(f"{API}/clients/{other['id']}/contacts", headers=org.rep.headers)
    assert empty.json() == {"items": [], "next_cursor": None}

    bad_email = await client.post(url, headers=org.rep.headers, json={"name": "X", "email": "no"})
    assert assert_problem(bad_email, 422)["errors"][0]["loc"] == ["body", "email"]
    bad_role = await client.post(
        url, headers=org.rep.headers, json={"name": "X", "buying_role": "boss"}
    )
    assert_problem(bad_role, 422)
    missing = await client.post(
        f"{API}/clients/{uuid.uuid4()}/contacts", headers=org.rep.headers, json={"name": "X"}
    )
    assert_problem(missing, 404)
    assert len((await client.get(url, headers=org.rep.headers)).json()["items"]) == 2


# --- ETag / If-Match --------------------------------------------------------------------------


async def test_etag_and_if_match(client, org):
    company = await make_client(client, org.rep, name="Helix")
    url = f"{API}/clients/{company['id']}"
    etag = (await client.get(url, headers=org.rep.headers)).headers["etag"]
    assert ETAG.match(etag)
    # The same version reads with the same tag.
    assert (await client.get(url, headers=org.other_rep.headers)).headers["etag"] == etag

    first = await client.patch(
        url, headers={**org.rep.headers, "If-Match": etag}, json={"notes": "first"}
    )
    assert first.status_code == 200, first.text
    new_etag = first.headers["etag"]
    assert ETAG.match(new_etag) and new_etag != etag
    assert (await client.get(url, headers=org.rep.headers)).headers["etag"] == new_etag

    stale = await client.patch(
        url, headers={**org.manager.headers, "If-Match": etag}, json={"notes": "stale"}
    )
    assert "changed since you read it" in assert_problem(stale, 412)["detail"]
    after = await client.get(url, headers=org.rep.headers)
    assert after.json()["notes"] == "first"
    assert after.headers["etag"] == new_etag

    # The current tag (also weak, or in a list) and "*" are accepted.
    weak = await client.patch(
        url, headers={**org.rep.headers, "If-Match": f'"nope", W/{new_etag}'}, json={"notes": "w"}
    )
    assert weak.status_code == 200, weak.text
    star = await client.patch(
        url, headers={**org.rep.headers, "If-Match": "*"}, json={"notes": "s"}
    )
    assert star.status_code == 200, star.text
    assert star.headers["etag"] not in (etag, new_etag, weak.headers["etag"])
    # Without If-Match the last write wins.
    plain = await client.patch(url, headers=org.rep.headers, json={"notes": "plain"})
    assert plain.status_code == 200 and plain.json()["notes"] == "plain"


async def test_stale_if_match_is_checked_after_access(client, org):
    company = await make_client(client, org.rep, name="Helix")
    url = f"{API}/clients/{company['id']}"
    stale = {"If-Match": '"00000000000000000000000000000000"'}
    assert_problem(
        await client.patch(url, headers={**org.stranger.headers, **stale}, json={"notes": "x"}), 404
    )
    assert_problem(
        await client.patch(url, headers={**org.other_rep.headers, **stale}, json={"notes": "x"}),
        403,
    )
    assert_problem(
        await client.patch(url, headers={**org.rep.headers, **stale}, json={"notes": "x"}), 412
    )


# --- Idempotency-Key --------------------------------------------------------------------------


async def test_idempotent_create_replays_the_first_response(client, app, org):
    key = {"Idempotency-Key": "create-helix-1"}
    body = {"name": "Helix Idem", "industry": "Health"}
    first = await post_client(client, org.rep, headers=key, **body)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    second = await post_client(client, org.rep, headers=key, **body)
    assert second.status_code == 201, second.text
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    assert await listed_names(client, org.rep) == ["Helix Idem"]
    assert await client_rows(app, "Helix Idem") == 1

    # The same key with another body is refused and creates nothing.
    other = await post_client(client, org.rep, headers=key, name="Helix Idem", industry="Pharma")
    problem = assert_problem(other, 422)
    assert problem["type"].endswith(":validation")
    assert problem["errors"][0]["loc"] == ["header", "Idempotency-Key"]
    assert await client_rows(app, "Helix Idem") == 1

    # Keys belong to the caller: another rep's identical request is a create of its own.
    theirs = await post_client(client, org.other_rep, headers=key, **body)
    assert theirs.status_code == 201, theirs.text
    assert "idempotent-replayed" not in theirs.headers
    assert theirs.json()["id"] != first.json()["id"]
    assert theirs.json()["owner_id"] == org.other_rep.id
    # Without a key, every request creates.
    await make_client(client, org.rep, **body)
    assert await client_rows(app, "Helix Idem") == 3


async def test_a_refused_create_does_not_spend_the_key(client, app, org):
    key = {"Idempotency-Key": "retry-after-fix"}
    refused = await post_client(client, org.rep, headers=key, name="X", owner_id=org.other_rep.id)
    assert_problem(refused, 403)
    # A different body under the key: no stored response, so it is simply created.
    ok = await post_client(client, org.rep, headers=key, name="X")
    assert ok.status_code == 201, ok.text
    assert await client_rows(app, "X") == 1


async def test_concurrent_duplicates_create_one_client(client, app, org):
    key = {"Idempotency-Key": f"burst-{uuid.uuid4()}"}
    responses = await asyncio.gather(
        *(post_client(client, org.rep, headers=key, name="Burst Co") for _ in range(5))
    )
    assert [r.status_code for r in responses] == [201] * 5, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(1 for r in responses if r.headers.get("idempotent-replayed") == "true") == 4
    assert await client_rows(app, "Burst Co") == 1
    assert await listed_names(client, org.rep) == ["Burst Co"]


async def test_idempotent_contact_create(client, org):
    company = await make_client(client, org.rep, name="Helix")
    url = f"{API}/clients/{company['id']}/contacts"
    headers = {**org.rep.headers, "Idempotency-Key": "contact-1"}
    first = await client.post(url, headers=headers, json={"name": "Dana"})
    second = await client.post(url, headers=headers, json={"name": "Dana"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert len((await client.get(url, headers=org.rep.headers)).json()["items"]) == 1
    conflict = await client.post(url, headers=headers, json={"name": "Eli"})
    assert_problem(conflict, 422)


async def test_idempotency_key_is_validated(client, org):
    empty = await post_client(client, org.rep, headers={"Idempotency-Key": ""}, name="X")
    assert_problem(empty, 422)
    long = await post_client(client, org.rep, headers={"Idempotency-Key": "k" * 256}, name="X")
    assert_problem(long, 422)
    assert await listed(client, org.rep) == []


# --- audit ------------------------------------------------------------------------------------


async def test_audit_row_per_change(client, app, org):
    company = await make_client(client, org.rep, name="Helix", industry="Health")
    url = f"{API}/clients/{company['id']}"
    await client.patch(url, headers=org.manager.headers, json={"status": "active"})
    # Refused writes leave no trace.
    assert_problem(await client.patch(url, headers=org.other_rep.headers, json={"name": "Y"}), 403)
    contact = await client.post(f"{url}/contacts", headers=org.rep.headers, json={"name": "Dana"})
    assert (await client.delete(url, headers=org.rep.headers)).status_code == 204

    rows = await audit_rows(app, company["id"])
    assert [(r.action, r.entity_type, str(r.actor_id)) for r in rows] == [
        ("client.created", "client", org.rep.id),
        ("client.updated", "client", org.manager.id),
        ("client.deleted", "client", org.rep.id),
    ]
    assert all(str(r.organization_id) == org.rep.organization_id for r in rows)
    assert rows[0].changes == {"name": "Helix", "industry": "Health"}
    assert rows[1].changes == {"status": "active"}

    contact_rows = await audit_rows(app, contact.json()["id"])
    assert [(r.action, r.entity_type, str(r.actor_id)) for r in contact_rows] == [
        ("contact.created", "contact", org.rep.id)
    ]
    assert contact_rows[0].changes == {"client_id": company["id"], "name": "Dana"}
