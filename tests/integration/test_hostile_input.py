"""Hostile values in one batch: each is refused or cleaned with a recorded reason, nothing else is lost.

One batch carries every kind of bad value at once (non-finite and negative odds, NUL bytes, lone
surrogates, 10,000-character names, SQL text, absurd kickoffs, an event twice, an over-long competitor
id) beside good data; the rows read back afterwards show what was kept, what was cut and why.
"""

from __future__ import annotations

import math
import random
import string
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

import asyncpg
import orjson
from history_sql import SNAPSHOT_MARKET_KEYS, markets_held

from oddsstore.models import EventOdds, Market, Outcome, Platform, ScrapeBatch, ScrapedEvent, SiteResult
from oddsstore.repositories import ScrapeStatusRepository
from oddsstore.storage.batch import store_batch
from oddsstore.storage.validation import MAX_TEXT_LENGTH

Conn: TypeAlias = "asyncpg.Connection[Any]"
SCRAPED = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)
KICKOFF = SCRAPED + timedelta(hours=3)
INJECTION = "'); DROP TABLE events;--"
INJECTION_AWAY = "Robert'); DELETE FROM scrape_runs; --\\"
_RNG = random.Random(5)
HUGE = "".join(_RNG.choice(string.ascii_letters + string.digits + " '\";%$") for _ in range(10_000))
GOOD_1X2 = Market("3743", "1X2 - Full Time", (Outcome("1", 1.8), Outcome("X", 3.4), Outcome("2", 4.5)))
GOOD_OU = Market("5000", "Over/Under", (Outcome("Over", 1.9), Outcome("Under", 1.9)), line=2.5)
GOOD = (GOOD_1X2, GOOD_OU)


def _odds(platform: Platform, sr_id: str, markets: tuple[Market, ...] = GOOD, **facts: Any) -> SiteResult:
    values: dict[str, Any] = {
        "platform_event_id": f"{platform.value}-{sr_id}",
        "kickoff": KICKOFF,
        "home_team": "Home",
        "away_team": "Away",
        "tournament": "Cup",
        "country": "Nigeria",
    }
    values.update(facts)
    odds = EventOdds(
        platform=platform,
        sportradar_id=sr_id,
        markets=markets,
        markets_seen=len(markets),
        markets_mapped=len(markets),
        **values,
    )
    return SiteResult(platform=platform, odds=odds, timing_ms=7)


def _event(sr_id: str, *results: SiteResult) -> ScrapedEvent:
    return ScrapedEvent(
        sportradar_id=sr_id,
        platforms_requested=tuple(r.platform for r in results),
        results=results,
        timing_ms=9,
        scraped_at=SCRAPED,
    )


def _hostile_batch() -> ScrapeBatch:
    bad_odds = (
        Market("b1", "NaN", (Outcome("a", math.nan), Outcome("b", 2.0))),
        Market("b2", "Inf", (Outcome("a", math.inf), Outcome("b", 2.0))),
        Market("b3", "Negative", (Outcome("a", -1.5), Outcome("b", 2.0))),
        Market("b4", "Minus inf", (Outcome("a", 1.5), Outcome("b", -math.inf))),
    )
    long_text = (
        Market("l1", HUGE, (Outcome("a", 1.5), Outcome("b", 2.0))),
        Market("l2", "Long outcome", (Outcome(HUGE, 1.5), Outcome("b", 2.0))),
        Market(HUGE, "Long id", (Outcome("a", 1.5), Outcome("b", 2.0))),
        Market("l4", "NUL\x00name", (Outcome("a", 1.5), Outcome("b", 2.0))),
        Market("l5", "Surrogate \ud800", (Outcome("a", 1.5), Outcome("b", 2.0))),
    )
    sr = "sr:match:"
    return ScrapeBatch(
        events=(
            _event(
                sr + "1",
                _odds(Platform.BETPAWA, sr + "1"),
                _odds(Platform.SPORTYBET, sr + "1", GOOD + bad_odds),
            ),
            _event(
                sr + "2", _odds(Platform.BETPAWA, sr + "2", home_team=INJECTION, away_team=INJECTION_AWAY)
            ),
            _event(
                sr + "3",
                _odds(
                    Platform.BETPAWA,
                    sr + "3",
                    GOOD + long_text,
                    home_team=HUGE,
                    tournament=HUGE,
                    country=HUGE,
                ),
                _odds(Platform.BET9JA, sr + "3", tournament=HUGE + "x"),
            ),
            _event(
                sr + "4",
                _odds(Platform.BETPAWA, sr + "4", home_team="Ho\x00me"),
                _odds(Platform.BET9JA, sr + "4"),
            ),
            _event(
                sr + "5",
                _odds(Platform.BETPAWA, sr + "5", kickoff=datetime(1970, 1, 1, tzinfo=UTC)),
                _odds(Platform.SPORTYBET, sr + "5"),
            ),
            _event(sr + "6", _odds(Platform.BETPAWA, sr + "6", kickoff=datetime(9999, 12, 31, tzinfo=UTC))),
            _event(sr + "7", _odds(Platform.BETPAWA, sr + "7", kickoff=SCRAPED + timedelta(days=3653))),
            _event(sr + "8", _odds(Platform.BETPAWA, sr + "8", kickoff=SCRAPED - timedelta(days=3))),
            _event(sr + "9", _odds(Platform.BETPAWA, sr + "9", away_team="Away \udfff")),
            # the same event again in the batch: ignored with an error line, status row still unique
            _event(sr + "2", _odds(Platform.BETPAWA, sr + "2", home_team="Other")),
            _event(
                sr + "10",
                _odds(Platform.BETPAWA, sr + "10"),
                _odds(Platform.BET9JA, sr + "10", platform_event_id=HUGE),
            ),
            _event(sr + "11", _odds(Platform.SPORTYBET, sr + "11", skipped={"bad\x00reason": 1})),
            _event(
                sr + "12",
                SiteResult(
                    platform=Platform.SPORTYBET, error="HTTP 500: body said \x00\ud800" + HUGE, timing_ms=3
                ),
                _odds(Platform.BET9JA, sr + "12"),
            ),
        )
    )


