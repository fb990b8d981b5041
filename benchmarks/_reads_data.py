"""The reads benchmark's database: 48 hours of 5-minute cycles of the 1,300-event board, drifting.

The first cycle goes through ``store_batch`` (26 batches of ``make_batch``'s 50 events x 3 sites x 167
markets). Every later cycle is written in bulk: one ``scrape_runs`` row (finished), its snapshots and
status rows (the first cycle's, moved to the run's time, in their day partitions), and a history row
for every market whose state moved: in each cycle a share ``drift`` of all markets takes another of
``VARIANTS`` price sets (its prices x per-variant factors, an outcome now and then suspended),
encoded by the library's ``encode_odds``. ``current_odds`` is then the final state of every market.
The generator keeps that state itself (``Board``), so the checks compare the database with figures
computed here, never with what the library reads back.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import attrs

from oddsstore.devtools.batches import make_batch
from oddsstore.models import Platform, RunStatus, ScrapeBatch
from oddsstore.repositories.bookmakers import BOOKMAKER_IDS
from oddsstore.repositories.odds_codec import encode_odds
from oddsstore.repositories.scrape_runs import ScrapeRunsRepository
from oddsstore.storage.batch import store_batch

CYCLE = timedelta(minutes=5)
BATCH_SPACING = timedelta(seconds=2)  # a cycle's 26 batches are captured 2 s apart
BATCHES = 26
EVENTS_PER_BATCH = 50
VARIANTS = 16

Key = tuple[str, float | None, str | None, float | None, float | None]
Signed = tuple[float, ...]

_RNG = random.Random(2026)
# Variant 0 is the first cycle's prices; variant v > 0 multiplies outcome j's price by _FACTORS[v][j]
# (0.90-0.98 or 1.02-1.10, two decimals, at least 1.01) and suspends it when _SUSPENDED[v][j].
_FACTORS = [[1.0] * 3] + [
    [_RNG.choice((-1, 1)) * _RNG.uniform(0.02, 0.10) + 1.0 for _ in range(3)] for _ in range(VARIANTS - 1)
]
_SUSPENDED = [[False] * 3] + [[_RNG.random() < 0.03 for _ in range(3)] for _ in range(VARIANTS - 1)]


@attrs.define(slots=True)
class Board:
    """Every market of the board (parallel lists, one position per market) and its current state."""

    sportradar_id: list[str] = attrs.field(factory=list)
    platform: list[Platform] = attrs.field(factory=list)
    key: list[Key] = attrs.field(factory=list)
    names: list[tuple[str, ...]] = attrs.field(factory=list)
    base: list[Signed] = attrs.field(factory=list)
    batch: list[int] = attrs.field(factory=list)
    owner: list[int] = attrs.field(factory=list)  # events.id / competitor_events.id
    key_id: list[int] = attrs.field(factory=list)
    shape_id: list[int] = attrs.field(factory=list)
    variant: list[int] = attrs.field(factory=list)
    odds: list[bytes] = attrs.field(factory=list)
    changed_at: list[datetime] = attrs.field(factory=list)
    first_seen: list[datetime] = attrs.field(factory=list)
    by_event: dict[str, list[int]] = attrs.field(factory=dict)

    def prices(self, m: int, variant: int | None = None) -> Signed:
        """Market ``m``'s signed prices (inactive negated) in ``variant`` (default: its current one)."""
        v = self.variant[m] if variant is None else variant
        if v == 0:
            return self.base[m]
        factors, suspended = _FACTORS[v], _SUSPENDED[v]
        out = []
        for j, b in enumerate(self.base[m]):
            p = max(1.01, round(abs(b) * factors[j], 2))
            out.append(-p if suspended[j] else p)
        return tuple(out)


def board_batches(kickoff_anchor: datetime, first_capture: datetime) -> list[ScrapeBatch]:
    """The board's 26 batches: kickoffs 1-72 h after ``kickoff_anchor``, batch b captured at
    ``first_capture + b * BATCH_SPACING``."""
    batches = []
    for b in range(BATCHES):
        batch = make_batch(
            seed=b + 1,
            events=EVENTS_PER_BATCH,
            first_index=1000 + b * EVENTS_PER_BATCH,
            now=kickoff_anchor,
            batch_index=b,
        )
        at = first_capture + b * BATCH_SPACING
        batches.append(
            attrs.evolve(batch, events=tuple(attrs.evolve(e, scraped_at=at) for e in batch.events))
        )
    return batches


