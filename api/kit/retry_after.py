"""Reading a ``Retry-After`` header (RFC 9110 10.2.3), for every client of another service
that honours it: the webhook worker (a subscriber's 429 or 503) and the CRM reader (a
HubSpot or Pipedrive 429)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

# However long the other side asks us to wait, the next attempt comes within a day.
MAX_RETRY_AFTER = timedelta(hours=24)


def retry_after(value: str | None, *, now: datetime) -> timedelta | None:
    """The wait a Retry-After asks for, from ``now``: delay-seconds (whole or, as some
    APIs send, with a fraction) or an HTTP-date; at most a day; None when absent or
    unreadable (the caller's own schedule applies then)."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:  # an HTTP-date is GMT; parsedate leaves "-0000" naive
            moment = moment.replace(tzinfo=UTC)
        return min(max(moment - now, timedelta(0)), MAX_RETRY_AFTER)
    if seconds != seconds or seconds < 0:  # NaN, or a negative delay: not a delay
        return None
    # Capped before it becomes a timedelta: a huge number would overflow one.
    return timedelta(seconds=min(seconds, MAX_RETRY_AFTER.total_seconds()))
