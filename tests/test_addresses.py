"""warnd/addresses.py: the redirect address policy, applied by the resolver to the answer used."""

from __future__ import annotations

import ipaddress

import pytest

from tests.fixtures.resolver import ScriptedResolver
from warnd.addresses import AddressPolicy, ForbiddenAddressError, GuardedResolver, checking_redirect

POLICY_CASES = [
    pytest.param("93.184.215.14", (), True, id="public-v4"),
    pytest.param("2a00:1450:4001::1", (), True, id="public-v6"),
    pytest.param("127.0.0.1", (), False, id="loopback"),
    pytest.param("169.254.169.254", (), False, id="link-local-metadata"),
    pytest.param("10.20.1.5", (), False, id="private"),
    pytest.param("::1", (), False, id="loopback-v6"),
    pytest.param("::ffff:127.0.0.1", (), False, id="v4-mapped-loopback"),
    pytest.param("224.0.0.1", (), False, id="multicast"),
    pytest.param("10.20.1.5", ("10.20.0.0/16",), True, id="allowed-network"),
    pytest.param("::ffff:10.20.1.5", ("10.20.0.0/16",), True, id="v4-mapped-allowed-network"),
]


@pytest.mark.parametrize("address, networks, allowed", POLICY_CASES)
def test_policy_allows(address: str, networks: tuple[str, ...], allowed: bool) -> None:
    assert AddressPolicy.from_networks(networks).allows(ipaddress.ip_address(address)) is allowed


def test_one_forbidden_answer_refuses_the_host() -> None:
    refused = AddressPolicy().refusal("mixed.example", ["93.184.215.14", "127.0.0.1"])
    assert isinstance(refused, ForbiddenAddressError)
    assert str(refused).startswith("mixed.example (127.0.0.1) is not allowed")


async def test_the_answer_checked_is_the_answer_returned() -> None:
    # A rebinding name: public for one lookup, loopback for the next. Each lookup is judged on its own
    # answer, which is the one aiohttp connects to; there is no second, unchecked lookup.
    inner = ScriptedResolver(["93.184.215.14"], ["127.0.0.1"])
    resolver = GuardedResolver(inner)
    with checking_redirect(AddressPolicy()):
        first = await resolver.resolve("rebind.example", 80)
        assert [a["host"] for a in first] == ["93.184.215.14"]
        with pytest.raises(ForbiddenAddressError, match=r"rebind\.example \(127\.0\.0\.1\) is not allowed"):
            await resolver.resolve("rebind.example", 80)
    assert inner.calls == ["rebind.example"] * 2


async def test_unchecked_lookups_pass_and_make_the_origin_a_trusted_target() -> None:
    # aiohttp caches answers and pools connections per (host, port): the verdict depends on those only.
    resolver = GuardedResolver(ScriptedResolver(["127.0.0.1"]))
    assert [a["host"] for a in await resolver.resolve("feeds.internal", 8080)] == ["127.0.0.1"]
    with checking_redirect(AddressPolicy()):
        assert await resolver.resolve("FEEDS.internal.", 8080)
        with pytest.raises(ForbiddenAddressError):
            await resolver.resolve("feeds.internal", 5432)
