"""ASGI middleware of our own that every request passes: the request body size cap."""

from __future__ import annotations

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem_response


class BodyTooLarge(StarletteHTTPException):
    """Raised from ``receive`` when a streamed body passes the cap: whoever is reading it
    (FastAPI's body parsing, a dependency, a route streaming it) lets it through to the 413
    problem handler."""

    slug = "payload-too-large"

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"The request body exceeds {max_bytes} bytes")


class BodySizeLimitMiddleware:
    """Refuses request bodies above ``max_bytes`` with 413 problem+json, in the app itself (not
    only behind nginx): at once when Content-Length says so, without reading a byte, and for
    bodies without one (chunked) as soon as the bytes received pass the cap."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            exc = BodyTooLarge(self.max_bytes)
            response = problem_response(
                Request(scope), status=413, detail=exc.detail, slug=exc.slug
            )
            await response(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, counting_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None
