"""Open the three clients on one shared ``aiohttp.ClientSession``."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from contextlib import asynccontextmanager

import aiohttp

from oddsstore.clients.base import SiteClient
from oddsstore.clients.bet9ja import Bet9jaClient
from oddsstore.clients.betpawa import BetPawaClient
from oddsstore.clients.settings import ClientSettings
from oddsstore.clients.sportybet import SportyBetClient
from oddsstore.models import ALL_PLATFORMS, Platform

_CLASSES: Mapping[Platform, type[BetPawaClient] | type[SportyBetClient] | type[Bet9jaClient]] = {
    Platform.BETPAWA: BetPawaClient,
    Platform.SPORTYBET: SportyBetClient,
    Platform.BET9JA: Bet9jaClient,
}


class SiteClients(Mapping[Platform, SiteClient]):
    """Platform -> client. Each client's limits are shared by everything that calls it."""

    def __init__(self, clients: Mapping[Platform, SiteClient], session: aiohttp.ClientSession) -> None:
        self._clients = dict(clients)
        self.session = session

    def __getitem__(self, platform: Platform) -> SiteClient:
        return self._clients[platform]

    def __iter__(self) -> Iterator[Platform]:
        return iter(self._clients)

    def __len__(self) -> int:
        return len(self._clients)


def build_clients(
    session: aiohttp.ClientSession,
    settings: ClientSettings,
    platforms: Iterable[Platform] = ALL_PLATFORMS,
    *,
    rng: random.Random | None = None,
) -> SiteClients:
    """The clients for ``platforms`` on a session the caller owns (and closes)."""
    return SiteClients({p: _CLASSES[p](session, settings, rng=rng) for p in platforms}, session)


@asynccontextmanager
async def open_clients(
    settings: ClientSettings | None = None,
    session: aiohttp.ClientSession | None = None,
    *,
    platforms: Iterable[Platform] = ALL_PLATFORMS,
    rng: random.Random | None = None,
) -> AsyncIterator[SiteClients]:
    """``async with open_clients(settings) as clients: await clients[Platform.BET9JA].discover()``.

    Uses the host's ``session`` when given (and leaves it open); otherwise creates one sized for the
    sites' concurrency and closes it on exit.
    """
    settings = settings or ClientSettings.defaults()
    platforms = tuple(platforms)
    own = session is None
    if session is None:
        limit = sum(settings.site(p).concurrency for p in platforms) + 8
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=limit, limit_per_host=0, ttl_dns_cache=300),
            raise_for_status=False,
        )
    try:
        yield build_clients(session, settings, platforms, rng=rng)
    finally:
        if own:
            await session.close()
