"""Outbound connections that refuse the server's own network (SSRF protection).

Webhook receivers and imported image URLs are typed by staff, API clients or a file from
another platform. Unchecked, "http://169.254.169.254/latest/meta-data/" in an import file
would make the server fetch its cloud credentials, and "http://127.0.0.1:5432" would probe its
database. In production such addresses are refused.

The check belongs at connect time, on the address actually connected to: a name resolved
once for checking and again for connecting can answer differently the second time (DNS
rebinding). `guarded_connection` resolves once, checks every address, and connects to the
checked address itself; `GuardedHTTPConnection` / `GuardedHTTPSConnection` use it (TLS still
verifies the certificate against the host name).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
from functools import partial
from typing import Any

# NAT64 (RFC 6052) embeds an IPv4 address in the last 32 bits; 64:ff9b::7f00:1 is 127.0.0.1.
NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")


class AddressRefused(OSError):
    """A destination resolved to an address that is not on the public internet."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(f"refused: private address {address}")
        self.host = host
        self.address = address


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64_PREFIX:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_private_address(address: str) -> bool:
    """True for a literal IP address that is not on the public internet: loopback, private,
    link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, reserved, multicast, and
    IPv6 forms that carry such an IPv4 address (::ffff:127.0.0.1). False for a host name."""
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return not embedded.is_global
    return not ip.is_global


def guarded_connection(
    address: tuple[str, int],
    timeout: float | None = None,
    source_address: tuple[str, int] | None = None,
    *,
    allow_private: bool = False,
) -> socket.socket:
    """Like `socket.create_connection`, but refuses non-public addresses unless allowed.

    Every address the name resolves to is checked before any is tried (a name answering with
    one public and one private address is refused whole), and the socket connects to the
    checked address, not to the name again.
    """
    host, port = address
    if not allow_private and is_private_address(host):
        raise AddressRefused(host, host.strip("[]"))  # refused without asking DNS
    resolved = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not allow_private:
        for *_, sockaddr in resolved:
            if is_private_address(str(sockaddr[0])):
                raise AddressRefused(host, str(sockaddr[0]))
    last_error: OSError | None = None
    for family, kind, proto, _, sockaddr in resolved:
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not None:
                sock.settimeout(timeout)
            if source_address is not None:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as error:
            sock.close()
            last_error = error
    raise last_error or OSError(f"{host} has no address")


class GuardedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection whose socket comes from `guarded_connection`."""

    def __init__(self, *args: Any, allow_private: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = partial(guarded_connection, allow_private=allow_private)


class GuardedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection whose socket comes from `guarded_connection`; the certificate is
    verified against the host name as usual."""

    def __init__(self, *args: Any, allow_private: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = partial(guarded_connection, allow_private=allow_private)
