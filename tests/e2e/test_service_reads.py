"""The comparison reads over HTTP (``/api/...``) against a real PostgreSQL: events stored through
``store_batch`` with known prices (and the genuine SR 68995116 payloads), read back through a real
HTTP client; every figure is compared with the prices stored here or with the library's own call."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import asyncpg
import pytest
from fault_kit import relay_to
from reads_kit import event_on, genuine, one_x_two
from web_kit import BP, KICKOFF, NOW, SB, app_for, known_events, served, store

from oddsstore.db import create_pool
from oddsstore.reads import ComparisonRepository
from oddsstore.reads.export import BOARD_COLUMNS
from oddsstore.service.api import READS_KEY
from oddsstore.service.app import AccessPolicy


async def get(s: aiohttp.ClientSession, url: str) -> tuple[int, Any]:
    async with s.get(url) as r:
        return r.status, await r.json() if r.content_type == "application/json" else await r.text()


async def test_board_json_is_the_library_board_with_the_stored_prices(pool: asyncpg.Pool[Any]) -> None:
    await store(pool, known_events(), NOW - timedelta(minutes=5))
    async with served(app_for(pool)) as base, aiohttp.ClientSession() as s:
        status, board = await get(s, f"{base}/api/board?market=3743")
        _, behind = await get(s, f"{base}/api/board?market=3743&behind=1")
        _, soon = await get(s, f"{base}/api/board?market=3743&hours=3")
        _, cup = await get(s, f"{base}/api/board?market=3743&tournament=Other%20Cup")
        _, window = await get(
            s, f"{base}/api/board?kickoff_from=2026-05-06T12:00:00Z&kickoff_to=2026-05-06T16:00Z"
        )
    async with pool.acquire() as conn:
        library = await ComparisonRepository(conn, clock=lambda: NOW).board(markets=["3743"])
    assert status == 200
    assert board == library.to_dict()
    first = board["events"][0]
    assert [e["sportradar_id"] for e in board["events"]] == ["9001", "9002"]
    one, draw, two = first["markets"][0]["outcomes"]
    assert one["odds"] == {"betpawa": 2.0, "sportybet": 2.1, "bet9ja": 2.05}
    assert (one["best_competitor"], one["best_competitor_odds"], one["behind"]) == ("sportybet", 2.1, True)
    assert one["gap_pct"] == pytest.approx((2.0 / 2.1 - 1) * 100)
    assert (two["best_competitor"], two["best_competitor_odds"]) == ("bet9ja", 3.8)
    assert draw["behind"] is False and draw["gap_pct"] == pytest.approx((3.4 / 3.3 - 1) * 100)
    assert first["markets"][0]["margins"]["betpawa"] == pytest.approx((1 / 2.0 + 1 / 3.4 + 1 / 3.6 - 1) * 100)
    # behind=1: only 9001's "1" and "2" (BetPawa ahead on X and on all of 9002)
    assert [e["sportradar_id"] for e in behind["events"]] == ["9001"]
    assert [o["outcome"] for o in behind["events"][0]["markets"][0]["outcomes"]] == ["1", "2"]
    assert behind["only_behind"] is True
    assert [e["sportradar_id"] for e in soon["events"]] == ["9001"]  # 9002 kicks off 7 h after NOW
    assert soon["kickoff_to"] == (NOW + timedelta(hours=3)).isoformat()
    assert [e["sportradar_id"] for e in cup["events"]] == ["9002"]
    assert [e["sportradar_id"] for e in window["events"]] == ["9002"]  # kickoff 15:00
    assert window["kickoff_from"] == "2026-05-06T12:00:00+00:00"


async def test_event_and_movement_json_are_the_library_results(pool: asyncpg.Pool[Any]) -> None:
    sites = genuine()
    await store(pool, [sites], NOW - timedelta(hours=1))
    moved = dict(sites)
    moved[SB] = event_on(SB, "68995116", sites[SB].kickoff, [one_x_two(2.6, 3.1, 3.0)])
    await store(pool, [moved], NOW - timedelta(minutes=10))
    async with served(app_for(pool)) as base, aiohttp.ClientSession() as s:
        status, event = await get(s, f"{base}/api/events/68995116?method=shin")
        _, at = await get(s, f"{base}/api/events/68995116?at=2026-05-06T07:30:00Z")
        m_status, movement = await get(s, f"{base}/api/events/68995116/movement?market=3743")
        _, since = await get(
            s, f"{base}/api/events/68995116/movement?market=5000&line=2.5&since=2026-05-06T07:30Z"
        )
    async with pool.acquire() as conn:
        reads = ComparisonRepository(conn, clock=lambda: NOW)
        want_event = await reads.event(sportradar_id="68995116", method="shin")
        want_at = await reads.event(sportradar_id="68995116", at=datetime(2026, 5, 6, 7, 30, tzinfo=UTC))
        want_movement = await reads.movement(sportradar_id="68995116", market_id="3743")
        want_since = await reads.movement(
            sportradar_id="68995116",
            market_id="5000",
            line=2.5,
            since=datetime(2026, 5, 6, 7, 30, tzinfo=UTC),
        )
    assert status == m_status == 200
    assert event == want_event.to_dict() and event["method"] == "shin"
    assert at == want_at.to_dict()
    assert movement == want_movement.to_dict()
    assert since == want_since.to_dict()
    sb = {o["outcome"]: o for o in movement["outcomes"] if o["platform"] == "sportybet"}
    bp_1x2 = next(m for m in sites[SB].markets if m.market_id == "3743")
    assert sb["1"]["opening"]["odds"] == bp_1x2.outcomes[0].odds  # the genuine SportyBet price
    assert sb["1"]["latest"]["odds"] == 2.6  # stored 10 minutes before NOW
    # at 07:30 SportyBet still had its genuine 1X2 prices; now it has the moved ones
    at_1x2 = next(m for m in at["markets"] if m["market_id"] == "3743")
    assert at_1x2["outcomes"][0]["odds"]["sportybet"] == bp_1x2.outcomes[0].odds
    now_1x2 = next(m for m in event["markets"] if m["market_id"] == "3743")
    assert now_1x2["outcomes"][0]["odds"]["sportybet"] == 2.6


BAD = [
    ("/api/board?hours=abc", "hours"),
    ("/api/board?hours=-2", "hours"),
    ("/api/board?hours=nan", "hours"),
    ("/api/board?hours=3&kickoff_from=2026-05-06T12:00Z", "hours"),
    ("/api/board?kickoff_from=yesterday", "kickoff_from"),
    ("/api/board?kickoff_to=2026-13-01", "kickoff_to"),
    ("/api/board?kickoff_from=2026-05-07T00:00Z&kickoff_to=2026-05-06T00:00Z", "kickoff_to"),
    ("/api/board?kickoff_to=2026-05-01T00:00Z", "kickoff_to"),  # before "now": from defaults to now
    ("/api/board?market=3743@x", "market"),
    ("/api/board?market=37%2043", "market"),
    ("/api/board?behind=maybe", "behind"),
    ("/api/board?tournament=" + "x" * 201, "tournament"),
    ("/api/board?hours=1&hours=2", "hours"),
    ("/api/board?colour=red", "colour"),
    ("/api/export.csv?market=@main", "market"),
    ("/api/events/68995116?method=magic", "method"),
    ("/api/events/68995116?at=soon", "at"),
    ("/api/events/68995116/movement", "market"),
    ("/api/events/68995116/movement?market=1%3B2", "market"),
    ("/api/events/68995116/movement?market=3743&line=two", "line"),
    ("/api/events/68995116/movement?market=3743&line=inf", "line"),
    ("/api/events/68995116/movement?market=3743&since=later", "since"),
]


async def test_each_bad_parameter_is_a_400_naming_it_and_unknown_events_are_404(
    pool: asyncpg.Pool[Any],
) -> None:
    await store(pool, [genuine()], NOW - timedelta(hours=1))
    async with served(app_for(pool)) as base, aiohttp.ClientSession() as s:
        answers = [await get(s, base + path) for path, _ in BAD]
        unknown = await get(s, f"{base}/api/events/123")
        unknown_movement = await get(s, f"{base}/api/events/123/movement?market=3743")
        hostile = await get(s, f"{base}/api/events/%3Cscript%3E")
    for (path, name), (status, body) in zip(BAD, answers, strict=True):
        assert status == 400, path
        assert body["parameter"] == name and name in body["error"], (path, body)
    assert unknown[0] == unknown_movement[0] == hostile[0] == 404
    assert unknown[1]["sportradar_id"] == "123"


async def test_the_csv_export_streams_the_board_rows(pool: asyncpg.Pool[Any]) -> None:
    await store(pool, known_events(), NOW - timedelta(minutes=5))
    async with (
        served(app_for(pool)) as base,
        aiohttp.ClientSession() as s,
        s.get(f"{base}/api/export.csv?market=3743") as r,
    ):
        status, headers, text = r.status, r.headers, await r.text()
    assert status == 200
    assert headers["Content-Type"].startswith("text/csv")
    assert headers["Content-Disposition"] == 'attachment; filename="oddsstore-board.csv"'
    assert headers.get("Transfer-Encoding") == "chunked"  # streamed, no length known up front
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == BOARD_COLUMNS
    table = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    stored = {  # (event, outcome) -> prices per site, as stored above
        ("9001", "1"): ("2.0", "2.1", "2.05"),
        ("9001", "X"): ("3.4", "3.3", "3.2"),
        ("9001", "2"): ("3.6", "3.5", "3.8"),
        ("9002", "1"): ("2.5", "2.4", ""),
        ("9002", "X"): ("3.3", "3.2", ""),
        ("9002", "2"): ("3.0", "2.9", ""),
    }
    got = {
        (t["sportradar_id"], t["outcome"]): (t["odds_betpawa"], t["odds_sportybet"], t["odds_bet9ja"])
        for t in table
    }
    assert got == stored and len(table) == 6
    one = table[0]
    assert (one["best_competitor"], one["behind"], one["listed_on"]) == (
        "sportybet",
        "true",
        "betpawa sportybet bet9ja",
    )
    assert float(one["gap_pct"]) == pytest.approx((2.0 / 2.1 - 1) * 100)


async def test_the_board_is_cached_for_its_ttl_and_concurrent_requests_share_one_read(
    pool: asyncpg.Pool[Any],
) -> None:
    events = known_events()
    await store(pool, events, NOW - timedelta(minutes=5))
    cached, uncached = app_for(pool, ttl_s=60.0), app_for(pool, ttl_s=0.0)
    async with served(cached) as base, served(uncached) as fresh, aiohttp.ClientSession() as s:
        answers = await asyncio.gather(*(get(s, f"{base}/api/board?market=3743") for _ in range(12)))
        computed = cached[READS_KEY].boards.computations
        changed = dict(events[0])
        changed[BP] = event_on(BP, "9001", KICKOFF, [one_x_two(2.2, 3.4, 3.6)])
        await store(pool, [changed], NOW - timedelta(minutes=1))
        _, stale = await get(s, f"{base}/api/board?market=3743")
        _, other_query = await get(s, f"{base}/api/board?market=3743&behind=0&hours=48")
        _, now_fresh = await get(s, f"{fresh}/api/board?market=3743")
    assert computed == 1  # twelve concurrent identical requests, one read
    assert all(a == answers[0] for a in answers) and answers[0][0] == 200
    assert stale == answers[0][1]  # within the TTL: the earlier answer, BetPawa's old 2.0
    assert stale["events"][0]["markets"][0]["outcomes"][0]["odds"]["betpawa"] == 2.0
    assert other_query["events"][0]["markets"][0]["outcomes"][0]["odds"]["betpawa"] == 2.2
    assert now_fresh["events"][0]["markets"][0]["outcomes"][0]["odds"]["betpawa"] == 2.2


async def test_reads_answer_503_while_the_database_is_down_and_obey_the_access_policy(
    db_dsn: str, pool: asyncpg.Pool[Any]
) -> None:
    await store(pool, [genuine()], NOW - timedelta(hours=1))
    async with relay_to(db_dsn) as relay:
        relayed = await create_pool(relay.dsn, min_size=1, max_size=2)
        try:
            app = app_for(relayed, ttl_s=0.0, access=AccessPolicy(token="tok"))
            async with served(app) as base, aiohttp.ClientSession() as s:
                up = await get(s, f"{base}/api/events/68995116")
                await relay.cut()
                down = [
                    await get(s, f"{base}{path}")
                    for path in (
                        "/api/board",
                        "/api/export.csv",
                        "/api/events/68995116",
                        "/api/events/68995116/movement?market=3743",
                    )
                ]
                pages = [(await get(s, f"{base}{path}"))[0] for path in ("/", "/events/68995116")]
                await relay.restore()
                rebinding = await get_with_host(s, f"{base}/api/board", "evil.example")
                back = await get(s, f"{base}/api/events/68995116")
        finally:
            await relayed.close()
    assert up[0] == 200 and back[0] == 200  # GETs need no token on loopback
    assert [d[0] for d in down] == [503, 503, 503, 503]
    assert pages == [503, 503]
    assert all(d[1]["error"] == "the database is unavailable" and d[1]["reason"] for d in down)
    assert rebinding == 421


async def get_with_host(s: aiohttp.ClientSession, url: str, host: str) -> int:
    async with s.get(url, headers={"Host": host}) as r:
        return r.status
