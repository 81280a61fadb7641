"""ASGI middleware of our own that every request passes: the request body size cap, CORS
with its refusals as problem documents, and HEAD for every GET."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
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


class ProblemCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, with a refused preflight (an origin outside ``CORS_ORIGINS``, a method
    or header not allowed) answered as problem+json instead of its 400 text/plain."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            headers = Headers(scope=scope)
            if "origin" in headers and "access-control-request-method" in headers:
                response = self.preflight_response(request_headers=headers)
                if response.status_code == 400:
                    response = _refused_preflight(scope, response)
                await response(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def _refused_preflight(scope: Scope, refusal: Response) -> Response:
    # Starlette's text names what was refused: "Disallowed CORS origin, headers".
    refused = bytes(refusal.body).decode().removeprefix("Disallowed CORS ")
    kept = {
        name: value
        for name, value in refusal.headers.items()
        if name not in ("content-length", "content-type")
    }
    return problem_response(
        Request(scope),
        status=400,
        detail=f"This cross-origin request is not allowed (refused: {refused}).",
        slug="cors-refused",
        headers=kept,
    )


# Set by the router on the scope it routed: copied back so the access log and the metrics
# name the route a HEAD request took.
_ROUTING_KEYS = ("route", "endpoint", "path_params")


class HeadMiddleware:
    """HEAD answers what GET would, without the body (RFC 9110 9.3.2). FastAPI's GET routes do
    not accept HEAD (405), so the request is routed as a GET and only the head is sent.

    The inner app gets a copy of the scope: the server's own (uvicorn reads its method when
    it writes the response) still says HEAD."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        as_get = {**scope, "method": "GET"}
        finished = False

        async def head_only(message: Message) -> None:
            nonlocal finished
            if message["type"] == "http.response.start":
                await send(message)
            elif message["type"] == "http.response.body" and not finished:
                # The first chunk ends the response; a stream that goes on is dropped (the
                # server then reports the client gone, which ends it).
                finished = True
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        try:
            await self.app(as_get, receive, head_only)
        finally:
            for key in _ROUTING_KEYS:
                if key in as_get:
                    scope[key] = as_get[key]
