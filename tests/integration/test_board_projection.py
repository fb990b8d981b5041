"""The board's projection (``board_events``): written by ``store_batch`` in the batch's transaction,
read by ``board()`` for CORE picks. Checked three ways against a real PostgreSQL: prices worked out
here from the batches (a competitor-only batch moves the board), the projected board against the
board computed from ``current_odds`` after every one of many random batches (sites, prices with
ties, closed outcomes, handicap lines, markets appearing and going), and the rows' use itself (a
row of another version, or none, is read live; a row of this version is what the board shows)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

import asyncpg
import pytest
from migrations_kit import rollback_migration
from reads_kit import asian_handicap, batch_of, event_on, one_x_two

from oddsstore.db import apply_migrations
from oddsstore.models import EventOdds, Market, Outcome, Platform
from oddsstore.reads import CORE, ComparisonRepository, MarketPick
from oddsstore.reads.board import Board
from oddsstore.reads.board_live import live_board
from oddsstore.reads.projection import VERSION
from oddsstore.repositories import ScrapeRunsRepository
from oddsstore.storage.batch import store_batch

Conn: TypeAlias = "asyncpg.Connection[Any]"
BP, SB, B9 = Platform.BETPAWA, Platform.SPORTYBET, Platform.BET9JA
T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


async def _store(conn: Conn, events: Sequence[dict[Platform, EventOdds]], at: datetime) -> None:
    run = (await ScrapeRunsRepository(conn).create(trigger="test")).id
    assert not (await store_batch(conn, batch_of(events, at), run)).errors


def _reads(conn: Conn) -> ComparisonRepository:
    return ComparisonRepository(conn, clock=lambda: T0)


async def _live(
    conn: Conn,
    picks: Sequence[MarketPick | str] = CORE,
    *,
    only_behind: bool = False,
    tournament: str | None = None,
) -> Board:
    chosen = tuple(p if isinstance(p, MarketPick) else MarketPick.parse(p) for p in picks)
    return await live_board(
        conn, chosen, start=T0, kickoff_to=None, tournament=tournament, only_behind=only_behind
    )


async def test_a_batch_of_one_competitor_moves_the_board(conn: Conn) -> None:
    kickoff = T0 + timedelta(hours=5)
    await _store(
        conn,
        [
            {
                BP: event_on(BP, "5001", kickoff, [one_x_two(2.0, 3.4, 3.6)]),
                SB: event_on(SB, "5001", kickoff, [one_x_two(1.9, 3.3, 3.5)]),
                B9: event_on(B9, "5001", kickoff, [one_x_two(1.95, 3.2, 3.7)]),
            }
        ],
        T0 - timedelta(minutes=10),
    )
    one = (await _reads(conn).board()).events[0].markets[0].outcomes[0]
    assert (one.best_competitor, one.best_competitor_odds, one.behind) == (B9, 1.95, False)
    assert one.gap_pct == pytest.approx((2.0 / 1.95 - 1) * 100)

    # SportyBet alone, the event's BetPawa row not in the batch: its board row still changes
    await _store(
        conn, [{SB: event_on(SB, "5001", kickoff, [one_x_two(2.2, 3.3, 3.5)])}], T0 - timedelta(minutes=5)
    )
    market = (await _reads(conn).board()).events[0].markets[0]
    one, _, two = market.outcomes
    assert one.odds == {BP: 2.0, SB: 2.2, B9: 1.95}
    assert (one.best_competitor, one.best_competitor_odds, one.behind) == (SB, 2.2, True)
    assert one.gap_pct == pytest.approx((2.0 / 2.2 - 1) * 100)
    assert (two.best_competitor, two.best_competitor_odds) == (B9, 3.7)
    assert market.margins[SB] == pytest.approx((1 / 2.2 + 1 / 3.3 + 1 / 3.5 - 1) * 100)
    assert await conn.fetchval("SELECT count(*) FROM board_events WHERE version = $1", VERSION) == 1


async def test_rows_of_another_version_or_none_are_read_live_and_rows_of_this_one_are_used(
    conn: Conn,
) -> None:
    kickoff = T0 + timedelta(hours=2)
    await _store(
        conn,
        [
            {
                BP: event_on(BP, sr, kickoff, [one_x_two(2.0, 3.4, 3.6)]),
                SB: event_on(SB, sr, kickoff, [one_x_two(2.1, 3.3, 3.5)]),
            }
            for sr in ("6001", "6002", "6003")
        ],
        T0 - timedelta(hours=1),
    )
    live = await _live(conn)
    assert len(live.events) == 3
    assert await _reads(conn).board() == live
    # a row the board reads: a price written into it shows (the board does not recompute it) ...
    await conn.execute(
        "UPDATE board_events SET odds[1] = 9.99 FROM events AS e"
        " WHERE e.id = event_id AND e.sportradar_id = '6001'"
    )
    assert (await _reads(conn).board()).events[0].markets[0].outcomes[0].odds[BP] == 9.99
    # ... unless the row is of another version (read live), or gone (read live)
    await conn.execute(
        "UPDATE board_events SET version = $1 FROM events AS e"
        " WHERE e.id = event_id AND e.sportradar_id = '6001'",
        VERSION + 1,
    )
    assert await _reads(conn).board() == live
    await conn.execute("DELETE FROM board_events")
    assert await _reads(conn).board() == live
    assert await _reads(conn).board(only_behind=True) == await _live(conn, only_behind=True)
    # the next store of the events writes their rows again
    await _store(
        conn,
        [{BP: event_on(BP, sr, kickoff, [one_x_two(2.0, 3.4, 3.6)])} for sr in ("6001", "6002")],
        T0 - timedelta(minutes=1),
    )
    assert await conn.fetchval("SELECT count(*) FROM board_events") == 2
    assert await _reads(conn).board() == live


def _random_event(rng: random.Random, sr: str, kickoff: datetime) -> dict[Platform, EventOdds]:
    """The sites returning ``sr``, each with a random subset of CORE-like markets."""
    grid = (1.5, 1.8, 1.9, 2.0, 2.1, 3.3, 3.4, 3.6)  # few prices: ties between sites are common
    sites = [p for p in (BP, SB, B9) if rng.random() < 0.8] or [SB]
    out: dict[Platform, EventOdds] = {}
    for p in sites:
        markets: list[Market] = []
        if rng.random() < 0.9:
            closed = rng.choice([None, None, None, "X", "1"])
            markets.append(one_x_two(rng.choice(grid), rng.choice(grid), rng.choice(grid), closed=closed))
        if rng.random() < 0.7:
            markets.append(
                Market(
                    "5000",
                    "Over/Under",
                    (Outcome("Over", rng.choice(grid)), Outcome("Under", rng.choice(grid))),
                    line=2.5,
                )
            )
        if rng.random() < 0.6:
            markets.append(
                Market("3795", "BTTS", (Outcome("Yes", rng.choice(grid)), Outcome("No", rng.choice(grid))))
            )
        for line in rng.sample([-1.0, -0.5, 0.0, 0.5, 1.0], rng.randint(0, 3)):
            markets.append(
                asian_handicap(line, rng.choice(grid), rng.choice(grid), closed=rng.random() < 0.15)
            )
        out[p] = event_on(p, sr, kickoff, markets, tournament=rng.choice(["League A", "League B"]))
    return out


async def test_the_projected_board_equals_the_live_board_after_every_random_batch(conn: Conn) -> None:
    rng = random.Random(20261201)
    srs = [f"8{n:03d}" for n in range(12)]
    kickoffs = {sr: T0 + timedelta(minutes=30 * (n % 5) + 10) for n, sr in enumerate(srs)}
    picks_sets: list[Sequence[MarketPick | str]] = [
        CORE,
        ["3743"],
        ["3774@main", "3743"],  # another order than projected
        ["5000@2.5", "3795"],
    ]
    for step in range(12):
        events = [_random_event(rng, sr, kickoffs[sr]) for sr in rng.sample(srs, rng.randint(1, 6))]
        await _store(conn, events, T0 - timedelta(hours=2) + timedelta(minutes=5 * step))
        reads = _reads(conn)
        for picks in picks_sets:
            assert await reads.board(markets=picks) == await _live(conn, picks), (step, picks)
            assert await reads.board(markets=picks, only_behind=True) == await _live(
                conn, picks, only_behind=True
            )
        assert await reads.board(tournament="League B") == await _live(conn, tournament="League B")
    board = await _reads(conn).board()
    assert board.events and all(e.markets for e in board.events)  # the comparison was not vacuous
    assert any(o.behind for e in board.events for m in e.markets for o in m.outcomes)
    assert any(m.margins.get(p) is None for e in board.events for m in e.markets for p in m.sites)


async def test_picks_outside_the_projection_are_read_live(conn: Conn) -> None:
    kickoff = T0 + timedelta(hours=1)
    other = Market("3999", "Corners", (Outcome("Over", 1.9), Outcome("Under", 1.9)), line=9.5)
    await _store(
        conn,
        [{BP: event_on(BP, "7101", kickoff, [one_x_two(2.0, 3.4, 3.6), other])}],
        T0 - timedelta(hours=1),
    )
    await conn.execute("UPDATE board_events SET odds[1] = 9.99")  # would show if the projection were read
    board = await _reads(conn).board(markets=["3743", "3999@9.5"])
    assert [(m.market_id, m.line) for m in board.events[0].markets] == [("3743", None), ("3999", 9.5)]
    assert board.events[0].markets[0].outcomes[0].odds == {BP: 2.0}


def test_the_migration_rolls_back_and_an_empty_projection_reads_live(db_dsn: str) -> None:
    async def store_and_read(step: int) -> tuple[Board, Board, int]:
        conn = await asyncpg.connect(db_dsn)
        try:
            kickoff = T0 + timedelta(hours=3)
            event = {BP: event_on(BP, "9101", kickoff, [one_x_two(2.0 + step / 10, 3.4, 3.6)])}
            if step:
                await _store(conn, [event], T0 - timedelta(minutes=60 - step))
            rows = int(await conn.fetchval("SELECT count(*) FROM board_events"))
            return await _reads(conn).board(), await _live(conn), rows
        finally:
            await conn.close()

    projected, live, rows = asyncio.run(store_and_read(1))
    assert projected == live and rows == 1
    rollback_migration(db_dsn, "0006")
    assert asyncio.run(_tables(db_dsn)) == set()
    assert asyncio.run(apply_migrations(db_dsn)) == ["0006_board_projection"]
    projected, live, rows = asyncio.run(store_and_read(0))  # nothing stored since: every event live
    assert rows == 0 and projected == live and live.events[0].markets[0].outcomes[0].odds == {BP: 2.1}
    projected, live, rows = asyncio.run(store_and_read(2))
    assert rows == 1 and projected == live and live.events[0].markets[0].outcomes[0].odds == {BP: 2.2}


async def _tables(dsn: str) -> set[str]:
    conn = await asyncpg.connect(dsn)
    try:
        return {
            r[0] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE tablename = 'board_events'")
        }
    finally:
        await conn.close()
