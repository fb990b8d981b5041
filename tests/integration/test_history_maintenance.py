"""Partitions ahead and on demand, retention by whole partitions, and the odds/maintain commands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

import asyncpg
import orjson
from cli_proc_kit import run_cli
from history_kit import drift, full_state, sorted_markets

from oddsstore.devtools.batches import make_batch
from oddsstore.models import Platform, RunStatus
from oddsstore.reads import OddsRepository
from oddsstore.repositories import ScrapeRunsRepository
from oddsstore.storage.batch import store_batch
from oddsstore.storage.maintenance import maintain

Conn: TypeAlias = "asyncpg.Connection[Any]"
PARENTS = ("odds_history", "odds_snapshots", "competitor_odds_snapshots", "event_scrape_status")


async def _partitions(conn: Conn) -> set[str]:
    rows = await conn.fetch(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = ANY($1::text[])",
        list(PARENTS),
    )
    return {r["relname"] for r in rows}


def _names(day: datetime) -> set[str]:
    return {f"{p}_{day:%Y%m%d}" for p in PARENTS}


async def _run(conn: Conn) -> int:
    return (await ScrapeRunsRepository(conn).create(trigger="test")).id


async def test_partitions_are_created_ahead(conn: Conn) -> None:
    result = await maintain(conn, retention_days=0, days_ahead=10)
    today = datetime.now(UTC)
    present = await _partitions(conn)
    for d in range(-1, 11):
        assert _names(today + timedelta(days=d)) <= present, d
    assert result.partitions_created == 4 * 3  # the migration made a week ahead; 3 more days now
    again = await maintain(conn, retention_days=0, days_ahead=10)
    assert again.partitions_created == 0 and again.partitions_dropped == ()


async def test_a_batch_for_a_day_without_partition_creates_it_in_its_transaction(conn: Conn) -> None:
    far = datetime(2031, 5, 17, 10, 0, tzinfo=UTC)
    assert not _names(far) & await _partitions(conn)
    result = await store_batch(
        conn, make_batch(seed=2, events=2, markets_per_snapshot=3, now=far), await _run(conn)
    )
    assert result.snapshots_created == 6 and result.history_rows == 18
    assert _names(far) <= await _partitions(conn)
    assert await conn.fetchval("SELECT count(*) FROM odds_history_20310517") == 18
    # and a failed store leaves no partition behind: DDL is part of the transaction
    later = datetime(2031, 6, 2, 10, 0, tzinfo=UTC)
    tx = conn.transaction()
    await tx.start()
    await store_batch(conn, make_batch(seed=2, events=1, markets_per_snapshot=1, now=later), await _run(conn))
    await tx.rollback()
    assert not _names(later) & await _partitions(conn)


async def test_retention_drops_old_partitions_and_keeps_current_odds_and_later_reads(conn: Conn) -> None:
    now = datetime(2030, 4, 20, 12, 0, tzinfo=UTC)
    old = make_batch(seed=4, events=3, markets_per_snapshot=10, now=now - timedelta(days=40))
    older_only = make_batch(
        seed=5, events=1, first_index=5000, markets_per_snapshot=4, now=now - timedelta(days=39)
    )
    recent = drift(old, seed=6, now=now - timedelta(days=1), change=0.2)
    runs = [await _run(conn) for _ in range(3)]
    for run_id, batch in zip(runs, (old, older_only, recent), strict=True):
        await store_batch(conn, batch, run_id)
        await ScrapeRunsRepository(conn).finish(run_id=run_id, status=RunStatus.COMPLETED)
    await conn.execute(
        "UPDATE scrape_runs SET started_at = $2 WHERE id = $1", runs[0], now - timedelta(days=40)
    )
    await conn.execute(
        "UPDATE scrape_runs SET started_at = $2 WHERE id = $1", runs[1], now - timedelta(days=39)
    )
    await conn.execute(
        "UPDATE scrape_runs SET started_at = $2 WHERE id = $1", runs[2], now - timedelta(days=1)
    )
    current_before = await conn.fetch("SELECT * FROM current_odds ORDER BY event_id, bookmaker_id, key_id")
    repo = OddsRepository(conn)

    result = await maintain(conn, retention_days=30, now=now)

    assert result.cutoff == datetime(2030, 3, 21, tzinfo=UTC)
    dropped = set(result.partitions_dropped)
    assert _names(now - timedelta(days=40)) | _names(now - timedelta(days=39)) <= dropped
    assert not _names(now - timedelta(days=1)) & dropped
    assert not dropped & await _partitions(conn)
    assert result.runs_deleted == 2
    assert [r["id"] for r in await conn.fetch("SELECT id FROM scrape_runs ORDER BY id")] == [runs[2]]
    assert result.checkpoint_rows > 0  # unchanged markets carried to the recent run's snapshot
    assert (
        await conn.fetch("SELECT * FROM current_odds ORDER BY event_id, bookmaker_id, key_id")
        == current_before
    )
    # the recent run still reads back whole; before the cut nothing is left to read
    for event in recent.events:
        read = await repo.as_of(sportradar_id=event.sportradar_id, at=now)
        for (sr, platform), markets in full_state(recent).items():
            if sr == event.sportradar_id:
                assert read[platform].scrape_run_id == runs[2]
                assert sorted_markets(read[platform].markets) == sorted_markets(markets.values())
        assert await repo.as_of(sportradar_id=event.sportradar_id, at=now - timedelta(days=35)) == {}
    # the event only scraped long ago keeps its closing line in current odds
    gone = older_only.events[0].sportradar_id
    now_read = await repo.current(sportradar_id=gone)
    assert now_read == {}  # its snapshots were dropped with their partitions ...
    kept = await conn.fetchval(
        "SELECT count(*) FROM current_odds c JOIN events e ON e.id = c.event_id AND c.bookmaker_id = 1"
        " WHERE e.sportradar_id = $1",
        gone,
    )
    assert kept == 4  # ... but current_odds still holds its last prices


async def test_retention_zero_keeps_everything(conn: Conn) -> None:
    old = make_batch(seed=4, events=1, markets_per_snapshot=2, now=datetime(2020, 1, 5, tzinfo=UTC))
    await store_batch(conn, old, await _run(conn))
    before = await _partitions(conn)
    result = await maintain(conn, retention_days=0)
    assert result.cutoff is None and result.partitions_dropped == ()
    assert before <= await _partitions(conn)
    assert await conn.fetchval("SELECT count(*) FROM odds_history") == 6


async def test_the_odds_command(db_dsn: str) -> None:
    t0 = datetime(2026, 9, 1, 10, 0, tzinfo=UTC)
    first = make_batch(seed=7, events=1, markets_per_snapshot=5, now=t0)
    second = drift(first, seed=8, now=t0 + timedelta(minutes=5), change=0.5)
    conn: Conn = await asyncpg.connect(db_dsn)
    try:
        runs = [await _run(conn), await _run(conn)]
        await store_batch(conn, first, runs[0])
        await store_batch(conn, second, runs[1])
    finally:
        await conn.close()
    sr = first.events[0].sportradar_id

    done = run_cli("odds", sr, "--at", "2026-09-01T10:02:00Z", "--json", "--dsn", db_dsn)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.strip().splitlines()) == 1
    data = orjson.loads(done.stdout)
    assert data["sportradar_id"] == sr
    assert data["at"] == "2026-09-01T10:02:00+00:00"
    assert list(data["sites"]) == ["betpawa", "sportybet", "bet9ja"]
    state = full_state(first)
    for platform in Platform:
        site = data["sites"][platform.value]
        assert site["run_id"] == runs[0]
        assert site["captured_at"] == t0.isoformat()
        expected = [
            {
                "market_id": m.market_id,
                "market_name": m.market_name,
                "line": m.line,
                "handicap_type": m.handicap_type,
                "handicap_home": m.handicap_home,
                "handicap_away": m.handicap_away,
                "outcomes": [{"name": o.name, "odds": o.odds, "is_active": o.is_active} for o in m.outcomes],
            }
            for m in sorted_markets(state[(sr, platform)].values())
        ]
        key = lambda m: (m["market_id"], repr(m["line"]))  # noqa: E731
        assert sorted(site["markets"], key=key) == sorted(expected, key=key)

    now = run_cli("odds", sr, "--site", "bet9ja", "--json", "--dsn", db_dsn)
    assert now.returncode == 0, now.stderr
    assert list(orjson.loads(now.stdout)["sites"]) == ["bet9ja"]
    assert orjson.loads(now.stdout)["sites"]["bet9ja"]["run_id"] == runs[1]

    table = run_cli("odds", sr, "--dsn", db_dsn)
    assert table.returncode == 0 and "betpawa: run" in table.stdout

    for args, needle in (
        (("odds", "sr:match:404"), "no stored run of sr:match:404"),
        (("odds", sr, "--at", "2026-09-01T09:00:00Z"), "at or before 2026-09-01T09:00:00+00:00"),
    ):
        missing = run_cli(*args, "--dsn", db_dsn)
        assert missing.returncode == 1
        assert needle in missing.stderr
        assert "Traceback" not in missing.stderr
    bad = run_cli("odds", sr, "--at", "yesterday", "--dsn", db_dsn)
    assert bad.returncode == 2 and "ISO 8601" in bad.stderr and "Traceback" not in bad.stderr


def test_the_maintain_command(db_dsn: str) -> None:
    done = run_cli("maintain", "--retention-days", "30", "--days-ahead", "9", "--json", "--dsn", db_dsn)
    assert done.returncode == 0, done.stderr
    data = orjson.loads(done.stdout)
    assert data["partitions_created"] == 4 * 2
    assert data["cutoff"] is not None and data["partitions_dropped"] == []
    yesterday = datetime.now(UTC) - timedelta(days=1)
    assert data["partitions_compacted"] == [f"odds_history_{yesterday:%Y%m%d}"]  # closed, not compacted yet
    text = run_cli("maintain", "--retention-days", "0", "--compact", "3", "--dsn", db_dsn)
    assert text.returncode == 0 and "retention off" in text.stdout
    assert "history partitions compacted: 0" in text.stdout  # yesterday's is done, older ones none
    for bad_args in (("--retention-days", "-1"), ("--compact", "-1")):
        bad = run_cli("maintain", *bad_args, "--dsn", db_dsn)
        assert bad.returncode == 2 and "must be >= 0" in bad.stderr


async def _history(conn: Conn, table: str) -> list[tuple[Any, ...]]:
    rows = await conn.fetch(
        f"SELECT event_id, bookmaker_id, key_id, captured_at, scrape_run_id, shape_id, odds FROM {table}"
        " ORDER BY ctid"
    )
    return [tuple(r) for r in rows]


async def test_compaction_sorts_a_closed_day_and_every_read_stays_the_same(conn: Conn) -> None:
    now = datetime(2030, 6, 11, 9, 0, tzinfo=UTC)
    day = now - timedelta(days=1)
    first = make_batch(seed=7, events=4, markets_per_snapshot=8, now=day.replace(hour=10))
    batches = [first, drift(first, seed=8, now=day.replace(hour=16), change=0.5)]
    batches.append(drift(batches[-1], seed=9, now=day.replace(hour=22), change=0.5))
    batches.append(drift(batches[-1], seed=10, now=now - timedelta(hours=1), change=0.5))  # today
    for batch in batches:
        await store_batch(conn, batch, await _run(conn))
    part = f"odds_history_{day:%Y%m%d}"
    before = await _history(conn, part)
    assert len(before) > 100 and before != sorted(before, key=lambda r: r[:5])  # time order, not event order
    repo = OddsRepository(conn)
    moments = [day.replace(hour=h) for h in (11, 17, 23)] + [now]
    events = [e.sportradar_id for e in first.events]
    reads = [await repo.as_of(sportradar_id=sr, at=at) for sr in events for at in moments]
    today_rows = await _history(conn, f"odds_history_{now:%Y%m%d}")

    result = await maintain(conn, retention_days=30, now=now)

    assert result.partitions_compacted == (part,) and result.compact_ms > 0
    after = await _history(conn, part)
    assert after == sorted(before, key=lambda r: r[:5])  # the same rows, in (event, site, key, time) order
    assert await _history(conn, f"odds_history_{now:%Y%m%d}") == today_rows  # today's day is not over
    assert [await repo.as_of(sportradar_id=sr, at=at) for sr in events for at in moments] == reads
    bounds = await conn.fetchval(
        "SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class c WHERE c.relname = $1", part
    )
    assert bounds == f"FOR VALUES FROM ('{day:%Y-%m-%d} 00:00:00+00') TO ('{now:%Y-%m-%d} 00:00:00+00')"
    indexed = {
        r["indexdef"].split(" USING ")[1]
        for r in await conn.fetch("SELECT indexdef FROM pg_indexes WHERE tablename = $1", part)
    }
    assert indexed == {"btree (event_id, bookmaker_id, key_id)", "brin (scrape_run_id)"}
    assert (await maintain(conn, retention_days=30, now=now)).partitions_compacted == ()  # done once
    # a late write to the compacted day still lands there
    late = drift(batches[0], seed=11, now=day.replace(hour=12), change=1.0)
    assert (await store_batch(conn, late, await _run(conn))).history_rows > 0
    assert len(await _history(conn, part)) > len(after)


async def test_compaction_off_and_a_bad_partition_name(conn: Conn) -> None:
    now = datetime(2030, 7, 2, 9, 0, tzinfo=UTC)
    await store_batch(
        conn,
        make_batch(seed=3, events=2, markets_per_snapshot=3, now=now - timedelta(days=1)),
        await _run(conn),
    )
    assert (await maintain(conn, retention_days=0, compact=0, now=now)).partitions_compacted == ()
    assert (await maintain(conn, retention_days=0, now=now)).partitions_compacted == (
        f"odds_history_{now - timedelta(days=1):%Y%m%d}",
    )
    try:
        await conn.fetchval("SELECT oddsstore_compact_history('odds_snapshots_20300701')")
    except asyncpg.RaiseError as exc:
        assert "not a day partition of odds_history" in str(exc)
    else:
        raise AssertionError("a snapshot partition was compacted")
