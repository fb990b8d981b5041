"""Bad market data is refused per market with a counted reason; the rest of the batch is stored."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any, TypeAlias

import asyncpg
import attrs
import orjson
from history_sql import SNAPSHOT_MARKET_KEYS

from oddsstore.models import EventOdds, Market, Outcome, Platform, ScrapeBatch, ScrapedEvent, SiteResult
from oddsstore.repositories import ScrapeStatusRepository
from oddsstore.storage.batch import store_batch

Conn: TypeAlias = "asyncpg.Connection[Any]"
NOW = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)


def _market(market_id: str, *odds: float, name: str = "Market", line: float | None = None) -> Market:
    return Market(
        market_id=market_id,
        market_name=name,
        outcomes=tuple(Outcome(name=f"o{i}", odds=o) for i, o in enumerate(odds)),
        line=line,
    )


def _site(platform: Platform, sr_id: str, markets: tuple[Market, ...], **facts: Any) -> SiteResult:
    odds = EventOdds(
        platform=platform,
        sportradar_id=sr_id,
        platform_event_id=facts.pop("platform_event_id", f"{platform.value}-{sr_id}"),
        kickoff=NOW,
        home_team=facts.pop("home_team", "Home"),
        away_team="Away",
        markets=markets,
        tournament="Cup",
        country="Nigeria",
        markets_seen=len(markets),
        markets_mapped=len(markets),
    )
    return SiteResult(platform=platform, odds=odds, timing_ms=10)


def _event(sr_id: str, *results: SiteResult) -> ScrapedEvent:
    return ScrapedEvent(
        sportradar_id=sr_id,
        platforms_requested=tuple(r.platform for r in results),
        results=results,
        timing_ms=20,
        scraped_at=NOW,
    )


async def test_bad_markets_are_refused_one_by_one_with_reasons(
    conn: Conn, run_id: int, market_copy: bool
) -> None:
    good = (_market("3743", 1.5, 3.2, 6.0), _market("5000", 1.9, 1.9, line=2.5))
    bad_betpawa = (
        _market("b1", math.nan, 2.0),
        _market("b2", math.inf, 2.0),
        _market("b3", 0.0, 2.0),
        _market("b4", -1.5, 2.0),
        Market(market_id="b5", market_name="Empty", outcomes=()),
        _market("b6", 1.5, 2.0, name="bad\x00name"),
        _market("b7", 1.5, 2.0, line=math.nan),
    )
    bad_sporty = (_market("s1", 1.2, -math.inf), attrs.evolve(good[0], outcomes=(Outcome("x\x00", 1.5),)))
    batch = ScrapeBatch(
        events=(
            _event(
                "sr:match:1",
                _site(Platform.BETPAWA, "sr:match:1", good + bad_betpawa),
                _site(Platform.SPORTYBET, "sr:match:1", good + bad_sporty),
            ),
            _event("sr:match:2", _site(Platform.BET9JA, "sr:match:2", good)),
        )
    )

    result = await store_batch(conn, batch, run_id, market_copy=market_copy)

    assert result.snapshots_created == 3
    assert result.markets_stored == 2 * 3
    assert result.events_stored == 2
    stored_ids = [
        r["market_id"]
        for r in await conn.fetch(
            f"SELECT market_id FROM ({SNAPSHOT_MARKET_KEYS}) AS m WHERE m.bookmaker_id = 1"
        )
    ]
    assert sorted(stored_ids) == ["3743", "5000"]

    statuses = {s.sportradar_id: s for s in await ScrapeStatusRepository(conn).list_for_run(run_id=run_id)}
    first = statuses["sr:match:1"]
    assert first.status == "completed"
    assert first.platforms_scraped == ("betpawa", "sportybet")
    assert first.platforms_failed == ()
    assert first.error_details == {
        "betpawa": "rejected 7 markets: non_finite_odds=2, non_positive_odds=2, empty_outcomes=1, "
        "nul_in_text=1, non_finite_line=1",
        "sportybet": "rejected 2 markets: non_finite_odds=1, nul_in_text=1",
    }
    assert statuses["sr:match:2"].error_details is None
    assert any("sr:match:1 betpawa: rejected 7 markets" in e for e in result.errors)

    # the refusals are also kept on the snapshot, beside the parser's counters
    rejected = await conn.fetchval("SELECT markets_rejected::text FROM odds_snapshots")
    assert orjson.loads(rejected) == {
        "non_finite_odds": 2,
        "non_positive_odds": 2,
        "empty_outcomes": 1,
        "nul_in_text": 1,
        "non_finite_line": 1,
    }


async def test_unstorable_event_facts_fail_that_site_only(conn: Conn, run_id: int) -> None:
    good = (_market("3743", 1.5, 3.2, 6.0),)
    batch = ScrapeBatch(
        events=(
            _event(
                "sr:match:5",
                _site(Platform.BETPAWA, "sr:match:5", good, home_team="Ho\x00me"),
                _site(Platform.BET9JA, "sr:match:5", good),
            ),
            # a SportRadar id too long for varchar(50) cannot key any row: left out with an error
            _event("sr:match:" + "9" * 60, _site(Platform.BET9JA, "x", good)),
        )
    )

    result = await store_batch(conn, batch, run_id)

    assert result.events_stored == 1
    assert result.snapshots_created == 1
    statuses = await ScrapeStatusRepository(conn).list_for_run(run_id=run_id)
    assert [s.sportradar_id for s in statuses] == ["sr:match:5"]
    assert statuses[0].platforms_failed == ("betpawa",)
    assert statuses[0].platforms_scraped == ("bet9ja",)
    assert statuses[0].error_details == {"betpawa": "event data contains a NUL byte"}
    assert any("longer than 50" in e for e in result.errors)
    assert await conn.fetchval("SELECT count(*) FROM events") == 0


async def test_duplicates_inside_one_batch_are_reported_not_doubled(conn: Conn, run_id: int) -> None:
    good = (_market("3743", 1.5, 3.2, 6.0),)
    event = _event("sr:match:8", _site(Platform.BETPAWA, "sr:match:8", good))
    clash = _event("sr:match:9", _site(Platform.SPORTYBET, "sr:match:9", good, platform_event_id="same"))
    clash2 = _event("sr:match:10", _site(Platform.SPORTYBET, "sr:match:10", good, platform_event_id="same"))

    result = await store_batch(conn, ScrapeBatch(events=(event, event, clash, clash2)), run_id)

    assert result.events_stored == 3
    assert result.snapshots_created == 2
    assert any("duplicate event" in e for e in result.errors)
    statuses = {s.sportradar_id: s for s in await ScrapeStatusRepository(conn).list_for_run(run_id=run_id)}
    assert statuses["sr:match:10"].status == "failed"
    assert "already in this batch" in (statuses["sr:match:10"].error_details or {})["sportybet"]
