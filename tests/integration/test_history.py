"""Change-only history against a real PostgreSQL: exactly the changes are written, and every past run
reads back as the full snapshot it was (expected sets computed here from the batches themselves)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

import asyncpg
import pytest
from history_kit import Key, SiteKey, apply, drift, expected_changes, full_state, market_key, sorted_markets
from history_sql import history_rows, markets_held
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oddsstore.devtools.batches import make_batch
from oddsstore.models import Market, Outcome, Platform, ScrapeBatch
from oddsstore.reads import OddsRepository
from oddsstore.repositories import ScrapeRunsRepository
from oddsstore.repositories import history as history_repository
from oddsstore.repositories.odds_codec import decode_odds, encode_odds
from oddsstore.storage.batch import store_batch

Conn: TypeAlias = "asyncpg.Connection[Any]"

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

_ROWS_OF_RUN = """
SELECT COALESCE(e.sportradar_id, c.sportradar_id) AS sr, b.slug AS site, k.market_id, k.line,
       k.handicap_type, k.handicap_home, k.handicap_away, h.shape_id IS NULL AS closing
FROM odds_history h
JOIN bookmakers b ON b.id = h.bookmaker_id
JOIN market_keys k ON k.id = h.key_id
LEFT JOIN events e ON h.bookmaker_id = 1 AND e.id = h.event_id
LEFT JOIN competitor_events c ON h.bookmaker_id <> 1 AND c.id = h.event_id
WHERE h.scrape_run_id = $1
"""


async def _rows_of_run(conn: Conn, run_id: int) -> list[tuple[tuple[SiteKey, Key], bool]]:
    return [
        (
            (
                (r["sr"], Platform(r["site"])),
                (r["market_id"], r["line"], r["handicap_type"], r["handicap_home"], r["handicap_away"]),
            ),
            r["closing"],
        )
        for r in await conn.fetch(_ROWS_OF_RUN, run_id)
    ]


@pytest.fixture(params=["statement", "copy"])
def write_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways ``write_changes`` writes: one statement (a few thousand rows) and ``COPY`` (many)."""
    if request.param == "copy":
        monkeypatch.setattr(history_repository, "COPY_FROM_ROWS", 0)
    return str(request.param)


async def _run(conn: Conn) -> int:
    return (await ScrapeRunsRepository(conn).create(trigger="test")).id


def _small(seed: int = 5, events: int = 6) -> ScrapeBatch:
    return make_batch(seed=seed, events=events, markets_per_snapshot=25, now=T0)


async def test_two_cycles_write_exactly_the_markets_that_changed(conn: Conn, write_path: str) -> None:
    first = _small()
    second = drift(first, seed=1, now=T0 + timedelta(minutes=5))
    expected = expected_changes(full_state(first), second)
    assert 0 < len(expected) < sum(len(m) for m in full_state(second).values())  # some, not all

    r1 = await store_batch(conn, first, await _run(conn))
    current_after_first = await conn.fetchval("SELECT count(*) FROM current_odds")
    run2 = await _run(conn)
    r2 = await store_batch(conn, second, run2)

    assert r1.history_rows == r1.markets_stored  # everything is first seen
    assert r1.current_rows == current_after_first == r1.markets_stored  # every key added once
    rows = await _rows_of_run(conn, run2)
    assert len(rows) == len(set(k for k, _ in rows))  # one row per changed market
    assert {k for k, _ in rows} == expected
    closings = {k for k, closing in rows if closing}
    assert closings == {(s, k) for s, k in expected if k not in full_state(second)[s]}
    assert r2.history_rows == len(expected) == await history_rows(conn, run2)
    # every change of the second run touched current_odds: updated or added (stamped with its time),
    # or deleted (a closing)
    stamped = await conn.fetchval(
        "SELECT count(*) FROM current_odds WHERE last_changed >= $1", T0 + timedelta(minutes=5)
    )
    assert r2.current_rows == stamped + len(closings) == len(expected)
    assert (
        r2.markets_stored
        == sum(len(m) for m in full_state(second).values())
        == await markets_held(conn, run2)
    )


