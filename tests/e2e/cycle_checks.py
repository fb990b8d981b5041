"""Checks shared by the whole-cycle tests: progress order, and what the database holds for a run."""

from __future__ import annotations

from collections import Counter
from typing import Any

import attrs
from history_sql import SNAPSHOT_MARKETS

from oddsstore.progress import BatchComplete, BatchStart, EventScraped, EventScraping, ProgressEvent


def check_order(events: list[ProgressEvent]) -> None:
    """START, DISCOVERY, QUEUE, then per batch START < its events < COMPLETE; batches complete in order."""
    types = [e.type for e in events]
    assert types[:3] == ["CYCLE_START", "DISCOVERY_COMPLETE", "QUEUE_BUILT"]
    assert types[-1] == "CYCLE_COMPLETE"
    started: set[int] = set()
    scraping: set[str] = set()
    scraped: set[str] = set()
    scraped_in: Counter[int] = Counter()
    completed: list[int] = []
    for e in events[3:-1]:
        if isinstance(e, BatchStart):
            assert e.batch_index not in started
            started.add(e.batch_index)
        elif isinstance(e, EventScraping):
            assert e.batch_index in started and e.batch_index not in completed
            assert e.sportradar_id not in scraping
            scraping.add(e.sportradar_id)
        elif isinstance(e, EventScraped):
            assert e.sportradar_id in scraping and e.sportradar_id not in scraped
            scraped.add(e.sportradar_id)
            scraped_in[e.batch_index] += 1
        elif isinstance(e, BatchComplete):
            assert scraped_in[e.batch_index] == e.events
            completed.append(e.batch_index)
        else:
            raise AssertionError(f"unexpected {e.type} inside the batches")
    assert completed == list(range(len(completed)))
    assert scraping == scraped


@attrs.frozen
class RunRows:
    status_rows: int
    completed: int
    failed: int
    distinct_events: int
    snapshots: int
    markets: int  # markets held by the run's snapshots, read from the history
    history_rows: int


async def run_rows(conn: Any, run_id: int) -> RunRows:
    """Count what the database holds for one run (straight SQL: the test's own view of the rows)."""
    row = await conn.fetchrow(
        f"""
        SELECT
          (SELECT count(*) FROM event_scrape_status WHERE scrape_run_id = $1) AS status_rows,
          (SELECT count(*) FROM event_scrape_status WHERE scrape_run_id = $1 AND status = 'completed')
            AS completed,
          (SELECT count(*) FROM event_scrape_status WHERE scrape_run_id = $1 AND status = 'failed') AS failed,
          (SELECT count(DISTINCT sportradar_id) FROM event_scrape_status WHERE scrape_run_id = $1)
            AS distinct_events,
          (SELECT count(*) FROM odds_snapshots WHERE scrape_run_id = $1)
            + (SELECT count(*) FROM competitor_odds_snapshots WHERE scrape_run_id = $1) AS snapshots,
          (SELECT count(*) FROM ({SNAPSHOT_MARKETS}) AS m WHERE m.scrape_run_id = $1) AS markets,
          (SELECT count(*) FROM odds_history WHERE scrape_run_id = $1) AS history_rows
        """,
        run_id,
    )
    return RunRows(**dict(row))
