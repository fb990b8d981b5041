"""The previous release's ``store_batch`` (before the change-only history), kept as the benchmarks'
full-snapshot baseline: into a database at migration 0001, every market of every snapshot becomes a
row with its outcomes as JSON, through the same steps it took then (validation of every market,
event upserts, snapshots through ``unnest`` with ``ON CONFLICT DO NOTHING``, ``COPY`` of the markets
of the snapshots created, status rows through ``unnest``, one transaction)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import asyncpg
import orjson

from oddsstore.models import ScrapeBatch
from oddsstore.repositories import EventsRepository
from oddsstore.storage.rows import plan_batch
from oddsstore.storage.validation import market_problem

_SNAPSHOTS = {
    table: f"""
INSERT INTO {table}
    ({owner}, scrape_run_id, captured_at, timing_ms, markets_seen, markets_mapped, markets_skipped,
     markets_rejected)
SELECT u.owner_id, $1::bigint, COALESCE(u.captured_at, now()), u.timing_ms, u.markets_seen, u.markets_mapped,
       u.skipped::jsonb, u.rejected::jsonb
FROM unnest($2::bigint[], $3::timestamptz[], $4::int[], $5::int[], $6::int[], $7::text[], $8::text[])
    AS u (owner_id, captured_at, timing_ms, markets_seen, markets_mapped, skipped, rejected)
ON CONFLICT ON CONSTRAINT uq_{table}_event_run DO NOTHING
RETURNING id, {owner} AS owner_id
"""
    for table, owner in (("odds_snapshots", "event_id"), ("competitor_odds_snapshots", "competitor_event_id"))
}
_STATUSES = """
INSERT INTO event_scrape_status
    (scrape_run_id, sportradar_id, status, platforms_requested, platforms_scraped, platforms_failed,
     timing_ms, error_details)
SELECT $1::bigint, u.sportradar_id, u.status, u.requested::jsonb, u.scraped::jsonb, u.failed::jsonb,
       u.timing_ms, u.error_details::jsonb
FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[])
    AS u (sportradar_id, status, requested, scraped, failed, timing_ms, error_details)
ON CONFLICT ON CONSTRAINT uq_event_scrape_status_run_event DO NOTHING
RETURNING sportradar_id
"""
_MARKET_COLUMNS = (
    "snapshot_id",
    "market_id",
    "market_name",
    "line",
    "handicap_type",
    "handicap_home",
    "handicap_away",
    "outcomes",
    "groups",
)


async def store_full_snapshot(conn: asyncpg.Connection[Any], batch: ScrapeBatch, run_id: int) -> int:
    """Store ``batch`` as the previous release did; return the market rows written."""
    dumps = orjson.dumps
    plan = plan_batch(batch)
    written = 0
    async with conn.transaction():
        events = EventsRepository(conn)
        ids: dict[Any, int] = dict(await events.upsert_events(rows=plan.events))
        ids.update(await events.upsert_competitor_events(rows=plan.competitor_events))
        for table, sites in (
            ("odds_snapshots", plan.betpawa_sites),
            ("competitor_odds_snapshots", plan.competitor_sites),
        ):
            rows: list[list[Any]] = [[] for _ in range(7)]
            markets: list[list[tuple[Any, ...]]] = []
            for site in sites:
                rejected: dict[str, int] = {}
                kept: list[tuple[Any, ...]] = []
                for m in site.odds.markets:
                    reason = market_problem(m)
                    if reason is not None:
                        rejected[reason] = rejected.get(reason, 0) + 1
                        continue
                    outcomes = [
                        {"name": o.name, "odds": o.odds, "is_active": o.is_active} for o in m.outcomes
                    ]
                    kept.append(
                        (
                            m.market_id,
                            m.market_name,
                            m.line,
                            m.handicap_type,
                            m.handicap_home,
                            m.handicap_away,
                            dumps(outcomes).decode(),
                            None if m.groups is None else dumps(m.groups).decode(),
                        )
                    )
                markets.append(kept)
                for column, value in zip(
                    rows,
                    (
                        ids[site.key],
                        site.status.event.scraped_at,
                        site.timing_ms,
                        site.odds.markets_seen,
                        site.odds.markets_mapped,
                        dumps(dict(site.odds.skipped)).decode(),
                        dumps(rejected).decode(),
                    ),
                    strict=True,
                ):
                    column.append(value)
            if not sites:
                continue
            created = {r["owner_id"]: r["id"] for r in await conn.fetch(_SNAPSHOTS[table], run_id, *rows)}

            def records(
                owners: list[int] = rows[0],
                kept: list[list[tuple[Any, ...]]] = markets,
                created: dict[int, int] = created,
            ) -> Iterator[tuple[Any, ...]]:
                for owner, site_markets in zip(owners, kept, strict=True):
                    snapshot_id = created.get(owner)
                    if snapshot_id is not None:
                        for market in site_markets:
                            yield (snapshot_id, *market)

            written += sum(len(k) for o, k in zip(rows[0], markets, strict=True) if o in created)
            market_table = "market_odds" if table == "odds_snapshots" else "competitor_market_odds"
            await conn.copy_records_to_table(market_table, records=records(), columns=_MARKET_COLUMNS)
        st = plan.status_columns()
        await conn.fetch(
            _STATUSES,
            run_id,
            st.sportradar_id,
            st.status,
            st.requested_json,
            st.scraped_json,
            st.failed_json,
            st.timing_ms,
            st.error_details_json,
        )
    return written
