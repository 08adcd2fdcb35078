"""Where the bridge may connect when a tenant chose the address (webhook receivers).

A tenant's key can register any URL, so without a check the bridge would post to its own
network on the tenant's behalf: the cloud's metadata service, a database's admin port, the
bridge's own API. :class:`OutboundPolicy` decides per address:

- **always refused**: the cloud metadata addresses (:data:`METADATA_NETWORKS`) and the bridge's
  own port on an address of this machine, even when allow-listed;
- **allowed** when it lies in one of the deployment's ``allow_networks`` (setting
  ``webhook_allow_networks``: internal receivers);
- **refused**: loopback, private (RFC 1918, unique local), link-local, multicast, unspecified,
  reserved and every other address that is not globally reachable, also when an IPv6 address
  carries one inside (IPv4-mapped ``::ffff:127.0.0.1``, IPv4-compatible, 6to4, Teredo, NAT64);
- **allowed**: every other (public) address.

A host is read as the operating system would read it before any look-up, so the integer, octal
and hexadecimal forms (``2130706433``, ``0177.0.0.1``, ``0x7f.1``) are the addresses they stand
for. A name is resolved, and every address it resolves to must be allowed.

:class:`PinnedTransport` checks each request on its way out — every attempt, every redirect hop —
and connects to the address it checked, keeping the URL's name for the ``Host`` header and for
TLS (SNI and certificate), so a name whose DNS answer changes between the check and the connect
(DNS rebinding) still reaches only the checked address.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
#: ``(host, port)`` → the addresses the name resolves to (as text); ``OSError`` if it does not.
Resolver = Callable[[str, int], Sequence[str]]

#: Cloud metadata and platform services (AWS, GCP, Azure, Alibaba, Oracle): refused even when
#: an allow-listed network contains them, since no webhook receiver lives there.
METADATA_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(text)
    for text in (
        "169.254.169.254/32",
        "169.254.170.2/32",
        "fd00:ec2::254/128",
        "168.63.129.16/32",
        "100.100.100.200/32",
        "192.0.0.192/32",
    )
)
#: Networks for a site's own use (RFC 1918, unique local IPv6).
PRIVATE_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(text)
    for text in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_NUMERIC_HOST = re.compile(r"[0-9a-fA-FxX.]+")

#: What each kind of refused address is called in messages.
KINDS = {
    "metadata": "a cloud metadata address",
    "bridge": "the bridge's own address",
    "loopback": "a loopback address",
    "private": "a private network address",
    "link_local": "a link-local address",
    "multicast": "a multicast address",
    "unspecified": "the unspecified address",
    "reserved": "a reserved address, not reachable on the internet",
}


class OutboundRefused(Exception):
    """The bridge does not connect to this host: it is (or resolves to) a refused address."""

    def __init__(self, host: str, address: IPAddress, kind: str) -> None:
        self.host = host
        self.address = address
        self.kind = kind
        shown = str(address) if host.strip("[]") == str(address) else f"{host} ({address})"
        super().__init__(
            f"{shown} is {KINDS[kind]}; the bridge sends webhooks to public addresses only"
            + (
                ""
                if kind in ("metadata", "bridge")
                else " (an operator can allow internal networks with webhook_allow_networks)"
            )
        )


class UnresolvedHost(Exception):
    """The host's name does not resolve (now)."""


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the operating system resolves ``host`` to."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def literal_address(host: str) -> IPAddress | None:
    """``host`` as an IP address when it is one — also in the integer, octal and hexadecimal
    IPv4 forms the operating system accepts (``2130706433``, ``0177.1``, ``0x7f000001``) —
    else ``None`` (a name)."""
    text = host.strip("[]")
    with contextlib.suppress(ValueError):
        return _unmapped(ipaddress.ip_address(text.split("%", 1)[0]))
    if _NUMERIC_HOST.fullmatch(text.rstrip(".")):
        with contextlib.suppress(OSError):
            return ipaddress.IPv4Address(socket.inet_aton(text.rstrip(".")))
    return None


