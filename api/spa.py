"""Serves the built SPA (``frontend/dist``) from the API process, so the quick start needs one URL.

It is the router's fallback, not a route: it answers only what no route matched, so it never
shadows the API (or a route added later), adds nothing to ``app.routes`` or the OpenAPI
document, and leaves 405s to the router. Client-side routes get ``index.html`` when a browser
asks for a page (``Accept: text/html``); anything else unknown stays a problem+json 404.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

DEFAULT_DIST = Path(__file__).resolve().parent.parent / "frontend" / "dist"
# Paths the SPA never answers: their unknown sub-paths stay the API's problem documents.
RESERVED_PREFIXES = ("/api", "/healthz", "/readyz", "/docs", "/redoc", "/openapi.json")
# The SPA runs its own bundled code only; Mantine sets inline styles.
SPA_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def _reserved(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in RESERVED_PREFIXES)


class SpaFallback:
    """Files of the build by path; ``index.html`` for page requests; else the 404 fallback."""

    def __init__(self, directory: Path, fallback: ASGIApp) -> None:
        self.files = StaticFiles(directory=directory)
        self.index = directory / "index.html"
        self.fallback = fallback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in ("GET", "HEAD")
            and not _reserved(scope["path"])
        ):
            response = await self._response(scope)
            if response is not None:
                await response(scope, receive, send)
                return
        await self.fallback(scope, receive, send)

    async def _response(self, scope: Scope) -> Response | None:
        relative = scope["path"].lstrip("/") or "index.html"
        full_path, found = await anyio.to_thread.run_sync(self.files.lookup_path, relative)
        if found is not None and stat.S_ISREG(found.st_mode):
            response = self.files.file_response(full_path, found, scope)
        elif self._wants_page(scope, relative):
            index_stat = await anyio.to_thread.run_sync(os.stat, self.index)
            response = self.files.file_response(str(self.index), index_stat, scope)
        else:
            return None
        if relative.startswith("assets/"):
            # Vite puts a content hash in every asset name.
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            response.headers["Cache-Control"] = "no-cache"
        if response.media_type == "text/html":
            response.headers["Content-Security-Policy"] = SPA_CSP
        return response

    @staticmethod
    def _wants_page(scope: Scope, relative: str) -> bool:
        # A client-side route: a browser navigation to a path that does not name a file.
        accept = Headers(scope=scope).get("accept", "")
        return "text/html" in accept and "." not in relative.rsplit("/", 1)[-1]


def mount_spa(app: FastAPI, dist: Path | None = None) -> bool:
    """Serve the built SPA (``npm run build`` in frontend/) for whatever no route matches.

    ``MASTERMIND_SPA_DIR`` points elsewhere; without a build nothing changes. Returns whether
    the SPA is served.
    """
    directory = dist or Path(os.environ.get("MASTERMIND_SPA_DIR") or DEFAULT_DIST)
    if not (directory / "index.html").is_file():
        return False
    app.router.default = SpaFallback(directory, app.router.default)
    return True