async def _tables(conn: Conn) -> list[str]:
    rows = await conn.fetch(
        # partitions left out: storage creates a missing day partition on demand
        "SELECT c.relname AS table_name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v') AND NOT c.relispartition ORDER BY 1"
    )
    return [r["table_name"] for r in rows]


async def test_hostile_values_are_refused_or_cleaned_and_the_rest_is_stored(
    conn: Conn, run_id: int, market_copy: bool
) -> None:
    tables_before = await _tables(conn)
    assert {"events", "scrape_runs", "odds_history", "current_odds"} <= set(tables_before)

    result = await store_batch(conn, _hostile_batch(), run_id, market_copy=market_copy)

    # 12 distinct events, one status row each (the repeated sr:match:2 is left out with an error line)
    assert result.events_stored == 12
    assert any("duplicate event in batch ignored" in e for e in result.errors)
    assert await _tables(conn) == tables_before
    statuses = {s.sportradar_id: s for s in await ScrapeStatusRepository(conn).list_for_run(run_id=run_id)}
    assert len(statuses) == 12

    def site(sr: int, platform: str) -> str:
        details = statuses[f"sr:match:{sr}"].error_details or {}
        return details.get(platform, "")

    # bad odds: refused per market, the good markets of the same snapshot kept, reasons on the snapshot
    assert site(1, "sportybet") == "rejected 4 markets: non_finite_odds=3, non_positive_odds=1"
    assert statuses["sr:match:1"].platforms_scraped == ("betpawa", "sportybet")
    rejected = await conn.fetchval(
        "SELECT s.markets_rejected::text FROM competitor_odds_snapshots s "
        "JOIN competitor_events e ON e.id = s.competitor_event_id WHERE e.sportradar_id = 'sr:match:1'"
    )
    assert orjson.loads(rejected) == {"non_finite_odds": 3, "non_positive_odds": 1}

    # SQL text is data, stored verbatim
    row = await conn.fetchrow("SELECT home_team, away_team FROM events WHERE sportradar_id = 'sr:match:2'")
    assert row is not None
    assert (row["home_team"], row["away_team"]) == (INJECTION, INJECTION_AWAY)
    assert await conn.fetchval("SELECT count(*) FROM scrape_runs") == 1

    # 10,000-character names: cut to the limit with a note; markets with such text refused
    row = await conn.fetchrow(
        "SELECT e.home_team, t.name, t.country FROM events e JOIN tournaments t ON t.id = e.tournament_id "
        "WHERE e.sportradar_id = 'sr:match:3'"
    )
    assert row is not None
    assert row["home_team"] == HUGE[:MAX_TEXT_LENGTH]
    assert row["name"] == HUGE[:MAX_TEXT_LENGTH]
    assert row["country"] == HUGE[:MAX_TEXT_LENGTH]
    assert site(3, "betpawa") == (
        f"text_too_long: home_team, tournament, country cut to {MAX_TEXT_LENGTH} characters; "
        "rejected 5 markets: text_too_long=3, nul_in_text=1, invalid_text=1"
    )
    assert site(3, "bet9ja").startswith("text_too_long: tournament cut")
    markets_3 = await conn.fetch(
        f"SELECT m.market_id FROM ({SNAPSHOT_MARKET_KEYS}) m JOIN events e ON e.id = m.owner_id "
        "WHERE m.bookmaker_id = 1 AND e.sportradar_id = 'sr:match:3' ORDER BY m.market_id"
    )
    assert [r["market_id"] for r in markets_3] == ["3743", "5000"]

    # facts that cannot be cleaned fail that site only, with the reason
    assert site(4, "betpawa") == "event data contains a NUL byte"
    assert statuses["sr:match:4"].platforms_scraped == ("bet9ja",)
    assert site(5, "betpawa").startswith("bad_kickoff: 1970-01-01")
    assert statuses["sr:match:5"].platforms_scraped == ("sportybet",)
    for sr in (6, 7, 8):
        assert site(sr, "betpawa").startswith("bad_kickoff: "), sr
        assert statuses[f"sr:match:{sr}"].status == "failed"
    assert site(9, "betpawa") == "event data is not valid text"
    assert site(10, "bet9ja") == f"platform event id longer than {MAX_TEXT_LENGTH} characters"
    assert statuses["sr:match:10"].platforms_scraped == ("betpawa",)
    assert site(11, "sportybet") == "unstorable skipped-market counters"
    # a site's error message is cleaned (no NUL, no surrogate) and capped before it reaches jsonb
    message = site(12, "sportybet")
    assert message.startswith("HTTP 500: body said ?")
    assert "\x00" not in message
    assert len(message) == 1000

    # exactly the rows of the sites kept: BetPawa 1, 2, 3, 10; competitors 1s, 3b, 4b, 5s, 10-none, 12b
    kickoffs = [r["kickoff"] for r in await conn.fetch("SELECT kickoff FROM events ORDER BY sportradar_id")]
    assert kickoffs == [KICKOFF] * 4
    event_ids = [r["sportradar_id"] for r in await conn.fetch("SELECT sportradar_id FROM events ORDER BY 1")]
    assert event_ids == ["sr:match:1", "sr:match:10", "sr:match:2", "sr:match:3"]
    assert await conn.fetchval("SELECT count(*) FROM competitor_events") == 5
    assert await conn.fetchval("SELECT count(*) FROM odds_snapshots") == 4
    assert await conn.fetchval("SELECT count(*) FROM competitor_odds_snapshots") == 5
    assert await markets_held(conn, betpawa=True) == 8
    assert await markets_held(conn, betpawa=False) == 10
    assert result.snapshots_created == 9
    assert result.markets_stored == 18
    # the competitor event with the over-long id was not written under a cut id either
    assert await conn.fetchval("SELECT max(length(external_id)) FROM competitor_events") < MAX_TEXT_LENGTH

    # storing the same batch again for the same run writes nothing more
    again = await store_batch(conn, _hostile_batch(), run_id, market_copy=market_copy)
    assert (again.events_stored, again.snapshots_created, again.markets_stored) == (0, 0, 0)
    assert again.history_rows == 0
    assert await markets_held(conn, betpawa=True) == 8
    assert await conn.fetchval("SELECT count(*) FROM odds_history") == 18


