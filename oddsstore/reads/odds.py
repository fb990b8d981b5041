"""Read side: an event's odds on each site, now (``current``) or as of any past moment (``as_of``).

``as_of(at)`` gives, per site, the markets exactly as the site's latest run with ``captured_at <= at``
returned them: what a full snapshot of that run would have held, rebuilt from the change-only history.
``current`` reads ``current_odds`` (the latest state of every open market) with the site's latest
snapshot; it equals ``as_of`` the latest snapshot. Markets come back ordered by key (market id, line,
handicap), prices exactly as they were parsed. ``current_prices`` and ``prices_as_of`` read the same rows
as ``SitePrices`` (each market's key and prices, no ``Market`` objects): what ``ComparisonRepository.event``
compares.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import asyncpg
import attrs

from oddsstore.db import Connection, load_sql
from oddsstore.models import Market, Outcome, Platform
from oddsstore.reads.board import Priced
from oddsstore.reads.common import MarketKey
from oddsstore.repositories.odds_codec import decode_odds

__all__ = ["OddsRepository", "SiteOdds", "SitePrices", "market_from_row", "priced_from_row"]

_AS_OF = load_sql("reads/select_odds_as_of")
_CURRENT = load_sql("reads/select_current_odds")
_LATEST = datetime.max.replace(tzinfo=UTC)  # every snapshot is captured before this


@attrs.frozen(slots=True)
class SiteOdds:
    """One site's snapshot of an event (the run it came from, when it was captured) and its markets."""

    platform: Platform
    snapshot_id: int
    scrape_run_id: int
    captured_at: datetime
    markets: tuple[Market, ...]


@attrs.frozen(slots=True)
class SitePrices:
    """One site's snapshot of an event as the side-by-side comparison reads it: the ``SiteOdds`` of the
    same rows, each market as its key and ``Priced`` form (name, outcome names, prices with inactive
    ones negated: the stored form) instead of a ``Market`` with ``Outcome`` objects."""

    platform: Platform
    snapshot_id: int
    scrape_run_id: int
    captured_at: datetime
    markets: tuple[tuple[MarketKey, Priced], ...]


def market_from_row(r: asyncpg.Record) -> Market:
    """A ``Market`` from a row with the catalogue columns and ``odds`` (negated: inactive)."""
    # positional arguments, in the models' field order: with keywords attrs' __init__ takes a third longer
    groups = r["groups"]
    return Market(
        r["market_id"],
        r["market_name"],
        tuple(
            [
                Outcome(name, abs(price), price > 0)
                for name, price in zip(r["outcome_names"], decode_odds(r["odds"]), strict=True)
            ]
        ),
        r["line"],
        r["handicap_type"],
        r["handicap_home"],
        r["handicap_away"],
        None if groups is None else tuple(groups),
    )


def priced_from_row(r: asyncpg.Record) -> tuple[MarketKey, Priced]:
    """A market's key and ``Priced`` form from the same row as ``market_from_row``."""
    return (
        (r["market_id"], r["line"], r["handicap_type"], r["handicap_home"], r["handicap_away"]),
        (r["market_name"], tuple(r["outcome_names"]), decode_odds(r["odds"])),
    )


_T = TypeVar("_T")


def _by_site(
    records: list[asyncpg.Record], build: Callable[[asyncpg.Record], _T]
) -> dict[Platform, tuple[asyncpg.Record, list[_T]]]:
    """Per site: its first row (the snapshot's columns) and its markets, ``build`` of each row."""
    grouped: dict[str, tuple[asyncpg.Record, list[_T]]] = {}
    for r in records:
        entry = grouped.get(slug := r["platform"])
        if entry is None:
            entry = grouped[slug] = (r, [])
        if r["market_id"] is not None:
            entry[1].append(build(r))
    return {Platform(slug): entry for slug, entry in grouped.items()}


_S = TypeVar("_S")


def _per_site(
    records: list[asyncpg.Record], build: Callable[[asyncpg.Record], _T], make: Callable[..., _S]
) -> dict[Platform, _S]:
    """Per site its snapshot (``make``: ``SiteOdds`` or ``SitePrices``) with ``build`` of each row."""
    return {
        platform: make(
            platform=platform,
            snapshot_id=head["snapshot_id"],
            scrape_run_id=head["scrape_run_id"],
            captured_at=head["captured_at"],
            markets=tuple(markets),
        )
        for platform, (head, markets) in _by_site(records, build).items()
    }


def _grouped(records: list[asyncpg.Record]) -> dict[Platform, SiteOdds]:
    return _per_site(records, market_from_row, SiteOdds)


def _priced(records: list[asyncpg.Record]) -> dict[Platform, SitePrices]:
    return _per_site(records, priced_from_row, SitePrices)


class OddsRepository:
    """Read-side odds queries. Takes the caller's connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def as_of(self, *, sportradar_id: str, at: datetime) -> dict[Platform, SiteOdds]:
        """Per site, the markets as the site's latest run with ``captured_at <= at`` returned them;
        a site with no such run is absent (an unknown event gives ``{}``). ``at`` must be aware."""
        return _grouped(await self._as_of(sportradar_id, at))

    async def current(self, *, sportradar_id: str) -> dict[Platform, SiteOdds]:
        """Per site, the open markets now (``current_odds``) with the site's latest snapshot."""
        return _grouped(await self._conn.fetch(_CURRENT, sportradar_id))

    async def prices_as_of(self, *, sportradar_id: str, at: datetime) -> dict[Platform, SitePrices]:
        """``as_of`` as ``SitePrices`` (what the side-by-side comparison reads)."""
        return _priced(await self._as_of(sportradar_id, at))

    async def current_prices(self, *, sportradar_id: str) -> dict[Platform, SitePrices]:
        """``current`` as ``SitePrices`` (what the side-by-side comparison reads)."""
        return _priced(await self._conn.fetch(_CURRENT, sportradar_id))

    async def _as_of(self, sportradar_id: str, at: datetime) -> list[asyncpg.Record]:
        if at.tzinfo is None:
            raise ValueError("at must be an aware datetime")
        return await self._conn.fetch(_AS_OF, sportradar_id, at)

    async def latest_odds_for_event(self, *, sportradar_id: str) -> dict[Platform, SiteOdds]:
        """The latest snapshot of the event on each site that has one, keyed by platform (its
        markets read back from the history: ``as_of`` the latest run)."""
        return _grouped(await self._conn.fetch(_AS_OF, sportradar_id, _LATEST))