def capture_times(start: datetime, run: int) -> list[datetime]:
    return [start + run * CYCLE + b * BATCH_SPACING for b in range(BATCHES)]


async def _catalogues(conn: asyncpg.Connection[Any]) -> tuple[dict[Key, int], dict[Any, int], dict[Any, int]]:
    keys = {
        (r["market_id"], r["line"], r["handicap_type"], r["handicap_home"], r["handicap_away"]): r["id"]
        for r in await conn.fetch("SELECT * FROM market_keys")
    }
    shapes = {
        (r["market_name"], tuple(r["outcome_names"]), None if r["groups"] is None else tuple(r["groups"])): r[
            "id"
        ]
        for r in await conn.fetch("SELECT * FROM market_shapes")
    }
    owners: dict[Any, int] = {
        (Platform.BETPAWA, r["sportradar_id"]): r["id"]
        for r in await conn.fetch("SELECT id, sportradar_id FROM events")
    }
    for r in await conn.fetch("SELECT id, source, sportradar_id FROM competitor_events"):
        owners[(Platform(r["source"]), r["sportradar_id"])] = r["id"]
    return keys, shapes, owners


async def store_first_cycle(
    conn: asyncpg.Connection[Any], batches: Sequence[ScrapeBatch], start: datetime
) -> tuple[int, Board]:
    """The first cycle through ``store_batch`` under a finished run at ``start``; the board it holds."""
    runs = ScrapeRunsRepository(conn)
    run = await runs.create(trigger="bench-reads")
    for batch in batches:
        await store_batch(conn, batch, run.id)
    await runs.finish(run_id=run.id, status=RunStatus.COMPLETED, events_total=BATCHES * EVENTS_PER_BATCH)
    await conn.execute(
        "UPDATE scrape_runs SET started_at = $2, heartbeat_at = $3, finished_at = $3 WHERE id = $1",
        run.id,
        start,
        start + BATCHES * BATCH_SPACING,
    )
    await conn.execute(
        "UPDATE event_scrape_status SET created_at = $2 WHERE scrape_run_id = $1", run.id, start
    )
    keys, shapes, owners = await _catalogues(conn)
    board = Board()
    for b, batch in enumerate(batches):
        for event in batch.events:
            for result in event.results:
                assert result.odds is not None
                for market in result.odds.markets:
                    m = len(board.key)
                    names = tuple(o.name for o in market.outcomes)
                    board.sportradar_id.append(event.sportradar_id)
                    board.platform.append(result.platform)
                    key = (
                        market.market_id,
                        market.line,
                        market.handicap_type,
                        market.handicap_home,
                        market.handicap_away,
                    )
                    board.key.append(key)
                    board.names.append(names)
                    signed = tuple(o.odds if o.is_active else -o.odds for o in market.outcomes)
                    board.base.append(signed)
                    board.batch.append(b)
                    board.owner.append(owners[(result.platform, event.sportradar_id)])
                    board.key_id.append(keys[key])
                    groups = None if market.groups is None else tuple(market.groups)
                    board.shape_id.append(shapes[(market.market_name, names, groups)])
                    board.variant.append(0)
                    board.odds.append(encode_odds(signed))
                    assert event.scraped_at is not None
                    board.changed_at.append(event.scraped_at)
                    board.first_seen.append(event.scraped_at)
                    board.by_event.setdefault(event.sportradar_id, []).append(m)
    return run.id, board


def drift_cycle(
    board: Board, rng: random.Random, drift: float, run_id: int, times: Sequence[datetime]
) -> list[tuple[Any, ...]]:
    """One later cycle: a share ``drift`` of the markets take another variant; their history rows."""
    n = len(board.key)
    rows: list[tuple[Any, ...]] = []
    variant, odds, batch = board.variant, board.odds, board.batch
    for m in sorted(rng.sample(range(n), round(n * drift))):
        new_variant = (variant[m] + 1 + rng.randrange(VARIANTS - 1)) % VARIANTS
        new = encode_odds(board.prices(m, new_variant))
        variant[m] = new_variant
        if new == odds[m]:
            continue  # the rounded prices came out the same: no change, no row
        odds[m] = new
        at = times[batch[m]]
        board.changed_at[m] = at
        rows.append(
            (
                board.owner[m],
                at,
                run_id,
                board.key_id[m],
                board.shape_id[m],
                BOOKMAKER_IDS[board.platform[m]],
                new,
            )
        )
    return rows