def _unmapped(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _embedded(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries (IPv4-compatible, 6to4, Teredo, NAT64)."""
    found: list[ipaddress.IPv4Address] = []
    value = int(address)
    if value >> 32 == 0 and value > 1:
        found.append(ipaddress.IPv4Address(value & 0xFFFFFFFF))
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    if any(address in network for network in _NAT64):
        found.append(ipaddress.IPv4Address(value & 0xFFFFFFFF))
    return found


def classify(address: IPAddress) -> str | None:
    """Why an address is not a public one (a key of :data:`KINDS`), or ``None`` if it is."""
    address = _unmapped(address)
    if any(address in network for network in METADATA_NETWORKS):
        return "metadata"
    if isinstance(address, ipaddress.IPv6Address):
        for inner in _embedded(address):
            kind = classify(inner)
            if kind is not None:
                return kind
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link_local"
    if address.is_multicast:
        return "multicast"
    if any(address in network for network in PRIVATE_NETWORKS):
        return "private"
    if address.is_private or address.is_reserved or not address.is_global:
        return "reserved"
    return None


def _is_local(address: IPAddress) -> bool:
    """Whether ``address`` belongs to this machine (it can be bound to)."""
    if address.is_loopback or address.is_unspecified:
        return True
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind((str(address), 0))
    except OSError:
        return False
    return True


def default_port(url: httpx.URL) -> int:
    """The port a request to ``url`` goes to."""
    return url.port or (443 if url.scheme == "https" else 80)


@dataclass(frozen=True)
class OutboundPolicy:
    """Which addresses tenant-given URLs may reach; see the module's description."""

    #: Internal networks receivers may live in (``webhook_allow_networks``).
    allow_networks: tuple[IPNetwork, ...] = ()
    #: Resolves names; tests map names of their own.
    resolver: Resolver = system_resolver
    #: The port the bridge serves on: refused on every address of this machine.
    own_port: int | None = None
    #: Decides whether an address belongs to this machine (replaced in tests).
    is_local: Callable[[IPAddress], bool] = field(default=_is_local, repr=False)

    @classmethod
    def of(
        cls,
        allow_networks: Iterable[IPNetwork | str] = (),
        *,
        own_port: int | None = None,
        resolver: Resolver | None = None,
    ) -> OutboundPolicy:
        """A policy from network texts (``"10.0.0.0/8"``) or networks."""
        networks = tuple(
            ipaddress.ip_network(n) if isinstance(n, str) else n for n in allow_networks
        )
        return cls(networks, resolver or system_resolver, own_port)

    def refusal(self, address: IPAddress, port: int) -> str | None:
        """Why the bridge must not connect to ``address:port`` (a key of :data:`KINDS`), or
        ``None`` when it may."""
        address = _unmapped(address)
        kind = classify(address)
        if kind == "metadata":
            return kind
        if self.own_port is not None and port == self.own_port and self.is_local(address):
            return "bridge"
        if any(address in network for network in self.allow_networks):
            return None
        return kind

    def addresses(self, host: str, port: int) -> list[IPAddress]:
        """The addresses ``host`` stands for (itself, or what its name resolves to).

        Raises :class:`UnresolvedHost` when the name does not resolve.
        """
        literal = literal_address(host)
        if literal is not None:
            return [literal]
        try:
            found = [literal_address(text) for text in self.resolver(host, port)]
        except (OSError, UnicodeError) as exc:
            raise UnresolvedHost(f"{host} does not resolve: {exc}") from None
        addresses = [address for address in found if address is not None]
        if not addresses:
            raise UnresolvedHost(f"{host} does not resolve to an address")
        return addresses

    def vet(self, host: str, port: int) -> IPAddress:
        """The address to connect to for ``host:port``, checked: every address the host
        resolves to must be allowed (:class:`OutboundRefused` names the first that is not)."""
        addresses = self.addresses(host, port)
        for address in addresses:
            kind = self.refusal(address, port)
            if kind is not None:
                raise OutboundRefused(host, address, kind)
        return addresses[0]

    def check_url(self, url: str) -> None:
        """Refuse (:class:`OutboundRefused`) a URL whose host is a refused address now; a name
        that does not resolve yet passes (every delivery checks again)."""
        parsed = httpx.URL(url)
        with contextlib.suppress(UnresolvedHost):
            self.vet(parsed.raw_host.decode("ascii"), default_port(parsed))


class PinnedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that checks every request's host with ``policy`` and connects to the
    checked address (the ``Host`` header, SNI and certificate check keep the URL's name).

    Connections are not kept for reuse: every request resolves, checks and connects anew, so a
    connection opened for one name never carries a request for another.
    """

    def __init__(
        self,
        policy: OutboundPolicy,
        inner: httpx.AsyncBaseTransport | None = None,
        *,
        resolve_timeout: float = 10.0,
    ) -> None:
        self.policy = policy
        self.inner = inner or httpx.AsyncHTTPTransport(
            limits=httpx.Limits(max_keepalive_connections=0)
        )
        self.resolve_timeout = resolve_timeout

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Check the host, pin the address, send."""
        url = request.url
        host, port = url.raw_host.decode("ascii"), default_port(url)  # IDNA: the DNS form
        try:
            if literal_address(host) is not None:
                address = self.policy.vet(host, port)
            else:
                address = await asyncio.wait_for(
                    asyncio.to_thread(self.policy.vet, host, port), self.resolve_timeout
                )
        except UnresolvedHost as exc:
            raise httpx.ConnectError(str(exc), request=request) from None
        except TimeoutError:
            raise httpx.ConnectTimeout(
                f"{host} did not resolve within {self.resolve_timeout:g} s", request=request
            ) from None
        if str(address) != host.strip("[]"):
            if url.scheme == "https":
                request.extensions = {**request.extensions, "sni_hostname": host}
            request.url = url.copy_with(host=str(address))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        """Close the connections of the inner transport."""
        await self.inner.aclose()
