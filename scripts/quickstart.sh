#!/usr/bin/env bash
# The README's first command: install everything, create a SQLite database with demo data,
# and serve the API on http://127.0.0.1:8000 (docs at /docs). Ctrl-C stops it.
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

.venv/bin/mastermind migrate
.venv/bin/mastermind seed-demo
exec .venv/bin/mastermind serve --skip-migrate --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
