#!/usr/bin/env python3
"""Pull every completed session's outcome that is new since the last run, as JSON lines.

    MASTERMIND_API_KEY=mm_... python scripts/examples/pull_outcomes.py \
        --base-url https://mastermind.example.com --out outcomes.jsonl

Needs an API key with the ``sessions:read`` scope and ``httpx``. Each line written is
``{"session": {...}, "outcome": {...}}``. Progress is kept in a small state file (``--state``):

* during a run, after every page, the feed's ``next_cursor``: a run that dies (network,
  Ctrl-C) resumes from the last page it finished;
* at the end, ``updated_since`` = the newest ``updated_at`` seen, minus an overlap (two
  minutes): a session written by a transaction that committed late, with an earlier
  ``updated_at``, is still picked up next time. The ids already written within the overlap
  are remembered, so nothing is written twice.

A session whose outcome is edited later appears again with its new ``updated_at``, as a
new line: consumers keep the last line per session id. 429 and 503 answers are retried after
their ``Retry-After``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

FEED = "/api/v1/sessions"
OVERLAP = timedelta(minutes=2)
PAGE_SIZE = 200
RETRIES = 5


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def load_state(path: Path) -> dict[str, Any]:
    if path.exists():
        return json.loads(path.read_text())
    return {"updated_since": None, "cursor": None, "seen": {}}


def save_state(path: Path, state: dict[str, Any]) -> None:
    # Write then rename: a crash never leaves half a state file behind.
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(state, indent=2))
    temporary.replace(path)


async def get_json(http: httpx.AsyncClient, url: str, params: dict[str, Any] | None = None) -> Any:
    for attempt in range(RETRIES):
        response = await http.get(url, params=params)
        if response.status_code in (429, 502, 503, 504) and attempt < RETRIES - 1:
            wait = float(response.headers.get("Retry-After", 2**attempt))
            await asyncio.sleep(min(wait, 60))
            continue
        response.raise_for_status()
        return response.json()
    raise RuntimeError("unreachable")


async def pull(http: httpx.AsyncClient, *, out_path: Path, state_path: Path) -> int:
    """Append what is new to ``out_path``; returns how many lines were written."""
    state = load_state(state_path)
    seen: dict[str, str] = state.get("seen", {})
    newest = state["updated_since"]
    written = 0
    with out_path.open("a", encoding="utf-8") as out:
        while True:
            params: dict[str, Any] = {"status": "completed", "limit": PAGE_SIZE}
            if state["updated_since"]:
                params["updated_since"] = state["updated_since"]
            if state["cursor"]:
                params["cursor"] = state["cursor"]
            page = await get_json(http, FEED, params)
            for session in page["items"]:
                if seen.get(session["id"]) == session["updated_at"]:
                    continue  # written by an earlier run, inside the overlap
                outcome = await get_json(http, f"{FEED}/{session['id']}/outcome")
                out.write(json.dumps({"session": session, "outcome": outcome}) + "\n")
                written += 1
                seen[session["id"]] = session["updated_at"]
                if newest is None or _moment(session["updated_at"]) > _moment(newest):
                    newest = session["updated_at"]
            out.flush()
            state["cursor"] = page["next_cursor"]
            state["seen"] = seen
            save_state(state_path, state)
            if page["next_cursor"] is None:
                break
    if newest is not None:
        since = _moment(newest) - OVERLAP
        state["updated_since"] = since.isoformat()
        # Only what the next run can see again needs remembering.
        state["seen"] = {key: value for key, value in seen.items() if _moment(value) > since}
    state["cursor"] = None
    save_state(state_path, state)
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--base-url", default=os.environ.get("MASTERMIND_URL", "http://localhost:8000")
    )
    parser.add_argument("--out", type=Path, default=Path("outcomes.jsonl"))
    parser.add_argument("--state", type=Path, default=Path(".pull_outcomes_state.json"))
    args = parser.parse_args()
    key = os.environ.get("MASTERMIND_API_KEY")
    if not key:
        print("Set MASTERMIND_API_KEY to an API key with the sessions:read scope", file=sys.stderr)
        return 2

    async def run() -> int:
        async with httpx.AsyncClient(
            base_url=args.base_url,
            headers={"Authorization": f"Bearer {key}"},
            timeout=30,
        ) as http:
            return await pull(http, out_path=args.out, state_path=args.state)

    count = asyncio.run(run())
    print(f"wrote {count} outcome(s) to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