async def test_two_identical_cycles_write_no_market_the_second_time(conn: Conn) -> None:
    batch = _small()
    again = drift(batch, seed=2, now=T0 + timedelta(minutes=5), change=0, drop=0, add_market=False)
    await store_batch(conn, batch, await _run(conn))
    run2 = await _run(conn)
    result = await store_batch(conn, again, run2)
    assert result.history_rows == 0 == await history_rows(conn, run2)
    assert result.snapshots_created == 18 and result.markets_stored == 18 * 25
    assert await markets_held(conn, run2) == 18 * 25


async def test_a_cold_start_still_writes_exactly_the_changes(db_dsn: str) -> None:
    first = _small()
    second = drift(first, seed=3, now=T0 + timedelta(minutes=5))
    one: Conn = await asyncpg.connect(db_dsn)
    try:
        await store_batch(one, first, await _run(one))
    finally:
        await one.close()
    two: Conn = await asyncpg.connect(db_dsn)  # a new session, as after a restart: nothing cached
    try:
        run2 = await _run(two)
        result = await store_batch(two, second, run2)
        rows = await _rows_of_run(two, run2)
    finally:
        await two.close()
    assert {k for k, _ in rows} == expected_changes(full_state(first), second)
    assert result.history_rows == len(rows)


async def test_a_retried_batch_writes_no_history_twice(conn: Conn, write_path: str) -> None:
    first = _small()
    second = drift(first, seed=4, now=T0 + timedelta(minutes=5))
    await store_batch(conn, first, await _run(conn))
    run2 = await _run(conn)
    done = await store_batch(conn, second, run2)
    before = (await history_rows(conn), await conn.fetchval("SELECT count(*) FROM current_odds"))
    retry = await store_batch(conn, second, run2)
    assert done.history_rows > 0
    assert (retry.snapshots_created, retry.markets_stored, retry.history_rows) == (0, 0, 0)
    assert (await history_rows(conn), await conn.fetchval("SELECT count(*) FROM current_odds")) == before


async def test_a_failed_site_closes_nothing(conn: Conn) -> None:
    first = _small()
    failed: SiteKey = (first.events[0].sportradar_id, Platform.SPORTYBET)
    second = drift(first, seed=5, now=T0 + timedelta(minutes=5), fail=[failed])
    await store_batch(conn, first, await _run(conn))
    run2 = await _run(conn)
    await store_batch(conn, second, run2)

    rows = await _rows_of_run(conn, run2)
    assert not [k for k, _ in rows if k[0] == failed]
    assert {k for k, _ in rows} == expected_changes(full_state(first), second)
    # reading now: the failed site still shows its last run's markets, from that run
    current = await OddsRepository(conn).current(sportradar_id=failed[0])
    site = current[Platform.SPORTYBET]
    assert site.scrape_run_id != run2
    assert sorted_markets(site.markets) == sorted_markets(full_state(first)[failed].values())


async def test_a_market_missing_from_a_returned_payload_is_closed_for_reads_after_it(
    conn: Conn, write_path: str
) -> None:
    first = _small(events=1)
    sr = first.events[0].sportradar_id
    gone = full_state(first)[(sr, Platform.BETPAWA)]
    dropped_key = next(iter(gone))
    t1 = T0 + timedelta(minutes=5)
    second = drift(first, seed=6, now=t1, change=0, drop=0, add_market=False)
    events = list(second.events)
    results = list(events[0].results)
    betpawa = next(i for i, r in enumerate(results) if r.platform is Platform.BETPAWA)
    odds = results[betpawa].odds
    assert odds is not None
    import attrs

    results[betpawa] = attrs.evolve(
        results[betpawa],
        odds=attrs.evolve(odds, markets=tuple(m for m in odds.markets if market_key(m) != dropped_key)),
    )
    events[0] = attrs.evolve(events[0], results=tuple(results))
    second = ScrapeBatch(events=tuple(events))

    await store_batch(conn, first, await _run(conn))
    run2 = await _run(conn)
    result = await store_batch(conn, second, run2)

    assert await _rows_of_run(conn, run2) == [(((sr, Platform.BETPAWA), dropped_key), True)]
    assert result.history_rows == 1
    repo = OddsRepository(conn)
    before = await repo.as_of(sportradar_id=sr, at=t1 - timedelta(seconds=1))
    after = await repo.as_of(sportradar_id=sr, at=t1)
    assert dropped_key in {market_key(m) for m in before[Platform.BETPAWA].markets}
    assert dropped_key not in {market_key(m) for m in after[Platform.BETPAWA].markets}
    assert len(after[Platform.BETPAWA].markets) == len(gone) - 1
    now = await repo.current(sportradar_id=sr)
    assert sorted_markets(now[Platform.BETPAWA].markets) == sorted_markets(after[Platform.BETPAWA].markets)


