"""store_batch against a real PostgreSQL: mixed batches, read-back, idempotent retry, a large batch.

Since the change-only history (migration 0002) markets are not rows of their own per snapshot: the
counts below are the markets each snapshot holds, read with the tests' own SQL (``history_sql``).
"""

from __future__ import annotations

import json
from typing import Any, TypeAlias

import asyncpg
import orjson
from history_sql import markets_held

from oddsstore.devtools.batches import make_batch, make_event
from oddsstore.models import ALL_PLATFORMS, Platform, ScrapeBatch, ScrapedEvent
from oddsstore.reads import OddsRepository
from oddsstore.repositories import ScrapeStatusRepository
from oddsstore.storage.batch import store_batch

Conn: TypeAlias = "asyncpg.Connection[Any]"


async def _count(conn: Conn, table: str) -> int:
    value = await conn.fetchval(f"SELECT count(*) FROM {table}")
    assert isinstance(value, int)
    return value


async def _counts(conn: Conn) -> dict[str, int]:
    tables = (
        "events",
        "competitor_events",
        "tournaments",
        "competitor_tournaments",
        "odds_snapshots",
        "competitor_odds_snapshots",
        "event_scrape_status",
        "odds_history",
        "current_odds",
    )
    counts = {t: await _count(conn, t) for t in tables}
    counts["market_odds"] = await markets_held(conn, betpawa=True)
    counts["competitor_market_odds"] = await markets_held(conn, betpawa=False)
    return counts


def _expected_markets(batch: ScrapeBatch) -> int:
    return sum(len(r.odds.markets) for e in batch.events for r in e.results if r.odds is not None)


def _expected_snapshots(batch: ScrapeBatch) -> int:
    return sum(1 for e in batch.events for r in e.results if r.odds is not None)


async def test_all_sites_ok_is_stored_and_reads_back_equal(
    conn: Conn, run_id: int, market_copy: bool
) -> None:
    batch = make_batch(seed=3, events=4, markets_per_snapshot=20)
    result = await store_batch(conn, batch, run_id, market_copy=market_copy)

    assert result.events_stored == 4
    assert result.snapshots_created == 12
    assert result.markets_stored == 4 * 3 * 20
    assert result.errors == ()
    counts = await _counts(conn)
    assert counts["events"] == 4
    assert counts["competitor_events"] == 8
    assert counts["odds_snapshots"] == 4
    assert counts["competitor_odds_snapshots"] == 8
    assert counts["market_odds"] == 80
    assert counts["competitor_market_odds"] == 160

    # every site's markets read back equal to the input, and every competitor event is linked
    odds_repo = OddsRepository(conn)
    for event in batch.events:
        latest = await odds_repo.latest_odds_for_event(sportradar_id=event.sportradar_id)
        assert set(latest) == set(ALL_PLATFORMS)
        for site in event.results:
            assert site.odds is not None
            stored = latest[site.platform]
            assert stored.scrape_run_id == run_id
            assert stored.captured_at == event.scraped_at
            key = lambda m: (m.market_id, m.line is None, m.line)  # noqa: E731
            assert sorted(stored.markets, key=key) == sorted(site.odds.markets, key=key)
    unlinked = await conn.fetchval("SELECT count(*) FROM competitor_events WHERE event_id IS NULL")
    assert unlinked == 0

    # event facts come from the batch itself
    row = await conn.fetchrow(
        "SELECT e.betpawa_event_id, e.home_team, e.kickoff, t.name, t.country, t.external_id "
        "FROM events e JOIN tournaments t ON t.id = e.tournament_id WHERE e.sportradar_id = $1",
        batch.events[0].sportradar_id,
    )
    betpawa = next(r.odds for r in batch.events[0].results if r.platform is Platform.BETPAWA)
    assert betpawa is not None
    assert row is not None
    assert tuple(row) == (
        betpawa.platform_event_id,
        betpawa.home_team,
        betpawa.kickoff,
        betpawa.tournament,
        betpawa.country,
        betpawa.tournament_id,
    )

    statuses = await ScrapeStatusRepository(conn).list_for_run(run_id=run_id)
    assert [s.sportradar_id for s in statuses] == [e.sportradar_id for e in batch.events]
    for status, event in zip(statuses, batch.events, strict=True):
        assert status.status == "completed"
        assert status.platforms_requested == ("betpawa", "sportybet", "bet9ja")
        assert status.platforms_scraped == ("betpawa", "sportybet", "bet9ja")
        assert status.platforms_failed == ()
        assert status.error_details is None
        assert status.timing_ms == event.timing_ms

    # the parser's counters are kept per snapshot
    snap = await conn.fetchrow(
        "SELECT markets_seen, markets_mapped, markets_skipped::text, markets_rejected::text "
        "FROM odds_snapshots LIMIT 1"
    )
    assert snap is not None
    assert (snap[0], snap[1]) == (32, 20)
    assert orjson.loads(snap[2]) == {"unmapped_market": 12}
    assert orjson.loads(snap[3]) == {}


