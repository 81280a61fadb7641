#!/usr/bin/env bash
# The front end's checks, end to end: Debian's chromium (installed if missing), `npm ci`, the
# generated API types against openapi.json, typecheck, lint, the i18n catalog check, unit
# tests, the build, and the Playwright story against the real API on a PostgreSQL database
# of its own (created and dropped by e2e/run.mjs), once in English and once in Japanese. Needs the API's .venv (scripts/test.sh or quickstart.sh makes it).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)
# A Japanese font, so the Japanese run's screenshots show Japanese rather than empty boxes.
fc-list :lang=ja 2>/dev/null | grep -q . || (apt-get update && apt-get install -y fonts-ipafont-gothic)

if [ ! -x .venv/bin/mastermind ]; then
  "${PYTHON:-python3}" -m venv .venv
  .venv/bin/python -m pip install --quiet -e .
fi

# PostgreSQL runs on this kind of machine; start it if it is down (as .ci/run does).
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi

cd frontend
echo "== npm ci"
npm ci --no-audit --no-fund --loglevel=error
echo "== API types are current (openapi.json -> src/api/schema.d.ts)"
npm run --silent check:api
echo "== typecheck"
npx tsc --noEmit
echo "== lint (eslint: recommended + rules of hooks)"
npx eslint .
echo "== catalogs: every key in Japanese and English, no visible literal outside them"
node scripts/check-i18n.mjs
echo "== unit tests (vitest)"
npm test --silent
echo "== build"
npx vite build --logLevel warn
echo "== first-screen bundle (gzipped JavaScript the first page needs)"
node scripts/bundle-size.mjs
echo "== end to end (playwright-core + /usr/bin/chromium, API on PostgreSQL), in English"
node e2e/run.mjs
echo "== the same story in Japanese (screenshots in e2e/artifacts/ja)"
E2E_LANG=ja node e2e/run.mjs
echo "== front end checks passed in $(( $(date +%s) - started )) s"
