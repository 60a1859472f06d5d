"""The outbound address check shared by image fetching and webhooks (freehold.core.netguard)."""

from __future__ import annotations

import pytest

from freehold.core import netguard


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.20",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "::1",
        "[::1]",
        "fd00::1",
        "fe80::1%eth0",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:10.0.0.1",
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
    ],
)
def test_addresses_of_the_servers_own_network_are_private(address):
    assert netguard.is_private_address(address)


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "151.101.1.69", "2a04:4e42::645", "::ffff:8.8.8.8", "shop.example"]
)
def test_public_addresses_and_host_names_are_not(address):
    assert not netguard.is_private_address(address)


def test_a_guarded_connection_refuses_this_machine_unless_allowed(image_server):
    host, port = image_server.base_url.removeprefix("http://").split(":")

    with pytest.raises(netguard.AddressRefused) as refused:
        netguard.guarded_connection(("localhost", int(port)), timeout=2)
    assert str(refused.value).startswith("refused: private address ")

    with netguard.guarded_connection((host, int(port)), timeout=2, allow_private=True) as sock:
        assert sock.getpeername()[:2] == (host, int(port))
