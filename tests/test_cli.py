"""The `mastermind` command: migrate, create-admin and seed-demo against the test database."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from api import cli
from api.config import get_settings
from api.models import (
    ActionItem,
    Client,
    Contribution,
    ContributionVote,
    MastermindSession,
    Project,
    ProjectMember,
    SessionStatus,
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
