"""The `mastermind` command: migrate, create-admin and seed-demo against the test database."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from api import cli
from api.config import get_settings
from api.demo import ENGLISH, DemoTexts
from api.demo_ja import JAPANESE
from api.models import (
    ActionItem,
    Client,
    Contact,
    Contribution,
    ContributionVote,
    Locale,
    MastermindSession,
    Organization,
    Project,
    ProjectMember,
    SessionStatus,
    Takeaway,
    Team,
    TimeEntry,
    User,
)
from tests.conftest import TEST_SECRET_KEY
from tests.factories import API, login

runner = CliRunner()


async def invoke(*args: str):
    """Run the command in a thread: it calls asyncio.run() itself, like in a terminal."""
    return await asyncio.to_thread(runner.invoke, cli.app, list(args))


@pytest.fixture
def cli_env(monkeypatch, database_url, app):
    """Point the command at the suite's database; `app` makes the tables empty afterwards."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("ENVIRONMENT", "test")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def _count(app, model, *where) -> int:
    async with app.state.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


def test_migrate_is_idempotent(cli_env):
    result = runner.invoke(cli.app, ["migrate"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output


async def test_seed_demo_fills_every_screen_and_runs_once(cli_env, app, client):
    result = await invoke("seed-demo", "--password", "demo-password-123")
    assert result.exit_code == 0, result.output
    assert "morgan.reyes@northwind.example" in result.output

    assert await _count(app, User) == 8
    assert await _count(app, Team) == 1
    assert await _count(app, Client) == 6
    assert await _count(app, Project) == 6
    assert await _count(app, ProjectMember) >= 18
    assert (
        await _count(app, MastermindSession, MastermindSession.status == SessionStatus.completed)
        >= 10
    )
    assert await _count(app, MastermindSession, MastermindSession.status == SessionStatus.live) == 1
    assert (
        await _count(app, MastermindSession, MastermindSession.status == SessionStatus.scheduled)
        >= 1
    )
    assert await _count(app, Contribution) > 50
    assert await _count(app, ContributionVote) > 0
    assert await _count(app, ActionItem) > 0
    assert await _count(app, TimeEntry) > 0

    # The printed sign-ins work against the API.
    response = await login(client, "lena.vogel@northwind.example", "demo-password-123")
    assert response.status_code == 200
    me = await client.get(
        f"{API}/users/me", headers={"Authorization": f"Bearer {response.json()['access_token']}"}
    )
    assert me.json()["seniority"] == "junior"

    again = await invoke("seed-demo", "--password", "other-password-456")
    assert again.exit_code == 0, again.output
    assert "already" in again.output
    assert await _count(app, User) == 8
    assert (
        await login(client, "lena.vogel@northwind.example", "demo-password-123")
    ).status_code == 200


JA_DOMAIN = "@northwind-jp.example"
DEMO_PASSWORD = "demo-password-123"


async def _bearer(client, email: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    response = await login(client, email, password)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_seed_demo_ja_seeds_a_japanese_company_once(cli_env, app, client):
    result = await invoke("seed-demo", "--locale", "ja", "--password", "demo-password-123")
    assert result.exit_code == 0, result.output
    assert f"taro.yamada{JA_DOMAIN}" in result.output

    # The English demo's shape: the same counts, every session state, and what hangs on them.
    assert await _count(app, Organization) == 1
    assert await _count(app, User) == 8
    assert await _count(app, Team) == 1
    assert await _count(app, Client) == 6
    assert await _count(app, Contact) == 12
    assert await _count(app, Project) == 6
    assert await _count(app, ProjectMember) >= 18
    assert (
        await _count(app, MastermindSession, MastermindSession.status == SessionStatus.completed)
        >= 10
    )
    assert await _count(app, MastermindSession, MastermindSession.status == SessionStatus.live) == 1
    assert (
        await _count(app, MastermindSession, MastermindSession.status == SessionStatus.scheduled)
        >= 1
    )
    assert await _count(app, Contribution) > 50
    assert await _count(app, ContributionVote) > 0
    assert await _count(app, ActionItem) > 0
    assert await _count(app, Takeaway) > 0
    assert await _count(app, TimeEntry) > 0

    async with app.state.sessionmaker() as session:
        people = (await session.scalars(select(User))).all()
    assert all(p.email.endswith(JA_DOMAIN) and p.email.isascii() for p in people)
    assert all(p.name_reading for p in people)  # every name has its kana reading
    assert all(p.locale is None for p in people)  # people follow the organization

    # A printed sign-in works, and the organization is a Japanese one.
    sakura = await _bearer(client, f"sakura.ito{JA_DOMAIN}")
    me = (await client.get(f"{API}/users/me", headers=sakura)).json()
    assert (me["full_name"], me["name_reading"], me["seniority"]) == (
        "伊藤 さくら",
        "イトウ サクラ",
        "junior",
    )
    organization = me["organization"]
    assert organization["name"] == JAPANESE.organization
    assert organization["time_zone"] == "Asia/Tokyo"
    assert organization["default_currency"] == "JPY"
    assert organization["fiscal_year_start_month"] == 4
    assert organization["locale"] == Locale.ja

    # Projects are valued in whole yen.
    manager = await _bearer(client, f"taro.yamada{JA_DOMAIN}")
    listed = await client.get(f"{API}/projects", headers=manager)
    assert listed.status_code == 200, listed.text
    valued = {p["title"]: p["estimated_value"] for p in listed.json()["items"]}
    assert len(valued) == 6
    assert valued["さくらメディカル：生産ライン自動化の基本契約"] == "12000000"
    assert {p["currency"] for p in listed.json()["items"]} == {"JPY"}
    assert all(v is None or v.isdigit() for v in valued.values())

    # People are found by their reading, typed in hiragana or katakana.
    for query in ("いとう", "イトウ", "さくら"):
        found = await client.get(f"{API}/users", params={"q": query}, headers=manager)
        assert found.status_code == 200, found.text
        assert [u["email"] for u in found.json()["items"]] == [f"sakura.ito{JA_DOMAIN}"], query

    again = await invoke("seed-demo", "--locale", "ja", "--password", "other-password-456")
    assert again.exit_code == 0, again.output
    assert "already" in again.output
    assert await _count(app, Organization) == 1
    assert await _count(app, User) == 8
    assert await _count(app, Project) == 6
    assert await _count(app, Contribution) > 50
    assert (await login(client, f"sakura.ito{JA_DOMAIN}", "demo-password-123")).status_code == 200


def test_the_japanese_table_mirrors_the_english_one():
    """The demos share their seeding code; the tables must give it the same shape."""

    def shape(texts: DemoTexts) -> object:
        return (
            [(p.role, p.seniority, bool(p.expertise)) for p in texts.people],
            [(c.status, c.owner) for c in texts.clients],
            [c.buying_role for c in texts.contacts],
            [(p.client, p.kind, p.status, p.value is None) for p in texts.projects],
            {kind: len(bodies) for kind, bodies in texts.ideas.items()},
            list(texts.purposes),
            (len(texts.decisions), len(texts.time_notes), len(texts.copy_decisions)),
        )

    assert shape(JAPANESE) == shape(ENGLISH)
    assert all(p.reading and p.email_local.isascii() for p in JAPANESE.people)
    assert all(p.value is None or p.value % 1_000 == 0 for p in JAPANESE.projects)
    emails = [JAPANESE.email(p) for p in JAPANESE.people]
    assert len(set(emails)) == len(emails)
    assert not set(emails) & {ENGLISH.email(p) for p in ENGLISH.people}


@pytest.mark.parametrize("order", [("en", "ja"), ("ja", "en")])
async def test_english_and_japanese_demos_coexist(cli_env, app, client, order):
    for locale in order:
        result = await invoke("seed-demo", "--locale", locale, "--password", "demo-password-123")
        assert result.exit_code == 0, result.output
        assert "already" not in result.output
    assert await _count(app, Organization) == 2
    assert await _count(app, User) == 16
    assert await _count(app, Project) == 12
    for locale in order:
        again = await invoke("seed-demo", "--locale", locale)
        assert again.exit_code == 0, again.output
        assert "already" in again.output
    assert await _count(app, Organization) == 2
    assert await _count(app, User) == 16
    assert await _count(app, Project) == 12

    # Each demo's people sign in and see only their own organization.
    english = await _bearer(client, "lena.vogel@northwind.example")
    japanese = await _bearer(client, f"sakura.ito{JA_DOMAIN}")
    english_org = (await client.get(f"{API}/users/me", headers=english)).json()["organization"]
    japanese_org = (await client.get(f"{API}/users/me", headers=japanese)).json()["organization"]
    assert (english_org["default_currency"], english_org["locale"]) == ("EUR", "en")
    assert (japanese_org["default_currency"], japanese_org["locale"]) == ("JPY", "ja")
    people = (await client.get(f"{API}/users", headers=japanese)).json()["items"]
    assert len(people) == 8 and all(p["email"].endswith(JA_DOMAIN) for p in people)


async def test_seed_demo_ja_scales_like_the_english_one(cli_env, app, client):
    result = await invoke(
        "seed-demo", "--locale", "ja", "--password", "demo-password-123", "--scale", "2"
    )
    assert result.exit_code == 0, result.output
    assert await _count(app, User) == 8 + 6
    assert await _count(app, Client) == 6 * 2
    assert await _count(app, Project) == 6 * 2
    # The copy's people sign in, keep a reading, and find their own yen-valued projects.
    headers = await _bearer(client, f"sakura.ito.2{JA_DOMAIN}")
    me = (await client.get(f"{API}/users/me", headers=headers)).json()
    assert (me["full_name"], me["name_reading"]) == ("伊藤 さくら 2", "イトウ サクラ 2")
    listed = (await client.get(f"{API}/projects", headers=headers)).json()["items"]
    assert any(p["title"].endswith(" 2：初回受注") and p["currency"] == "JPY" for p in listed)
    check = await invoke("rebuild-ledger", "--check")
    assert check.exit_code == 0, check.output


async def test_seed_demo_rejects_an_unknown_locale(cli_env, app):
    result = await invoke("seed-demo", "--locale", "fr")
    assert result.exit_code == 2, result.output
    assert "--locale" in result.output and "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    assert await _count(app, Organization) == 0


async def test_create_admin(cli_env, client):
    args = ["create-admin", "--email", "Boss@Example.com", "--full-name", "Bo Boss"]
    args += ["--organization", "Boss Corp", "--password", "a-long-enough-password"]
    result = await invoke(*args)
    assert result.exit_code == 0, result.output
    response = await login(client, "boss@example.com", "a-long-enough-password")
    assert response.status_code == 200

    duplicate = await invoke(*args)
    assert duplicate.exit_code == 1
    assert "already exists" in duplicate.output

    too_short = await invoke(*args[:-1], "short")
    assert too_short.exit_code == 2
    assert "password" in too_short.output
