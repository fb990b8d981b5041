"""The board's main lines: chosen from BetPawa's lines, from a competitor's when BetPawa prices no
complete two-way line or does not list the market, and a line picked both ways appears under each
pick. Stored through ``store_batch``; the expected lines are worked out here by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

import asyncpg
from reads_kit import asian_handicap as ah
from reads_kit import batch_of, event_on, one_x_two

from oddsstore.models import Platform
from oddsstore.reads import ComparisonRepository
from oddsstore.repositories import ScrapeRunsRepository
from oddsstore.storage.batch import store_batch

Conn: TypeAlias = "asyncpg.Connection[Any]"
BP, SB, B9 = Platform.BETPAWA, Platform.SPORTYBET, Platform.BET9JA
T0 = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
KICKOFF = T0 + timedelta(hours=4)


async def _store(conn: Conn) -> None:
    x12 = one_x_two(2.0, 3.4, 3.6)
    events = [
        {  # BetPawa's closest pair is -0.5 (spread 0.2; SportyBet's closest would be +0.5)
            BP: event_on(BP, "7001", KICKOFF, [x12, ah(-0.5, 1.8, 2.0), ah(0.5, 1.5, 2.6)]),
            SB: event_on(SB, "7001", KICKOFF, [x12, ah(-0.5, 1.7, 2.3), ah(0.5, 1.95, 1.9)]),
            B9: event_on(B9, "7001", KICKOFF, [x12, ah(0.5, 1.6, 2.4)]),
        },
        {  # BetPawa's lines each have a closed outcome: SportyBet's closest pair (-1.0) decides
            BP: event_on(
                BP, "7002", KICKOFF, [x12, ah(-1.0, 1.9, 1.9, closed=True), ah(0.0, 1.6, 2.3, closed=True)]
            ),
            SB: event_on(SB, "7002", KICKOFF, [x12, ah(-1.0, 2.0, 1.8), ah(0.0, 1.5, 2.5)]),
            B9: event_on(B9, "7002", KICKOFF, [x12, ah(-1.0, 2.05, 1.75), ah(0.0, 1.45, 2.7)]),
        },
        {  # BetPawa lists no handicap, SportyBet none either: Bet9ja's closest pair (+0.25), ties lower
            BP: event_on(BP, "7003", KICKOFF, [x12]),
            SB: event_on(SB, "7003", KICKOFF, [x12]),
            B9: event_on(
                B9, "7003", KICKOFF, [x12, ah(0.25, 1.9, 2.0), ah(0.75, 2.0, 1.9), ah(1.5, 1.3, 3.2)]
            ),
        },
    ]
    run = (await ScrapeRunsRepository(conn).create(trigger="test")).id
    assert not (await store_batch(conn, batch_of(events, T0), run)).errors


def _lines(board: Any) -> dict[str, list[tuple[str, float | None, tuple[str, ...], tuple[Any, ...]]]]:
    return {
        e.sportradar_id: [
            (
                m.market_id,
                m.line,
                tuple(p.value for p in m.sites),
                tuple(tuple(o.odds.values()) for o in m.outcomes),
            )
            for m in e.markets
        ]
        for e in board.events
    }


async def test_main_lines_from_betpawa_else_the_first_competitor(conn: Conn) -> None:
    await _store(conn)
    reads = ComparisonRepository(conn, clock=lambda: T0)
    lines = _lines(await reads.board(markets=["3774@main"]))
    assert lines == {
        "7001": [("3774", -0.5, ("betpawa", "sportybet"), ((1.8, 1.7), (2.0, 2.3)))],
        "7002": [("3774", -1.0, ("betpawa", "sportybet", "bet9ja"), ((1.9, 2.0, 2.05), (None, 1.8, 1.75)))],
        "7003": [("3774", 0.25, ("bet9ja",), ((1.9,), (2.0,)))],
    }
    # every line and the main line: both picks take the main line's key, each shows it
    both = _lines(await reads.board(markets=["3774", "3774@main"]))
    assert [(m[0], m[1]) for m in both["7001"]] == [("3774", -0.5), ("3774", 0.5), ("3774", -0.5)]
    assert both["7001"][1] == (
        "3774",
        0.5,
        ("betpawa", "sportybet", "bet9ja"),
        ((1.5, 1.95, 1.6), (2.6, 1.9, 2.4)),
    )
    assert [(m[0], m[1]) for m in both["7003"]] == [
        ("3774", 0.25),
        ("3774", 0.75),
        ("3774", 1.5),
        ("3774", 0.25),
    ]
