"""A cycle's discovery step: a site that lost some competition pages, a run row that cannot be written."""

from __future__ import annotations

from typing import Any

import asyncpg
from test_cycle_pipeline import BP, SB, FakeSite, coordinator, run

from oddsstore.clients import Discovery
from oddsstore.models import RunStatus
from oddsstore.progress import CycleComplete
from oddsstore.repositories import ScrapeRunsRepository


async def test_a_discovery_that_lost_some_competition_pages_makes_the_run_partial(
    pool: asyncpg.Pool[Any],
) -> None:
    ids = [str(i) for i in range(12)]
    sites = [FakeSite(BP, ids), FakeSite(SB, ids, counts={"competition_failed": 2, "errors": 2})]
    events = await run(coordinator(sites), pool)
    done = events[-1]
    assert isinstance(done, CycleComplete) and done.events_scraped == 12 and done.events_failed == 0
    assert done.status == "partial"
    async with pool.acquire() as conn:
        row = await ScrapeRunsRepository(conn).get(run_id=done.run_id)
    assert row is not None and row.status is RunStatus.PARTIAL


async def test_a_clean_discovery_with_zero_failure_counts_completes(pool: asyncpg.Pool[Any]) -> None:
    ids = [str(i) for i in range(6)]
    sites = [FakeSite(BP, ids), FakeSite(SB, ids, counts={"competition_failed": 0, "competition_ok": 3})]
    done = (await run(coordinator(sites), pool))[-1]
    assert isinstance(done, CycleComplete) and done.status == "completed"


class _Killer(FakeSite):
    """Discovery that terminates every oddsstore backend (the cycle's lock connection among them)."""

    def __init__(self, dsn: str, sr_ids: list[str]) -> None:
        super().__init__(BP, sr_ids)
        self.dsn = dsn
        self.killed = 0

    async def discover(self) -> Discovery:
        admin = await asyncpg.connect(self.dsn)
        try:
            self.killed = int(
                await admin.fetchval(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE application_name = 'oddsstore' AND datname = current_database()"
                )
            )
        finally:
            await admin.close()
        return await super().discover()


async def test_a_lost_connection_while_recording_discovery_does_not_end_the_cycle(
    pool: asyncpg.Pool[Any], db_dsn: str
) -> None:
    site = _Killer(db_dsn, [str(i) for i in range(8)])
    events = await run(coordinator([site]), pool)
    done = events[-1]
    assert site.killed >= 1
    assert isinstance(done, CycleComplete), done
    assert done.status == "completed" and done.events_scraped == 8
    async with pool.acquire() as conn:
        row = await ScrapeRunsRepository(conn).get(run_id=done.run_id)
    assert row is not None and row.status is RunStatus.COMPLETED and row.events_total == 8


async def test_a_cycle_closes_runs_abandoned_by_dead_cycles_but_spares_fresh_ones(
    pool: asyncpg.Pool[Any],
) -> None:
    async with pool.acquire() as conn:
        runs = ScrapeRunsRepository(conn)
        dead = await runs.create(trigger="killed process")
        fresh = await runs.create(trigger="service, lock not asked yet")
        await conn.execute(
            "UPDATE scrape_runs SET heartbeat_at = now() - interval '1 hour' WHERE id = $1", dead.id
        )
    ids = [str(i) for i in range(3)]
    done = (await run(coordinator([FakeSite(BP, ids)]), pool))[-1]
    assert isinstance(done, CycleComplete)
    async with pool.acquire() as conn:
        runs = ScrapeRunsRepository(conn)
        closed, spared = await runs.get(run_id=dead.id), await runs.get(run_id=fresh.id)
    assert closed is not None and closed.status is RunStatus.FAILED
    assert closed.error is not None and closed.error.startswith("abandoned")
    assert spared is not None and spared.status is RunStatus.RUNNING
