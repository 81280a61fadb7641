"""The SSRF guard for outbound webhook URLs: which targets the API may be made to call.

A URL is refused when its scheme is not http(s) (https only in production), when it carries
credentials, or when its host is, or resolves to, anything but a public address: loopback,
private, link-local, carrier-grade NAT, multicast, unspecified, reserved, cloud metadata,
IPv4-mapped IPv6, and IPv6 forms that embed such an IPv4 address (6to4, NAT64, Teredo,
IPv4-compatible). Numeric hosts in the legacy forms C libraries accept (``2130706433``,
``0177.0.0.1``, ``0x7f.1``) are read as the address they mean, never passed on as names.

The check runs at registration and again right before every delivery. DNS rebinding: the
delivery connects to the very address that was checked (the URL's host is replaced by that
IP; the Host header and the TLS server name keep the original name, so certificates are
still verified against it), so a name that answers differently a second time gains nothing.
``WEBHOOK_ALLOW_PRIVATE_TARGETS=true`` skips the address checks (tests, local receivers).
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata services: link-local or private anyway, except Azure's, which is public.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, ...
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure WireServer
    )
)
CGNAT = ipaddress.ip_network("100.64.0.0/10")
PRIVATE_RANGES = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")
LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")

# Every label numeric (decimal, octal with a leading 0, hex with 0x): the forms inet_aton
# reads as an IPv4 address, which getaddrinfo would therefore connect to.
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}$")
_HOSTNAME = re.compile(
    r"^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$"
)
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


class UnsafeURL(ValueError):
    """The URL may not be called; ``reason`` says why, for the person who registered it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Destination:
    """Where a delivery goes: ``url`` names the checked IP when the host was a name."""

    url: str
    host_header: str | None = None
    sni_hostname: str | None = None


@dataclass(frozen=True, slots=True)
class _Parsed:
    parts: SplitResult
    host: str
    port: int
    address: IPAddress | None  # the host, when it is an address in any notation


async def resolve_addresses(host: str, port: int) -> list[str]:
    """The addresses a name resolves to (getaddrinfo in the loop's thread pool)."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _legacy_ipv4(host: str) -> IPAddress | None:
    if not _NUMERIC_HOST.match(host):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        raise UnsafeURL(f"{host!r} is neither a valid IP address nor a host name") from None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in NAT64 or (ip in IPV4_COMPATIBLE and int(ip) > 0xFFFF):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refusal(ip: IPAddress) -> str | None:
    """Why the API must not connect to ``ip``, or None for a public address."""
    if ip in METADATA_ADDRESSES:
        return f"{ip} is a cloud metadata address"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            # Refused whatever it maps: no receiver needs one, and stacks disagree on them.
            inner = refusal(ip.ipv4_mapped)
            return f"{ip} is an IPv4-mapped IPv6 address" + (f" ({inner})" if inner else "")
        if ip in LOCAL_NAT64:
            return f"{ip} is a local-use NAT64 address"
        embedded = _embedded_ipv4(ip)
        if embedded is not None and (inner := refusal(embedded)) is not None:
            return f"{ip} embeds {embedded}: {inner}"
    named = (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("unspecified", ip.is_unspecified),
        ("carrier-grade NAT (100.64.0.0/10)", ip in CGNAT),
        ("private", any(ip in network for network in PRIVATE_RANGES)),
        ("reserved", ip.is_reserved),
    )
    for name, applies in named:
        if applies:
            article = "an" if name[0] in "aeiou" else "a"
            return f"{ip} is {article} {name} address"
    if not ip.is_global:
        return f"{ip} is not a public address"
    return None


def _parse(url: str, *, https_only: bool) -> _Parsed:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:  # a broken [IPv6] or a port that is not a number in range
        raise UnsafeURL(f"The URL cannot be parsed: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeURL("Only http and https URLs can receive webhooks")
    if https_only and scheme != "https":
        raise UnsafeURL("Webhook URLs must use https")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL("Webhook URLs must not carry credentials (user:password@)")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeURL("The URL has no host")
    if "%" in host:
        raise UnsafeURL("IPv6 zone identifiers are not allowed")
    port = port or (443 if scheme == "https" else 80)
    try:
        address: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        address = _legacy_ipv4(host)
    if address is None:
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise UnsafeURL(f"{host!r} is not a valid host name") from None
        if not _HOSTNAME.match(host) or len(host) > 253:
            raise UnsafeURL(f"{host!r} is not a valid host name")
    return _Parsed(parts=parts, host=host, port=port, address=address)


def _refuse_local_name(host: str) -> None:
    # RFC 6761: these always mean this machine, whatever a resolver says.
    if host in _LOCAL_NAMES or host.endswith(".localhost"):
        raise UnsafeURL(f"{host} is this machine (loopback)")


async def _resolve(parsed: _Parsed, *, allow_private: bool, dns_timeout: float) -> list[IPAddress]:
    if parsed.address is not None:
        addresses = [parsed.address]
    else:
        if not allow_private:
            _refuse_local_name(parsed.host)
        try:
            found = await asyncio.wait_for(resolve_addresses(parsed.host, parsed.port), dns_timeout)
        except TimeoutError:
            raise UnsafeURL(f"{parsed.host} did not resolve within {dns_timeout:g} s") from None
        except (OSError, UnicodeError):
            raise UnsafeURL(f"{parsed.host} does not resolve") from None
        addresses = []
        for text in found:
            try:
                addresses.append(ipaddress.ip_address(text.split("%", 1)[0]))
            except ValueError:
                continue
        if not addresses:
            raise UnsafeURL(f"{parsed.host} does not resolve")
    if not allow_private:
        # Every answer must be public: a name that also answers with a private address could
        # be steered to it by whichever address the connection happens to use.
        for ip in addresses:
            reason = refusal(ip)
            if reason is not None:
                where = "" if parsed.address is not None else f"{parsed.host} resolves to "
                raise UnsafeURL(where + reason)
    return addresses


async def check_url(url: str, *, allow_private: bool, https_only: bool, dns_timeout: float) -> str:
    """At registration: the URL (trimmed) if it may receive webhooks, else ``UnsafeURL``.

    With private targets allowed only the syntax is checked: nothing is resolved, so a
    receiver that is not up yet can still be registered.
    """
    parsed = _parse(url, https_only=https_only)
    if not allow_private:
        await _resolve(parsed, allow_private=False, dns_timeout=dns_timeout)
    return url.strip()


async def destination(
    url: str, *, allow_private: bool, https_only: bool, dns_timeout: float
) -> Destination:
    """At delivery: check the URL again and pin the connection to the address checked."""
    parsed = _parse(url, https_only=https_only)
    addresses = await _resolve(parsed, allow_private=allow_private, dns_timeout=dns_timeout)
    if parsed.address is not None and parsed.host == str(parsed.address):
        return Destination(url=url.strip())
    ip = addresses[0]
    literal = f"[{ip}]" if ip.version == 6 else str(ip)
    netloc = literal if parsed.parts.port is None else f"{literal}:{parsed.port}"
    pinned = parsed.parts._replace(netloc=netloc).geturl()
    original_host = parsed.parts.netloc.rsplit("@", 1)[-1]
    https = parsed.parts.scheme.lower() == "https"
    # A legacy numeric host is no name to present in TLS; a real name is.
    server_name = parsed.host if https and parsed.address is None else None
    return Destination(url=pinned, host_header=original_host, sni_hostname=server_name)
