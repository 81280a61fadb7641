#!/usr/bin/env bash
# The README's first command: install everything, create a SQLite database with demo data,
# build the SPA, and serve both on http://127.0.0.1:8000 (API docs at /docs). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .

export ENVIRONMENT=${ENVIRONMENT:-development}
export DATABASE_URL=${DATABASE_URL:-sqlite+aiosqlite:///./mastermind.db}

# The SPA, served by the API process from frontend/dist: one URL for everything.
if command -v npm >/dev/null; then
  (cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
else
  echo "npm not found: serving the API only (install Node.js 20 to get the web app)"
fi

.venv/bin/mastermind migrate
# DEMO_LOCALE=ja seeds the Japanese demo company instead (default en); both may share one database.
.venv/bin/mastermind seed-demo --locale "${DEMO_LOCALE:-en}"
echo "Open http://${HOST:-127.0.0.1}:${PORT:-8000}/ and sign in as a demo user (API docs at /docs)"
if [ "${DEMO_LOCALE:-en}" = "en" ]; then
  echo "For the Japanese demo company (Asia/Tokyo, JPY, April fiscal year): DEMO_LOCALE=ja bash scripts/quickstart.sh"
fi
exec .venv/bin/mastermind serve --skip-migrate --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
