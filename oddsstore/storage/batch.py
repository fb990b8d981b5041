"""``store_batch``: one scraped batch into PostgreSQL in one transaction, with one status row per event.

Bulk statements (typed arrays through ``unnest``), in one transaction:

1. the day partitions the batch's times need (a catalogue lookup when they exist, which ``maintain``
   and the migration make the usual case);
2. upsert BetPawa tournaments + events (and link competitor events with the same SportRadar id),
   then competitor tournaments + events;
3. advisory locks on the run and on every (event, site) of the batch, then the stored state
   (``current_odds``) of those (event, site) pairs, read before the batch writes any of it; steps
   1-3 run on the server while Python validates and encodes the markets;
4. insert the snapshots (one per event and site that returned the event), BetPawa then competitors;
5. change detection against the state read in 3, then the history rows (``COPY``) and the
   ``current_odds`` changes: keys first seen copied in, changed ones updated, closed ones deleted
   (see ``oddsstore.storage.history``);
6. insert one ``event_scrape_status`` row per event;
7. refresh the board's projection (``oddsstore.reads.projection``) of every BetPawa event whose
   sportradar id the batch holds, from the ``current_odds`` step 5 left.

Snapshots are unique per (event, site, run) and status rows per (run, event), so storing the same
batch twice for the same run writes nothing the second time and reports zeros.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress

from loguru import logger

from oddsstore.db import Connection
from oddsstore.models import ScrapeBatch, StoreResult
from oddsstore.reads.projection import refresh_board
from oddsstore.repositories.events import EventsRepository
from oddsstore.repositories.history import HistoryRepository, Owner, State
from oddsstore.repositories.scrape_status import ScrapeStatusRepository
from oddsstore.repositories.snapshots import CreatedSnapshot, SnapshotsRepository
from oddsstore.storage.history import BOOKMAKER_IDS, lock_keys, store_changes
from oddsstore.storage.rows import BatchPlan, plan_batch

__all__ = ["store_batch"]


async def store_batch(
    conn: Connection, batch: ScrapeBatch, scrape_run_id: int, *, market_copy: bool | None = None
) -> StoreResult:
    """Store one batch for run ``scrape_run_id`` in one transaction and return what was written.

    ``events_stored`` counts the status rows written, ``snapshots_created`` the snapshots written,
    ``markets_stored`` the markets those snapshots hold (what a full snapshot would have stored, and
    what reading the snapshot back gives) and ``history_rows`` the rows written to ``odds_history``
    (markets first seen, changed, closed or back again); rows that existed already for this run (a
    retried batch) are neither written again nor counted. ``errors`` has one line per failed site,
    per site with refused markets, and per event left out. The transaction nests (as a savepoint) if
    the caller already opened one. ``market_copy`` is accepted for compatibility and has no effect
    (markets are no longer written as one JSON row each).
    """
    del market_copy
    plan = plan_batch(batch)
    async with conn.transaction():
        # The server takes the upserts, the locks and the read of the stored state while Python
        # validates and encodes the markets (both CPUs at work); nothing is written to the history
        # or current_odds before that read.
        prepared = asyncio.ensure_future(_prepare(conn, plan, scrape_run_id))
        try:
            betpawa = await plan.snapshots_cooperatively(plan.betpawa_sites)
            competitors = await plan.snapshots_cooperatively(plan.competitor_sites)
        except BaseException:
            prepared.cancel()
            with suppress(BaseException):
                await prepared
            raise
        event_ids, competitor_ids, stored = await prepared
        betpawa.bind_owners(event_ids)
        competitors.bind_owners(competitor_ids)
        snapshots = SnapshotsRepository(conn)
        created_betpawa: dict[int, CreatedSnapshot] = await snapshots.insert_odds_snapshot_rows(
            run_id=scrape_run_id, snapshots=betpawa.snapshots
        )
        created_competitors = await snapshots.insert_competitor_snapshot_rows(
            run_id=scrape_run_id, snapshots=competitors.snapshots
        )
        history_rows, current_rows = await store_changes(
            conn, scrape_run_id, [(betpawa, created_betpawa), (competitors, created_competitors)], stored
        )
        written = await ScrapeStatusRepository(conn).insert_statuses(
            run_id=scrape_run_id, rows=plan.status_columns()
        )
        await refresh_board(conn, [e.sportradar_id for e in batch.events])
    result = StoreResult(
        events_stored=len(written),
        snapshots_created=len(created_betpawa) + len(created_competitors),
        markets_stored=betpawa.markets_of(created_betpawa) + competitors.markets_of(created_competitors),
        history_rows=history_rows,
        current_rows=current_rows,
        errors=tuple(plan.errors),
    )
    logger.debug(
        "batch {} stored for run {}: {} events, {} snapshots, {} markets, {} history rows, {} errors",
        batch.batch_index,
        scrape_run_id,
        result.events_stored,
        result.snapshots_created,
        result.markets_stored,
        result.history_rows,
        len(result.errors),
    )
    return result


async def _prepare(
    conn: Connection, plan: BatchPlan, run_id: int
) -> tuple[dict[str, int], dict[tuple[str, str], int], dict[Owner, dict[int, State]]]:
    """Partitions, event upserts, advisory locks on the run and every (event, site) of the batch, and
    the stored state of those (event, site) pairs, read before the batch writes any of it."""
    history = HistoryRepository(conn)
    await history.ensure_partitions_for(
        times=[site.status.event.scraped_at for site in plan.betpawa_sites + plan.competitor_sites]
    )
    events = EventsRepository(conn)
    event_ids = await events.upsert_events(rows=plan.events)
    competitor_ids = await events.upsert_competitor_events(rows=plan.competitor_events)
    owners = [(event_ids[site.key], BOOKMAKER_IDS[site.platform]) for site in plan.betpawa_sites]
    owners += [(competitor_ids[site.key], BOOKMAKER_IDS[site.platform]) for site in plan.competitor_sites]
    await history.lock(keys=lock_keys(run_id, owners))
    return event_ids, competitor_ids, await history.current_state(events=owners)