_HISTORY_COLUMNS = ("event_id", "captured_at", "scrape_run_id", "key_id", "shape_id", "bookmaker_id", "odds")

_NEW_RUNS = """
INSERT INTO scrape_runs (status, trigger, started_at, heartbeat_at, finished_at, events_total, events_scraped,
                         events_failed, snapshots_created, markets_stored, history_rows)
SELECT 'completed', 'bench-reads', t, t + $3::interval, t + $3::interval, r.events_total, r.events_scraped,
       0, r.snapshots_created, r.markets_stored, 0
FROM generate_series($2::timestamptz, $2::timestamptz + ($4 - 1) * interval '5 minutes', interval '5 minutes')
    AS g (t)
CROSS JOIN (SELECT * FROM scrape_runs WHERE id = $1) AS r
ORDER BY t
RETURNING id, started_at
"""

_COPY_SNAPSHOTS = """
INSERT INTO {table} ({owner}, scrape_run_id, captured_at, timing_ms, markets_seen, markets_mapped,
                     markets_stored, markets_skipped, markets_rejected)
SELECT s.{owner}, r.id, s.captured_at + (r.started_at - $2), s.timing_ms, s.markets_seen, s.markets_mapped,
       s.markets_stored, s.markets_skipped, s.markets_rejected
FROM {table} AS s CROSS JOIN scrape_runs AS r
WHERE s.scrape_run_id = $1 AND r.id <> $1
"""

_COPY_STATUS = """
INSERT INTO event_scrape_status (sportradar_id, scrape_run_id, created_at, status, platforms_requested,
                                 platforms_scraped, platforms_failed, timing_ms, error_details)
SELECT s.sportradar_id, r.id, r.started_at, s.status, s.platforms_requested, s.platforms_scraped,
       s.platforms_failed, s.timing_ms, s.error_details
FROM event_scrape_status AS s CROSS JOIN scrape_runs AS r
WHERE s.scrape_run_id = $1 AND r.id <> $1
"""


async def later_runs(
    conn: asyncpg.Connection[Any], first_run: int, start: datetime, cycles: int
) -> list[int]:
    """Runs 2..cycles (finished, the first run's counters), their partitions, snapshots and status rows."""
    days = sorted({(start + i * CYCLE).date() for i in range(cycles)} | {(start + cycles * CYCLE).date()})
    await conn.execute("SELECT oddsstore_ensure_partitions($1::date[])", days)
    rows = await conn.fetch(_NEW_RUNS, first_run, start + CYCLE, BATCHES * BATCH_SPACING, cycles - 1)
    ids = [r["id"] for r in sorted(rows, key=lambda r: r["started_at"])]
    await conn.execute(_COPY_SNAPSHOTS.format(table="odds_snapshots", owner="event_id"), first_run, start)
    await conn.execute(
        _COPY_SNAPSHOTS.format(table="competitor_odds_snapshots", owner="competitor_event_id"),
        first_run,
        start,
    )
    await conn.execute(_COPY_STATUS, first_run)
    return ids


async def copy_history(conn: asyncpg.Connection[Any], rows: list[tuple[Any, ...]]) -> None:
    await conn.copy_records_to_table("odds_history", records=rows, columns=_HISTORY_COLUMNS)


async def rewrite_current(conn: asyncpg.Connection[Any], board: Board) -> None:
    """``current_odds`` = the board's final state of every market."""
    await conn.execute("TRUNCATE current_odds")
    await conn.copy_records_to_table(
        "current_odds",
        records=_current_rows(board),
        columns=("event_id", "bookmaker_id", "key_id", "shape_id", "odds", "first_seen", "last_changed"),
    )


def _current_rows(board: Board) -> Iterator[tuple[Any, ...]]:
    for m in range(len(board.key)):
        yield (
            board.owner[m],
            BOOKMAKER_IDS[board.platform[m]],
            board.key_id[m],
            board.shape_id[m],
            board.odds[m],
            board.first_seen[m],
            board.changed_at[m],
        )


def event_state(
    board: Board, sportradar_id: str
) -> dict[Platform, dict[Key, tuple[tuple[str, ...], Signed]]]:
    """The event's markets per site in the board's current state: key -> (outcome names, signed prices)."""
    out: dict[Platform, dict[Key, tuple[tuple[str, ...], Signed]]] = {}
    for m in board.by_event[sportradar_id]:
        out.setdefault(board.platform[m], {})[board.key[m]] = (board.names[m], board.prices(m))
    return out
