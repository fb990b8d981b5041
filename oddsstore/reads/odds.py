"""Read side: the latest odds of an event on each site, for comparison."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import attrs
import orjson

from oddsstore.db import Connection, load_sql
from oddsstore.models import Market, Outcome, Platform

_LATEST_FOR_EVENT = load_sql("reads/select_latest_odds_for_event")


@attrs.frozen(slots=True)
class SiteOdds:
    """One site's latest snapshot of an event, with its markets in stored order."""

    platform: Platform
    snapshot_id: int
    scrape_run_id: int
    captured_at: datetime
    markets: tuple[Market, ...]


def market_from_row(r: asyncpg.Record) -> Market:
    """A ``Market`` from a row with the market columns (``outcomes``/``groups`` as JSON text)."""
    groups = None if r["groups"] is None else tuple(orjson.loads(r["groups"]))
    return Market(
        market_id=r["market_id"],
        market_name=r["market_name"],
        outcomes=tuple(
            Outcome(name=o["name"], odds=o["odds"], is_active=o["is_active"])
            for o in orjson.loads(r["outcomes"])
        ),
        line=r["line"],
        handicap_type=r["handicap_type"],
        handicap_home=r["handicap_home"],
        handicap_away=r["handicap_away"],
        groups=groups,
    )


class OddsRepository:
    """Read-side odds queries. Takes the caller's connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def latest_odds_for_event(self, *, sportradar_id: str) -> dict[Platform, SiteOdds]:
        """The latest snapshot of the event on each site that has one, keyed by platform."""
        grouped: dict[Platform, tuple[asyncpg.Record, list[Market]]] = {}
        for r in await self._conn.fetch(_LATEST_FOR_EVENT, sportradar_id):
            platform = Platform(r["platform"])
            entry = grouped.setdefault(platform, (r, []))
            if r["market_id"] is not None:
                entry[1].append(market_from_row(r))
        return {
            platform: SiteOdds(
                platform=platform,
                snapshot_id=head["snapshot_id"],
                scrape_run_id=head["scrape_run_id"],
                captured_at=head["captured_at"],
                markets=tuple(markets),
            )
            for platform, (head, markets) in grouped.items()
        }