async def test_as_of_every_run_equals_its_full_snapshot_and_prices_are_exact(
    conn: Conn, write_path: str
) -> None:
    batches = [_small(seed=8, events=4)]
    for i in range(1, 6):
        fail = [(batches[0].events[i % 4].sportradar_id, Platform.BET9JA)] if i % 2 else []
        batches.append(
            drift(batches[-1], seed=10 + i, now=T0 + timedelta(minutes=5 * i), change=0.3, fail=fail)
        )
    runs = []
    for batch in batches:
        runs.append(await _run(conn))
        await store_batch(conn, batch, runs[-1])

    repo = OddsRepository(conn)
    seen: dict[SiteKey, tuple[int, dict[Key, Market]]] = {}
    for run_id, batch in zip(runs, batches, strict=True):
        for site, markets in full_state(batch).items():
            seen[site] = (run_id, markets)
        at = batch.events[0].scraped_at
        assert at is not None
        for event in batch.events:
            read = await repo.as_of(sportradar_id=event.sportradar_id, at=at)
            expected = {site[1]: v for site, v in seen.items() if site[0] == event.sportradar_id}
            assert set(read) == set(expected)
            for platform, (expected_run, markets) in expected.items():
                assert read[platform].scrape_run_id == expected_run
                # Market equality compares every float exactly
                assert sorted_markets(read[platform].markets) == sorted_markets(markets.values())
    thirds = [
        o.odds
        for b in batches
        for e in b.events
        for r in e.results
        if r.odds
        for m in r.odds.markets
        for o in m.outcomes
        if round(o.odds * 1000) / 1000 != o.odds
    ]
    assert thirds  # some prices took the float64 path


async def test_the_closing_line_stays_after_kickoff(conn: Conn) -> None:
    first = _small(events=2)
    sr = first.events[0].sportradar_id
    later = drift(first, seed=20, now=T0 + timedelta(minutes=5))
    # after kickoff the sites stop listing the event: the next cycle's batch has only the other one
    after_kickoff = drift(ScrapeBatch(events=(later.events[1],)), seed=21, now=T0 + timedelta(hours=3))
    for batch in (first, later, after_kickoff):
        await store_batch(conn, batch, await _run(conn))
    repo = OddsRepository(conn)
    closing = {p: sorted_markets(m.values()) for (s, p), m in full_state(later).items() if s == sr}
    now = await repo.current(sportradar_id=sr)
    assert {p: sorted_markets(v.markets) for p, v in now.items()} == closing
    much_later = await repo.as_of(sportradar_id=sr, at=T0 + timedelta(days=2))
    assert {p: sorted_markets(v.markets) for p, v in much_later.items()} == closing


