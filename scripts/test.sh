#!/usr/bin/env bash
# The README's second command: install everything and run the whole test suite.
# DATABASE_URL picks the database: a PostgreSQL URL runs the suite on PostgreSQL (in a
# database of its own, created and dropped by the run); unset, it runs on SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[dev]"

echo "== lint"
.venv/bin/ruff check api tests scripts alembic bench
.venv/bin/ruff format --check api tests scripts alembic bench

echo "== types: mypy over api/ and scripts/ ([tool.mypy] in pyproject.toml)"
.venv/bin/python -m mypy

echo "== contract: openapi.json is current"
.venv/bin/python scripts/export_openapi.py --check

# The suite runs in TEST_WORKERS processes (pytest-xdist, 2 = this machine's cores), each
# with a database of its own (tests/conftest.py); TEST_WORKERS=0 runs it in this process.
echo "== tests on ${DATABASE_URL:-SQLite} (${TEST_WORKERS:-2} workers)"
.venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" --dist worksteal "$@"

# The SPA: npm ci, generated types, typecheck, lint, unit tests, build, and the browser
# end-to-end run against the API on PostgreSQL. SKIP_FRONTEND=1 runs the API suite alone.
if [ -z "${SKIP_FRONTEND:-}" ]; then
  bash scripts/test_frontend.sh
fi
