"""The README's example script (scripts/examples/pull_outcomes.py) against the app: it pulls
every completed outcome once with an API key, resumes after a crash, and repeats nothing."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import httpx
import pytest

from tests.factories import API, register
from tests.session_kit import new_project, new_session, transition

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "examples" / "pull_outcomes.py"


def load_script():
    spec = importlib.util.spec_from_file_location("pull_outcomes", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def completed_session(client, admin, title: str) -> dict:
    project = await new_project(client, admin, title=title)
    session = await new_session(client, project["id"], admin, title=title)
    await transition(client, session["id"], admin, "start")
    return await transition(client, session["id"], admin, "complete", summary=f"{title} done")


class CrashOnSecondPage(httpx.AsyncBaseTransport):
    """Lets the first feed page through, then fails like a dropped connection."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.feed_calls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == f"{API}/sessions":
            self.feed_calls += 1
            if self.feed_calls == 2:
                raise httpx.ConnectError("connection dropped")
        return await self.inner.handle_async_request(request)


async def test_the_example_pulls_each_outcome_once_and_resumes(client, app, tmp_path, monkeypatch):
    script = load_script()
    monkeypatch.setattr(script, "PAGE_SIZE", 1)
    admin = await register(client)
    key = await client.post(
        f"{API}/api-keys", headers=admin.headers, json={"name": "bi", "scopes": ["sessions:read"]}
    )
    headers = {"Authorization": f"Bearer {key.json()['key']}"}
    first = [await completed_session(client, admin, f"Deal {n}") for n in range(3)]
    out, state = tmp_path / "outcomes.jsonl", tmp_path / "state.json"

    def lines() -> list[dict]:
        return [json.loads(line) for line in out.read_text().splitlines()]

    crashing = CrashOnSecondPage(httpx.ASGITransport(app=app))
    async with httpx.AsyncClient(
        transport=crashing, base_url="http://testserver", headers=headers
    ) as http:
        with pytest.raises(httpx.ConnectError):
            await script.pull(http, out_path=out, state_path=state)
    assert len(lines()) == 1
    assert json.loads(state.read_text())["cursor"], "the crash must leave the cursor behind"

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers
    ) as http:
        assert await script.pull(http, out_path=out, state_path=state) == 2
        got = lines()
        assert sorted(line["session"]["id"] for line in got) == sorted(s["id"] for s in first)
        assert all(line["outcome"]["summary"].endswith("done") for line in got)

        # Nothing new: nothing written, even though the overlap re-reads the last sessions.
        assert await script.pull(http, out_path=out, state_path=state) == 0
        later = await completed_session(client, admin, "Deal later")
        assert await script.pull(http, out_path=out, state_path=state) == 1
        assert lines()[-1]["session"]["id"] == later["id"]
        assert len(lines()) == 4