async def test_partial_and_all_failed_events_get_status_rows(
    conn: Conn, run_id: int, market_copy: bool
) -> None:
    import random
    from datetime import UTC, datetime

    rng = random.Random(5)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    partial = make_event(rng, 1, failed=(Platform.SPORTYBET,), markets_per_snapshot=5, now=now)
    dead = make_event(rng, 2, failed=ALL_PLATFORMS, markets_per_snapshot=5, now=now)
    no_betpawa = make_event(rng, 3, failed=(Platform.BETPAWA,), markets_per_snapshot=5, now=now)
    # bet9ja was asked but returned nothing at all
    missing = make_event(rng, 4, markets_per_snapshot=5, now=now)
    missing = ScrapedEvent(
        sportradar_id=missing.sportradar_id,
        platforms_requested=missing.platforms_requested,
        results=tuple(r for r in missing.results if r.platform is not Platform.BET9JA),
        timing_ms=missing.timing_ms,
        scraped_at=missing.scraped_at,
    )
    batch = ScrapeBatch(events=(partial, dead, no_betpawa, missing))

    result = await store_batch(conn, batch, run_id, market_copy=market_copy)

    assert result.events_stored == 4
    assert result.snapshots_created == 2 + 0 + 2 + 2
    assert result.markets_stored == 6 * 5
    assert len(result.errors) == 1 + 3 + 1 + 1
    assert "sr:match:2 betpawa: HTTP 503 after 3 attempts" in result.errors

    by_id = {s.sportradar_id: s for s in await ScrapeStatusRepository(conn).list_for_run(run_id=run_id)}
    assert by_id["sr:match:1"].status == "completed"
    assert by_id["sr:match:1"].platforms_scraped == ("betpawa", "bet9ja")
    assert by_id["sr:match:1"].platforms_failed == ("sportybet",)
    assert by_id["sr:match:1"].error_details == {"sportybet": "HTTP 503 after 3 attempts"}
    assert by_id["sr:match:2"].status == "failed"
    assert by_id["sr:match:2"].platforms_scraped == ()
    assert by_id["sr:match:2"].platforms_failed == ("betpawa", "sportybet", "bet9ja")
    assert set((by_id["sr:match:2"].error_details or {}).keys()) == {"betpawa", "sportybet", "bet9ja"}
    assert by_id["sr:match:3"].status == "completed"
    assert by_id["sr:match:3"].platforms_scraped == ("sportybet", "bet9ja")
    assert by_id["sr:match:4"].platforms_failed == ("bet9ja",)
    assert by_id["sr:match:4"].error_details == {"bet9ja": "no result returned"}

    # an event without BetPawa still stores its competitor snapshots, unlinked until BetPawa shows up
    assert await conn.fetchval("SELECT count(*) FROM events WHERE sportradar_id = 'sr:match:3'") == 0
    unlinked = await conn.fetch(
        "SELECT source FROM competitor_events "
        "WHERE sportradar_id = 'sr:match:3' AND event_id IS NULL ORDER BY source"
    )
    assert [r["source"] for r in unlinked] == ["bet9ja", "sportybet"]
    # the failed event wrote no event rows and no snapshots
    assert (
        await conn.fetchval("SELECT count(*) FROM competitor_events WHERE sportradar_id = 'sr:match:2'") == 0
    )

    counts = await ScrapeStatusRepository(conn).counts_for_run(run_id=run_id)
    assert counts.by_status == {"completed": 3, "failed": 1}
    assert counts.failed_by_platform == {"betpawa": 2, "sportybet": 2, "bet9ja": 2}
    assert counts.total == 4


async def test_later_betpawa_snapshot_links_earlier_competitor_events(conn: Conn, run_id: int) -> None:
    import random
    from datetime import UTC, datetime

    from oddsstore.repositories import ScrapeRunsRepository

    now = datetime(2026, 3, 1, tzinfo=UTC)
    first = make_event(random.Random(1), 7, failed=(Platform.BETPAWA,), markets_per_snapshot=2, now=now)
    await store_batch(conn, ScrapeBatch(events=(first,)), run_id)
    second_run = (await ScrapeRunsRepository(conn).create(trigger="test")).id
    only_betpawa = make_event(
        random.Random(2), 7, platforms=(Platform.BETPAWA,), markets_per_snapshot=2, now=now
    )
    await store_batch(conn, ScrapeBatch(events=(only_betpawa,)), second_run)

    linked = await conn.fetchval(
        "SELECT count(*) FROM competitor_events c JOIN events e ON e.id = c.event_id "
        "WHERE c.sportradar_id = 'sr:match:7'"
    )
    assert linked == 2


