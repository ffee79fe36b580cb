"""Which addresses a redirect may make warnd connect to, checked on the address actually used.

A feed's configured URL is the operator's choice and is trusted; so is a webhook's. A redirect to
another origin is not: it must land on a public address or on a network in
``fetch.allow_networks``, so a feed cannot make warnd call a local service (``127.0.0.1:5432``) or
a cloud metadata endpoint (``169.254.169.254``).

Checking a name with one lookup and connecting with another is open to DNS rebinding (the name
answers a public address for the check and ``127.0.0.1`` for the connection; issue 21). So the
check lives in the connector's resolver, `GuardedResolver`, which refuses the very answer aiohttp
is about to connect to. The fetcher marks a redirect hop with `checking_redirect`; requests
without the mark (configured feed URLs, deliveries) resolve unchecked.

aiohttp's connector caches answers and pools connections per ``(host, port)``, and shares one
in-flight lookup between requests, so the policy must depend on ``(host, port)`` and the answer
only, never on which request asked: an origin warnd has already resolved for an unchecked request
(a configured feed or channel URL) is therefore an allowed redirect target too. It is an endpoint
warnd talks to anyway. A shared in-flight lookup shares its verdict: a configured URL's request that
joins a hop's refused lookup of the same host and port fails with it, once; the next lookup is its own.

aiohttp does not call the resolver for IP literals (``TCPConnector._resolve_host`` returns them
as they are), so `Fetcher` checks a literal redirect target itself with `AddressPolicy.refusal`;
a literal has no lookup to rebind.
"""

from __future__ import annotations

import contextlib
import contextvars
import ipaddress
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

__all__ = ["AddressPolicy", "ForbiddenAddressError", "GuardedConnector", "GuardedResolver", "checking_redirect"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class ForbiddenAddressError(OSError):
    """A redirect target resolved to an address the policy forbids.

    An `OSError`, so aiohttp's connector reports it like any failed lookup
    (`aiohttp.ClientConnectorDNSError` with this as ``os_error``); `Fetcher` turns it into a
    `FetchError` with this message.
    """

    def __init__(self, host: str, address: IPAddress) -> None:
        super().__init__(f"{host} ({address}) is not allowed: a loopback, private or link-local address "
                         "(add its network to fetch.allow_networks to allow it)")
        self.host = host
        self.address = address


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Public unicast addresses, plus the networks the operator allowed (``fetch.allow_networks``)."""

    allow_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_networks(cls, networks: tuple[str, ...]) -> AddressPolicy:
        return cls(tuple(ipaddress.ip_network(n, strict=False) for n in networks))

    def allows(self, address: IPAddress) -> bool:
        # ::ffff:127.0.0.1 is 127.0.0.1 to the kernel; judge (and match allow_networks) as IPv4.
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if address.is_global and not address.is_multicast:
            return True
        return any(address in network for network in self.allow_networks)

    def refusal(self, host: str, answers: list[str]) -> ForbiddenAddressError | None:
        """The error for the first forbidden address among `answers` (numeric strings), or None.

        One forbidden answer refuses the host: a name mixing public and private answers is what a
        rebinding attack looks like, and aiohttp would try the private one when the public fails.
        """
        for answer in answers:
            address = ipaddress.ip_address(answer.split("%", 1)[0])  # drop an IPv6 scope (fe80::1%eth0)
            if not self.allows(address):
                return ForbiddenAddressError(host, address)
        return None


_redirect_policy: contextvars.ContextVar[AddressPolicy | None] = contextvars.ContextVar(
    "warnd_redirect_policy", default=None)


@contextlib.contextmanager
def checking_redirect(policy: AddressPolicy) -> Iterator[None]:
    """Within this block, connections to a new origin must pass `policy` (see `GuardedResolver`).

    A context variable, because aiohttp resolves in a task it creates from the requesting task,
    which copies the context.
    """
    token = _redirect_policy.set(policy)
    try:
        yield
    finally:
        _redirect_policy.reset(token)


class GuardedResolver(AbstractResolver):
    """aiohttp's default resolver, refusing forbidden answers for redirect hops.

    Raises (from `resolve`):
        ForbiddenAddressError: in a `checking_redirect` block, the host is not an origin already
            resolved unchecked and one of its answers is not allowed by the block's policy.
    """

    def __init__(self, inner: AbstractResolver | None = None) -> None:
        self._inner = inner if inner is not None else aiohttp.DefaultResolver()
        self._trusted: set[tuple[str, int]] = set()

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        answers = await self._inner.resolve(host, port, family)
        origin = (host.lower().rstrip("."), port)
        policy = _redirect_policy.get()
        if policy is None:
            # A configured URL: trusted, and from now on an allowed redirect target (module docstring).
            self._trusted.add(origin)
            return answers
        if origin not in self._trusted:
            refused = policy.refusal(host, [answer["host"] for answer in answers])
            if refused is not None:
                raise refused
        return answers

    async def close(self) -> None:
        await self._inner.close()


class GuardedConnector(aiohttp.TCPConnector):
    """A `TCPConnector` resolving through `GuardedResolver`; `Fetcher` insists on one."""

    def __init__(self, *, resolver: AbstractResolver | None = None, **kwargs: Any) -> None:
        super().__init__(resolver=GuardedResolver(resolver), **kwargs)