async def test_a_long_random_tournament_name_cannot_roll_back_the_batch(conn: Conn, run_id: int) -> None:
    """Before names were capped, this exceeded the unique index's row size and lost the whole batch."""
    ascii_names = ["".join(_RNG.choice(string.printable[:94]) for _ in range(10_000)) for _ in range(2)]
    # 4-byte characters that do not compress: the cut names must still fit the indexes' row limits
    wide = "".join(chr(_RNG.randrange(0x1F300, 0x1FAFF)) for _ in range(10_000))
    names = [*ascii_names, wide]
    events = tuple(
        _event(
            f"sr:match:{i}",
            _odds(Platform.BETPAWA, f"sr:match:{i}", tournament=name),
            _odds(
                Platform.SPORTYBET,
                f"sr:match:{i}",
                platform_event_id=name[:MAX_TEXT_LENGTH],
                tournament=name,
                country=name,
            ),
        )
        for i, name in enumerate(names)
    )
    result = await store_batch(conn, ScrapeBatch(events=events), run_id)

    assert result.events_stored == 3
    assert result.snapshots_created == 6
    lengths = await conn.fetch(
        "SELECT length(name) AS n FROM tournaments UNION ALL SELECT length(name) FROM competitor_tournaments"
    )
    assert sorted(r["n"] for r in lengths) == [MAX_TEXT_LENGTH] * 6
