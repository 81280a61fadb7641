# The Sales Mastermind API image: uvicorn workers as a non-root user.
# Build: docker build -t sales-mastermind-api .   (docker-compose.yml builds it for you)
FROM python:3.11-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # The code runs from /app (not site-packages) so `mastermind migrate` finds alembic.ini
    # and alembic/ next to it.
    PYTHONPATH=/app \
    # uvicorn reads its --workers default from WEB_CONCURRENCY.
    WEB_CONCURRENCY=2

WORKDIR /app

# `pip install .` brings the dependencies and the `mastermind` command; PYTHONPATH above
# makes both import the code in /app/api.
COPY pyproject.toml README.md ./
COPY api ./api
RUN pip install .

COPY alembic.ini ./
COPY alembic ./alembic

RUN groupadd --system --gid 10001 mastermind \
    && useradd --system --uid 10001 --gid mastermind --home-dir /app --no-create-home mastermind
USER mastermind

EXPOSE 8000

HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]

# SIGTERM: uvicorn stops accepting, finishes in-flight requests (up to the graceful timeout),
# and the app closes its live streams at once (api/events.py).
STOPSIGNAL SIGTERM
# --no-proxy-headers: the app decides whether X-Forwarded-For is believed (TRUST_FORWARDED_FOR).
CMD ["python", "-m", "uvicorn", "api.main:app", "--host", "0.0.0.0", "--port", "8000", \
     "--no-access-log", "--no-proxy-headers", "--timeout-graceful-shutdown", "20"]
