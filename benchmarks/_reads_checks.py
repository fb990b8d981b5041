"""The reads benchmark's checks of the database it built, against the generator's own state
(``_reads_data.Board``) and the runs it wrote; each returns the problems it found (none: empty)."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

import asyncpg
from _reads_data import Board

from oddsstore.reads import OddsRepository
from oddsstore.reads.common import key_of

_LATEST_VS_CURRENT = """
WITH latest AS (
    SELECT DISTINCT ON (h.event_id, h.bookmaker_id, h.key_id) h.event_id, h.bookmaker_id, h.key_id,
           h.shape_id, h.odds, h.captured_at
    FROM odds_history AS h WHERE h.event_id = ANY ($1::bigint[])
    ORDER BY h.event_id, h.bookmaker_id, h.key_id, h.captured_at DESC, h.scrape_run_id DESC
)
SELECT count(*) FILTER (WHERE c.key_id IS NULL OR l.key_id IS NULL OR c.odds <> l.odds
                        OR c.shape_id <> l.shape_id OR c.last_changed <> l.captured_at) AS differing,
       count(*) AS keys
FROM latest AS l
FULL JOIN (SELECT * FROM current_odds WHERE event_id = ANY ($1::bigint[])) AS c
  ON c.event_id = l.event_id AND c.bookmaker_id = l.bookmaker_id AND c.key_id = l.key_id
"""

_REPEATS = """
SELECT count(*) FROM (
    SELECT odds,
           lag(odds) OVER (PARTITION BY event_id, bookmaker_id, key_id ORDER BY captured_at, scrape_run_id)
               AS before
    FROM odds_history WHERE event_id = ANY ($1::bigint[])
) AS x WHERE odds = before
"""

_PER_RUN = """
SELECT r.id, r.history_rows,
       (SELECT count(*) FROM odds_snapshots AS s WHERE s.scrape_run_id = r.id) AS betpawa,
       (SELECT count(*) FROM competitor_odds_snapshots AS s WHERE s.scrape_run_id = r.id) AS competitors,
       (SELECT count(*) FROM event_scrape_status AS s WHERE s.scrape_run_id = r.id) AS statuses
FROM scrape_runs AS r WHERE r.id = ANY ($1::bigint[]) AND r.status = 'completed' AND r.finished_at IS NOT NULL
"""


async def check_history(
    conn: asyncpg.Connection[Any],
    board: Board,
    rng: random.Random,
    run_ids: list[int],
    per_run: dict[int, int],
) -> list[str]:
    """current_odds = the latest history state per key (every site's keys of 300 random event ids), no
    row repeating the state before it, every run finished with its snapshots, status rows and counter."""
    problems: list[str] = []
    sample = rng.sample(sorted(set(board.owner)), 300)
    row = await conn.fetchrow(_LATEST_VS_CURRENT, sample)
    assert row is not None
    if row["differing"] or not row["keys"]:
        problems.append(f"latest history state != current_odds for {row['differing']} of {row['keys']} keys")
    if repeats := await conn.fetchval(_REPEATS, sample):
        problems.append(f"{repeats} history rows repeat the state before them")
    counted = await conn.fetch(_PER_RUN, run_ids)
    if len(counted) != len(run_ids):
        problems.append(f"{len(run_ids) - len(counted)} runs not finished")
    for c in counted:
        if (c["betpawa"], c["competitors"], c["statuses"]) != (1300, 2600, 1300):
            problems.append(
                f"run {c['id']}: {c['betpawa']}, {c['competitors']} snapshots, {c['statuses']} statuses"
            )
        if c["id"] in per_run and c["history_rows"] != per_run[c["id"]]:
            problems.append(f"run {c['id']}: history_rows {c['history_rows']} != {per_run[c['id']]}")
    return problems


async def check_current(conn: asyncpg.Connection[Any], board: Board, when: str) -> list[str]:
    stored = {
        (r["event_id"], r["bookmaker_id"], r["key_id"]): (r["shape_id"], r["odds"])
        for r in await conn.fetch("SELECT event_id, bookmaker_id, key_id, shape_id, odds FROM current_odds")
    }
    ids = {"betpawa": 1, "sportybet": 2, "bet9ja": 3}
    wrong = sum(
        stored.get((board.owner[m], ids[board.platform[m].value], board.key_id[m]))
        != (board.shape_id[m], board.odds[m])
        for m in range(len(board.key))
    )
    if wrong or len(stored) != len(board.key):
        return [f"current_odds {when}: {wrong} of {len(board.key)} markets differ, {len(stored)} rows"]
    return []


async def check_as_of(
    conn: asyncpg.Connection[Any], sr: str, at: datetime, run_id: int, state: Any
) -> list[str]:
    sites = await OddsRepository(conn).as_of(sportradar_id=sr, at=at)
    got = {
        p: {
            key_of(m): (
                tuple(o.name for o in m.outcomes),
                tuple(o.odds if o.is_active else -o.odds for o in m.outcomes),
            )
            for m in s.markets
        }
        for p, s in sites.items()
    }
    problems = []
    if got != state:
        problems.append(f"as_of({sr}, {at.isoformat()}) differs from the generated state")
    if {s.scrape_run_id for s in sites.values()} != {run_id}:
        problems.append(
            f"as_of({sr}, {at.isoformat()}) read runs {sorted(s.scrape_run_id for s in sites.values())}"
        )
    return problems