async def test_same_batch_twice_writes_nothing_twice(conn: Conn, run_id: int, market_copy: bool) -> None:
    batch = make_batch(seed=9, events=6, markets_per_snapshot=10, failure_rate=0.2)
    first = await store_batch(conn, batch, run_id, market_copy=market_copy)
    before = await _counts(conn)

    second = await store_batch(conn, batch, run_id, market_copy=market_copy)

    assert first.snapshots_created == _expected_snapshots(batch) > 0
    assert first.markets_stored == _expected_markets(batch) > 0
    assert first.events_stored == 6
    assert (second.events_stored, second.snapshots_created, second.markets_stored) == (0, 0, 0)
    assert await _counts(conn) == before


async def test_a_200_event_batch(conn: Conn, run_id: int, market_copy: bool) -> None:
    batch = make_batch(seed=11, events=200, markets_per_snapshot=30, failure_rate=0.1)
    result = await store_batch(conn, batch, run_id, market_copy=market_copy)

    assert result.events_stored == 200
    assert result.snapshots_created == _expected_snapshots(batch)
    assert result.markets_stored == _expected_markets(batch)
    counts = await _counts(conn)
    assert counts["event_scrape_status"] == 200
    assert counts["odds_snapshots"] + counts["competitor_odds_snapshots"] == result.snapshots_created
    assert counts["market_odds"] + counts["competitor_market_odds"] == result.markets_stored
    assert counts["odds_history"] == result.history_rows == result.markets_stored  # all first seen
    # outcomes survive exactly: every BetPawa market of every event read back against the input
    odds_repo = OddsRepository(conn)
    stored = {}
    for ev in batch.events:
        latest = await odds_repo.latest_odds_for_event(sportradar_id=ev.sportradar_id)
        if Platform.BETPAWA in latest:
            for m in latest[Platform.BETPAWA].markets:
                stored[(ev.sportradar_id, m.market_id, m.line)] = [
                    {"name": o.name, "odds": o.odds, "is_active": o.is_active} for o in m.outcomes
                ]
    expected = {
        (ev.sportradar_id, m.market_id, m.line): [
            {"name": o.name, "odds": o.odds, "is_active": o.is_active} for o in m.outcomes
        ]
        for ev in batch.events
        for r in ev.results
        if r.platform is Platform.BETPAWA and r.odds is not None
        for m in r.odds.markets
    }
    assert stored == expected


async def test_store_batch_works_through_an_oddsstore_pool(
    pool: asyncpg.Pool[Any], market_copy: bool
) -> None:
    from oddsstore.repositories import ScrapeRunsRepository

    batch = make_batch(seed=2, events=2, markets_per_snapshot=3)
    async with pool.acquire() as c:
        run = await ScrapeRunsRepository(c).create(trigger="pool")
        result = await store_batch(c, batch, run.id, market_copy=market_copy)
        groups = await c.fetchval(
            "SELECT s.groups FROM current_odds c JOIN market_shapes s ON s.id = c.shape_id"
            " WHERE c.bookmaker_id = 1 LIMIT 1"
        )
        skipped = await c.fetchval("SELECT markets_skipped FROM odds_snapshots LIMIT 1")
    assert result.markets_stored == 2 * 3 * 3
    assert groups is not None and groups[1] == "all"
    # the pool's jsonb codec decodes to Python objects; storage did not double-encode
    assert skipped == {"unmapped_market": 12}


async def test_a_retry_with_the_other_market_copy_flag_writes_nothing_twice(conn: Conn, run_id: int) -> None:
    batch = make_batch(seed=12, events=3, markets_per_snapshot=4)
    first = await store_batch(conn, batch, run_id)
    before = await _counts(conn)
    second = await store_batch(conn, batch, run_id, market_copy=True)
    assert first.markets_stored == 3 * 3 * 4
    assert (second.snapshots_created, second.markets_stored, second.events_stored) == (0, 0, 0)
    assert second.history_rows == 0
    assert await _counts(conn) == before


async def test_a_host_jsonb_codec_that_encodes_every_value_changes_nothing(conn: Conn, run_id: int) -> None:
    # A host codec that JSON-encodes every value: storage sends its JSON columns as text cast in SQL,
    # and markets are no JSON at all, so what reads back is the input.
    await conn.set_type_codec(
        "jsonb", schema="pg_catalog", encoder=json.dumps, decoder=json.loads, format="text"
    )
    batch = make_batch(seed=11, events=2, markets_per_snapshot=5)
    result = await store_batch(conn, batch, run_id)

    assert result.markets_stored == 2 * 3 * 5
    kinds = await conn.fetch("SELECT DISTINCT jsonb_typeof(markets_skipped) AS kind FROM odds_snapshots")
    assert {r["kind"] for r in kinds} == {"object"}
    first = batch.events[0].results[0].odds
    assert first is not None
    latest = await OddsRepository(conn).latest_odds_for_event(sportradar_id=first.sportradar_id)
    stored = {(m.market_id, m.line): m for m in latest[Platform.BETPAWA].markets}
    assert stored[(first.markets[0].market_id, first.markets[0].line)] == first.markets[0]
