"""The tests' own SQL view of the change-only history (written here, not taken from the library).

``SNAPSHOT_MARKETS`` gives, for every snapshot, the markets it holds: the keys whose latest history
row at or before the snapshot's position (captured_at, run) is open. ``markets_held`` counts them,
for one run or all, so a test can check what a full snapshot would have stored without the library's
read path.
"""

from __future__ import annotations

from typing import Any

SNAPSHOTS = """
    SELECT 1::smallint AS bookmaker_id, s.event_id AS owner_id, s.scrape_run_id, s.captured_at
    FROM odds_snapshots AS s
    UNION ALL
    SELECT b.id, s.competitor_event_id, s.scrape_run_id, s.captured_at
    FROM competitor_odds_snapshots AS s
    JOIN competitor_events AS c ON c.id = s.competitor_event_id
    JOIN bookmakers AS b ON b.slug = c.source
"""

SNAPSHOT_MARKETS = f"""
    SELECT s.bookmaker_id, s.owner_id, s.scrape_run_id, s.captured_at, x.key_id, x.shape_id, x.odds
    FROM ({SNAPSHOTS}) AS s
    CROSS JOIN LATERAL (
        SELECT DISTINCT ON (h.key_id) h.key_id, h.shape_id, h.odds
        FROM odds_history AS h
        WHERE h.event_id = s.owner_id AND h.bookmaker_id = s.bookmaker_id
          AND (h.captured_at, h.scrape_run_id) <= (s.captured_at, s.scrape_run_id)
        ORDER BY h.key_id, h.captured_at DESC, h.scrape_run_id DESC
    ) AS x
    WHERE x.shape_id IS NOT NULL
"""


async def markets_held(conn: Any, run_id: int | None = None, *, betpawa: bool | None = None) -> int:
    """Markets held by the snapshots of ``run_id`` (all runs when None); ``betpawa`` True/False: only
    BetPawa's / only the competitors'."""
    where = ["($1::bigint IS NULL OR m.scrape_run_id = $1)"]
    if betpawa is not None:
        where.append("m.bookmaker_id = 1" if betpawa else "m.bookmaker_id <> 1")
    value = await conn.fetchval(
        f"SELECT count(*) FROM ({SNAPSHOT_MARKETS}) AS m WHERE {' AND '.join(where)}", run_id
    )
    return int(value)


async def history_rows(conn: Any, run_id: int | None = None) -> int:
    value = await conn.fetchval(
        "SELECT count(*) FROM odds_history WHERE $1::bigint IS NULL OR scrape_run_id = $1", run_id
    )
    return int(value)


# Every market held by every snapshot, with its key's columns (for tests that look at market ids).
SNAPSHOT_MARKET_KEYS = f"""
    SELECT m.*, k.market_id, k.line
    FROM ({SNAPSHOT_MARKETS}) AS m JOIN market_keys AS k ON k.id = m.key_id
"""
