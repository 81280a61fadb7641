"""The SSRF guard (api/kit/ssrf.py) on a corpus of addresses an attacker would try, and
the pinning of a delivery to the address that was checked."""

from __future__ import annotations

import asyncio
import time

import pytest

from api.kit import ssrf

# Each one must be refused while private targets are not allowed: (url, why).
REFUSED = [
    # loopback in every notation C libraries accept
    ("http://127.0.0.1/", "loopback"),
    ("http://127.255.255.254:8080/x", "loopback"),
    ("http://127.1/", "loopback"),  # short form
    ("http://2130706433/", "loopback"),  # decimal
    ("http://0177.0.0.1/", "loopback"),  # octal
    ("http://017700000001/", "loopback"),  # octal, one number
    ("http://0x7f.1/", "loopback"),  # hex, short
    ("http://0x7f000001/", "loopback"),  # hex, one number
    ("http://0x7f.0x0.0x0.0x1/", "loopback"),
    ("http://[::1]/", "loopback"),
    ("http://[0:0:0:0:0:0:0:1]:443/", "loopback"),
    # IPv6 forms that carry an IPv4 address
    ("http://[::ffff:127.0.0.1]/", "IPv4-mapped"),
    ("http://[::ffff:7f00:1]/", "IPv4-mapped"),
    ("http://[0:0:0:0:0:ffff:169.254.169.254]/", "metadata"),
    ("http://[::ffff:10.0.0.1]/", "IPv4-mapped"),
    ("http://[::127.0.0.1]/", "embeds 127.0.0.1"),  # IPv4-compatible (deprecated)
    ("http://[2002:7f00:1::]/", "embeds 127.0.0.1"),  # 6to4
    ("http://[2002:a9fe:a9fe::1]/", "embeds 169.254.169.254"),  # 6to4 of the metadata address
    ("http://[64:ff9b::7f00:1]/", "embeds 127.0.0.1"),  # NAT64
    ("http://[64:ff9b::a00:1]/", "embeds 10.0.0.1"),
    ("http://[64:ff9b:1::a00:1]/", "local-use NAT64"),
    # cloud metadata services
    ("http://169.254.169.254/latest/meta-data/", "metadata"),
    ("http://2852039166/", "metadata"),  # 169.254.169.254 in decimal
    ("http://0251.0376.0251.0376/", "metadata"),  # ... and in octal
    ("http://[fd00:ec2::254]/", "metadata"),
    ("http://100.100.100.200/", "metadata"),
    ("https://168.63.129.16/", "metadata"),
    # private, link-local, shared, multicast, unspecified, reserved
    ("http://10.0.0.1/", "private"),
    ("http://172.16.5.4/", "private"),
    ("http://172.31.255.255/", "private"),
    ("http://192.168.1.1/", "private"),
    ("http://0xc0a80101/", "private"),  # 192.168.1.1 in hex
    ("http://[fc00::1]/", "private"),
    ("http://[fd12:3456::1]/", "private"),
    ("http://169.254.10.10/", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://100.64.0.1/", "carrier-grade NAT"),
    ("http://100.127.255.254/", "carrier-grade NAT"),
    ("http://224.0.0.1/", "multicast"),
    ("http://[ff02::1]/", "multicast"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://0/", "unspecified"),  # 0.0.0.0 as one number
    ("http://[::]/", "unspecified"),
    ("http://240.0.0.1/", "reserved"),
    ("http://255.255.255.255/", "reserved"),  # broadcast
    ("http://192.0.2.10/", "not a public address"),  # documentation
    ("http://198.18.0.1/", "not a public address"),  # benchmarking
    # names that mean this machine, whatever DNS says
    ("http://localhost/", "loopback"),
    ("http://LOCALHOST./", "loopback"),
    ("http://api.localhost:8000/", "loopback"),
    ("http://localhost.localdomain/", "loopback"),
    # not a URL the guard can reason about
    ("ftp://93.184.215.14/", "http and https"),
    ("file:///etc/passwd", "http and https"),
    ("gopher://93.184.215.14:70/", "http and https"),
    ("http://user:secret@93.184.215.14/", "credentials"),
    ("http://93.184.215.14@127.0.0.1/", "credentials"),
    ("http://[fe80::1%25eth0]/", "zone"),
    ("http:///path-only", "no host"),
    ("http://[::1/", "cannot be parsed"),
    ("http://93.184.215.14:99999/", "cannot be parsed"),
    ("http://08.0.0.1/", "neither a valid IP address"),  # 8 is no octal digit
    ("http://exa mple.com/", "not a valid host name"),
    ("http://no-such-host.invalid/", "does not resolve"),
]
PUBLIC = ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]


async def _check(url: str, *, allow_private: bool = False, https_only: bool = False) -> str:
    return await ssrf.check_url(
        url, allow_private=allow_private, https_only=https_only, dns_timeout=2
    )


def test_the_corpus_is_big_enough():
    assert len(REFUSED) >= 25
    assert len({url for url, _ in REFUSED}) == len(REFUSED)


@pytest.mark.parametrize(("url", "why"), REFUSED, ids=[url for url, _ in REFUSED])
async def test_refused(url: str, why: str):
    with pytest.raises(ssrf.UnsafeURL) as refused:
        await _check(url)
    assert why in refused.value.reason, refused.value.reason


@pytest.mark.parametrize(
    "url",
    [
        url
        for url, why in REFUSED
        if why not in {"http and https", "credentials", "zone", "no host", "cannot be parsed"}
        and why not in {"neither a valid IP address", "not a valid host name", "does not resolve"}
    ],
)
async def test_allowed_with_the_setting(url: str):
    """``WEBHOOK_ALLOW_PRIVATE_TARGETS=true`` lets every address through (local receivers);
    what is not an http(s) URL with a host stays refused."""
    assert await _check(url, allow_private=True) == url


@pytest.mark.parametrize("address", PUBLIC)
async def test_public_addresses_pass(address: str):
    host = f"[{address}]" if ":" in address else address
    assert await _check(f"https://{host}/hooks?x=1") == f"https://{host}/hooks?x=1"


async def test_https_only_refuses_plain_http():
    with pytest.raises(ssrf.UnsafeURL, match="must use https"):
        await _check("http://93.184.215.14/", https_only=True)
    assert await _check("https://93.184.215.14/", https_only=True)


def _resolver(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> list[str]:
    asked: list[str] = []

    async def fake(host: str, port: int) -> list[str]:
        asked.append(host)
        if host not in answers:
            raise OSError("Name or service not known")
        return answers[host]

    monkeypatch.setattr(ssrf, "resolve_addresses", fake)
    return asked


async def test_a_name_that_resolves_to_a_private_address_is_refused(monkeypatch):
    _resolver(
        monkeypatch,
        {
            "intranet.example.com": ["10.20.30.40"],
            "mixed.example.com": ["93.184.215.14", "192.168.0.7"],
            "mapped.example.com": ["::ffff:127.0.0.1"],
            "public.example.com": ["93.184.215.14"],
        },
    )
    for host, why in (
        ("intranet.example.com", "intranet.example.com resolves to 10.20.30.40 is a private"),
        # one private answer is enough: the connection might use that one
        ("mixed.example.com", "resolves to 192.168.0.7 is a private"),
        ("mapped.example.com", "IPv4-mapped"),
    ):
        with pytest.raises(ssrf.UnsafeURL, match=why):
            await _check(f"https://{host}/hook")
    assert await _check("https://public.example.com/hook")


async def test_localhost_through_the_real_resolver_is_refused():
    # Refused by name first (RFC 6761); the system resolver also says 127.0.0.1.
    addresses = await ssrf.resolve_addresses("localhost", 80)
    assert "127.0.0.1" in addresses or "::1" in addresses
    with pytest.raises(ssrf.UnsafeURL, match="loopback"):
        await _check("http://localhost:8000/hook")


async def test_a_resolver_that_hangs_is_given_up_on(monkeypatch):
    async def hang(host: str, port: int) -> list[str]:
        await asyncio.sleep(30)
        return []

    monkeypatch.setattr(ssrf, "resolve_addresses", hang)
    started = time.monotonic()
    with pytest.raises(ssrf.UnsafeURL, match=r"did not resolve within 0\.2 s"):
        await ssrf.check_url(
            "https://slow.example.com/", allow_private=False, https_only=False, dns_timeout=0.2
        )
    assert time.monotonic() - started < 2


async def test_with_the_setting_registration_does_not_resolve(monkeypatch):
    asked = _resolver(monkeypatch, {})
    assert await _check("http://receiver.internal:9000/", allow_private=True)
    assert asked == []


# --- pinning at delivery -----------------------------------------------------------------------


async def test_a_delivery_goes_to_the_address_that_was_checked(monkeypatch):
    _resolver(monkeypatch, {"hooks.example.com": ["93.184.215.14"]})
    target = await ssrf.destination(
        "https://hooks.example.com:8443/in?a=1", allow_private=False, https_only=True, dns_timeout=1
    )
    assert target.url == "https://93.184.215.14:8443/in?a=1"
    assert target.host_header == "hooks.example.com:8443"
    # TLS still presents, and verifies the certificate for, the name.
    assert target.sni_hostname == "hooks.example.com"


async def test_pinning_to_ipv6_and_plain_http(monkeypatch):
    _resolver(monkeypatch, {"v6.example.com": ["2606:2800:21f:cb07:6820:80da:af6b:8b2c"]})
    target = await ssrf.destination(
        "http://v6.example.com/x", allow_private=False, https_only=False, dns_timeout=1
    )
    assert target.url == "http://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/x"
    assert target.host_header == "v6.example.com" and target.sni_hostname is None


async def test_an_address_url_is_sent_as_it_is_and_rebinding_is_caught(monkeypatch):
    literal = await ssrf.destination(
        "https://93.184.215.14/x", allow_private=False, https_only=True, dns_timeout=1
    )
    assert literal == ssrf.Destination(url="https://93.184.215.14/x")
    # Legacy notations are sent to the address they mean, never handed to a resolver.
    legacy = await ssrf.destination(
        "http://1572394766/x", allow_private=False, https_only=False, dns_timeout=1
    )
    assert legacy.url == "http://93.184.215.14/x" and legacy.host_header == "1572394766"

    answers = {"flip.example.com": ["93.184.215.14"]}
    _resolver(monkeypatch, answers)
    assert await _check("https://flip.example.com/")  # registered while public
    answers["flip.example.com"] = ["169.254.169.254"]  # ... then rebound
    with pytest.raises(ssrf.UnsafeURL, match="metadata"):
        await ssrf.destination(
            "https://flip.example.com/", allow_private=False, https_only=True, dns_timeout=1
        )
