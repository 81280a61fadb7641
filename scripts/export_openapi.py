"""Regenerate ``openapi.json`` (the contract the SPA's types are generated from) from the app.

    python scripts/export_openapi.py           # write openapi.json
    python scripts/export_openapi.py --check   # exit 1 when the committed file is stale

Needs neither a database nor a SECRET_KEY: the app is built with throwaway test settings.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
OPENAPI_PATH = REPO_ROOT / "openapi.json"
# Only signs nothing: the schema does not depend on the key, but Settings insists on one.
DUMMY_SECRET_KEY = "openapi-export-dummy-key-" + "0" * 32
IN_MEMORY_SQLITE = "sqlite+aiosqlite://"

# Importing api.main builds its module-level app from the environment; pin that environment
# so the import neither needs SECRET_KEY nor writes a development key file.
os.environ["ENVIRONMENT"] = "test"
os.environ["SECRET_KEY"] = DUMMY_SECRET_KEY
os.environ["DATABASE_URL"] = IN_MEMORY_SQLITE
sys.path.insert(0, str(REPO_ROOT))

from api.config import Settings  # noqa: E402
from api.main import create_app  # noqa: E402


def build_schema() -> dict[str, Any]:
    settings = Settings(
        environment="test",
        secret_key=DUMMY_SECRET_KEY,
        database_url=IN_MEMORY_SQLITE,
        _env_file=None,
    )
    return create_app(settings).openapi()


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 when the committed openapi.json is not up to date",
    )
    args = parser.parse_args(argv)
    expected = render(build_schema())
    if args.check:
        current = OPENAPI_PATH.read_text() if OPENAPI_PATH.exists() else None
        if current != expected:
            what = "is missing" if current is None else "is stale (the API changed)"
            print(
                f"{OPENAPI_PATH} {what}: "
                "run `python scripts/export_openapi.py` and commit the result.",
                file=sys.stderr,
            )
            return 1
        print(f"{OPENAPI_PATH.name} is up to date.")
        return 0
    OPENAPI_PATH.write_text(expected)
    print(f"wrote {OPENAPI_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
