"""The prices the side-by-side comparison reads (``current_prices``, ``prices_as_of``) against a real
PostgreSQL: exactly the markets ``current`` and ``as_of`` give, in their priced form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

import asyncpg
from history_kit import drift

from oddsstore.devtools.batches import make_batch
from oddsstore.models import Platform
from oddsstore.reads import OddsRepository
from oddsstore.reads.board import priced
from oddsstore.reads.common import key_of
from oddsstore.reads.odds import SiteOdds, SitePrices
from oddsstore.repositories import ScrapeRunsRepository
from oddsstore.storage.batch import store_batch

Conn: TypeAlias = "asyncpg.Connection[Any]"

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _as_prices(sites: dict[Platform, SiteOdds]) -> dict[Platform, SitePrices]:
    return {
        p: SitePrices(
            platform=s.platform,
            snapshot_id=s.snapshot_id,
            scrape_run_id=s.scrape_run_id,
            captured_at=s.captured_at,
            markets=tuple((key_of(m), priced(m)) for m in s.markets),
        )
        for p, s in sites.items()
    }


async def test_the_compared_prices_are_the_markets_read_back(conn: Conn) -> None:
    batches = [make_batch(seed=3, events=4, markets_per_snapshot=25, now=T0)]
    for i in range(1, 4):
        fail = [(batches[0].events[i].sportradar_id, Platform.SPORTYBET)] if i % 2 else []
        batches.append(
            drift(batches[-1], seed=30 + i, now=T0 + timedelta(minutes=5 * i), change=0.3, fail=fail)
        )
    for batch in batches:
        run = (await ScrapeRunsRepository(conn).create(trigger="test")).id
        await store_batch(conn, batch, run)

    repo = OddsRepository(conn)
    moments = [T0 - timedelta(minutes=1)] + [T0 + timedelta(minutes=5 * i, seconds=30) for i in range(4)]
    for event in batches[0].events:
        sr = event.sportradar_id
        now = await repo.current_prices(sportradar_id=sr)
        assert now and now == _as_prices(await repo.current(sportradar_id=sr))
        for at in moments:
            then = await repo.prices_as_of(sportradar_id=sr, at=at)
            assert then == _as_prices(await repo.as_of(sportradar_id=sr, at=at))
    assert await repo.prices_as_of(sportradar_id="no such event", at=T0) == {}
