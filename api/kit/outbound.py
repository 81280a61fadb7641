"""One outbound POST to a party the organization named: a webhook receiver, a chat room.

Every such call goes through ``post_pinned``: the URL is checked again by the SSRF guard
(api/kit/ssrf.py) and the connection pinned to the address checked, redirects are never
followed, the whole exchange has one deadline and the answer's body is never read. The
``Outcome`` says what the worker records; which outcomes are retried is each queue's rule.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from api.config import Settings
from api.kit import ssrf
from api.kit.retry_after import MAX_RETRY_AFTER, retry_after

# httpx logs every request's full URL at INFO. Where the URL is the credential (a Slack or
# Teams webhook URL: whoever has it can post), the posts made under this flag log only the
# scheme and host.
_SECRET_URL: contextvars.ContextVar[bool] = contextvars.ContextVar("secret_url", default=False)


class _SecretUrlFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _SECRET_URL.get() and isinstance(record.args, tuple):
            record.args = tuple(
                f"{arg.scheme}://{arg.netloc.decode()}/…" if isinstance(arg, httpx.URL) else arg
                for arg in record.args
            )
        return True


logging.getLogger("httpx").addFilter(_SecretUrlFilter())


@dataclass(frozen=True, slots=True)
class Outcome:
    status_code: int | None = None
    error: str | None = None
    # The receiver's Retry-After (a 429 or 503 asking for time), capped at MAX_RETRY_AFTER.
    retry_after: timedelta | None = None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410


async def post_pinned(
    http: httpx.AsyncClient,
    settings: Settings,
    url: str,
    *,
    content: bytes,
    headers: dict[str, str],
    seconds: float,
    now: Callable[[], datetime],
    reset_header: str | None = None,
    secret_url: bool = False,
) -> Outcome:
    """One outbound POST as every sender here makes it (webhooks, chat channels): the URL
    checked again by the SSRF guard and the connection pinned to the address checked, no
    redirect followed, a total deadline, the body never read. A 429 or 503 says when to come
    back with ``Retry-After`` or, where a provider documents one, ``reset_header`` (a Unix
    time, as Chatwork's ``X-RateLimit-Reset``). ``secret_url``: the URL is a credential, and
    is kept out of the logs."""
    token = _SECRET_URL.set(secret_url)
    try:
        return await _post(
            http,
            settings,
            url,
            content=content,
            headers=headers,
            seconds=seconds,
            now=now,
            reset_header=reset_header,
        )
    finally:
        _SECRET_URL.reset(token)


async def _post(
    http: httpx.AsyncClient,
    settings: Settings,
    url: str,
    *,
    content: bytes,
    headers: dict[str, str],
    seconds: float,
    now: Callable[[], datetime],
    reset_header: str | None,
) -> Outcome:
    try:
        target = await ssrf.destination(
            url,
            allow_private=settings.webhook_allow_private_targets,
            https_only=settings.webhook_https_only,
            dns_timeout=settings.webhook_dns_timeout_seconds,
        )
    except ssrf.UnsafeURL as exc:
        return Outcome(error=f"Refused: {exc.reason}")
    headers = dict(headers)
    if target.host_header:
        headers["host"] = target.host_header
    extensions = {"sni_hostname": target.sni_hostname} if target.sni_hostname else {}
    try:
        # A total deadline: httpx's timeout bounds each read, not a slow drip of bytes.
        async with (
            asyncio.timeout(seconds),
            http.stream(
                "POST", target.url, content=content, headers=headers, extensions=extensions
            ) as response,
        ):
            status = response.status_code  # the body is never read: nothing needs it
            asked_to_wait = response.headers.get("retry-after")
            reset_at = response.headers.get(reset_header) if reset_header else None
    except TimeoutError:
        return Outcome(error=f"Timed out after {seconds:g} s")
    except httpx.HTTPError as exc:
        return Outcome(error=f"{type(exc).__name__}: {exc}".removesuffix(": ")[:500])
    if 200 <= status < 300:
        return Outcome(status_code=status)
    if 300 <= status < 400:
        return Outcome(status_code=status, error=f"HTTP {status}: redirects are not followed")
    wait = None
    if status in (429, 503):
        moment = now()
        wait = retry_after(asked_to_wait, now=moment)
        if wait is None and reset_at is not None:
            wait = _until_reset(reset_at, now=moment)
    return Outcome(status_code=status, error=f"HTTP {status}", retry_after=wait)


def _until_reset(value: str, *, now: datetime) -> timedelta | None:
    """The wait until a rate limit's reset, given as a Unix time; None when unreadable."""
    try:
        reset = datetime.fromtimestamp(float(value.strip()), UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return min(max(reset - now, timedelta(0)), MAX_RETRY_AFTER)