async def test_a_late_batch_of_an_older_run_keeps_every_run_readable(conn: Conn, write_path: str) -> None:
    # a spill replayed after newer cycles: run 2's batch is stored after run 3's
    b1 = _small(seed=30, events=3)
    b2 = drift(b1, seed=31, now=T0 + timedelta(minutes=5), change=0.4)
    b3 = drift(b2, seed=32, now=T0 + timedelta(minutes=10), change=0.4)
    r1, r2, r3 = await _run(conn), await _run(conn), await _run(conn)
    await store_batch(conn, b1, r1)
    await store_batch(conn, b3, r3)
    late = await store_batch(conn, b2, r2)
    assert late.snapshots_created == 9 and late.history_rows > 0
    assert late.current_rows == 0  # an older run's state is not the current one
    repo = OddsRepository(conn)
    for batch, run_id in ((b1, r1), (b2, r2), (b3, r3)):
        at = batch.events[0].scraped_at
        assert at is not None
        for event in batch.events:
            read = await repo.as_of(sportradar_id=event.sportradar_id, at=at)
            for (s, platform), markets in full_state(batch).items():
                if s == event.sportradar_id:
                    assert read[platform].scrape_run_id == run_id
                    assert sorted_markets(read[platform].markets) == sorted_markets(markets.values())
    # current odds are still run 3's
    state = full_state(b3)
    for event in b3.events:
        now = await repo.current(sportradar_id=event.sportradar_id)
        for (s, platform), markets in state.items():
            if s == event.sportradar_id:
                assert sorted_markets(now[platform].markets) == sorted_markets(markets.values())


async def test_odds_come_back_exactly_as_parsed(conn: Conn) -> None:
    prices = (1.85, 1 / 3 + 1, 1.0005, 2.0000000000000004, 1e-3, 1000.001, 12345678.9)
    market = Market(
        "x", "Exact", tuple(Outcome(f"o{i}", p, is_active=i % 2 == 0) for i, p in enumerate(prices))
    )
    batch = make_batch(seed=1, events=1, markets_per_snapshot=1, platforms=(Platform.BETPAWA,), now=T0)
    import attrs

    event = batch.events[0]
    result = event.results[0]
    assert result.odds is not None
    odds = attrs.evolve(result.odds, markets=(market,))
    batch = ScrapeBatch(events=(attrs.evolve(event, results=(attrs.evolve(result, odds=odds),)),))
    await store_batch(conn, batch, await _run(conn))
    read = await OddsRepository(conn).current(sportradar_id=event.sportradar_id)
    assert read[Platform.BETPAWA].markets == (market,)
    decoded = await conn.fetchval("SELECT oddsstore_decode_odds(odds) FROM current_odds")
    assert decoded == [p if i % 2 == 0 else -p for i, p in enumerate(prices)]
    same = await conn.fetchval(
        "SELECT oddsstore_encode_odds(oddsstore_decode_odds(odds)) = odds FROM current_odds"
    )
    assert same is True


def test_the_test_kit_sees_changes() -> None:
    first = _small(events=2)
    second = drift(first, seed=1, now=T0)
    assert expected_changes(full_state(first), first) == set()
    assert expected_changes(full_state(first), second)
    assert apply(full_state(first), second) == full_state(second)


@given(
    st.lists(
        st.one_of(
            st.floats(min_value=1.0, max_value=1000.0).map(lambda p: round(p, 3)),
            st.floats(min_value=1e-300, max_value=1e300),
            st.sampled_from([2147482.999, 2147483.0, 2147483.001, 1e-3, 1.0005, 4.3333333333]),
        ),
        min_size=1,
        max_size=12,
    ),
    st.lists(st.booleans(), min_size=12, max_size=12),
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_odds_codec_is_exact_and_sql_gives_the_same_bytes(
    db_dsn: str, prices: list[float], active: list[bool]
) -> None:
    signed = [p if a else -p for p, a in zip(prices, active, strict=False)]
    data = encode_odds(signed)
    assert decode_odds(data) == tuple(signed)

    async def check() -> tuple[bytes, list[float]]:
        conn: Conn = await asyncpg.connect(db_dsn)
        try:
            record = await conn.fetchrow(
                "SELECT oddsstore_encode_odds($1::float8[]) AS enc, oddsstore_decode_odds($2::bytea) AS dec",
                signed,
                data,
            )
            assert record is not None
            return record["enc"], record["dec"]
        finally:
            await conn.close()

    sql_bytes, sql_prices = asyncio.run(check())
    assert sql_bytes == data
    assert sql_prices == signed
