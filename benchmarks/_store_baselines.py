"""The three ways ``benchmarks/store.py`` compares ``store_batch`` against, on the same rows and tables.

All three store the batch's snapshots, their markets and the status rows (the rows ``store_batch``
writes besides the event upserts). Event ids are resolved before the clock starts, which favours the
baselines: ``store_batch`` upserts its events inside its own timing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import asyncpg
import orjson
from sqlalchemy import BigInteger, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from oddsstore.models import ALL_PLATFORMS, Market, Platform, ScrapeBatch, SiteResult

OwnerIds = Mapping[tuple[str, str], int]  # (platform slug, sportradar id) -> events.id / competitor_events.id


def _outcomes(market: Market) -> list[dict[str, Any]]:
    return [{"name": o.name, "odds": o.odds, "is_active": o.is_active} for o in market.outcomes]


def _status_row(event: Any) -> tuple[Any, ...]:
    scraped = [r.platform.value for r in event.results if r.odds is not None]
    failed = {r.platform.value: r.error for r in event.results if r.error is not None}
    return (
        event.sportradar_id,
        "completed" if scraped else "failed",
        [p.value for p in event.platforms_requested],
        scraped,
        [p.value for p in ALL_PLATFORMS if p.value in failed],
        event.timing_ms,
        failed or None,
    )


def _sites(batch: ScrapeBatch) -> Iterator[tuple[Any, SiteResult]]:
    for event in batch.events:
        for result in event.results:
            if result.odds is not None:
                yield event, result


# --- (a) one INSERT per row ------------------------------------------------------------------------

_PR_SNAPSHOT = {
    flag: f"INSERT INTO {table} ({owner}, scrape_run_id, captured_at, timing_ms, markets_seen, "
    "markets_mapped, markets_skipped) VALUES ($1, $2, $3, $4, $5, $6, $7::text::jsonb) RETURNING id"
    for flag, table, owner in (
        (True, "odds_snapshots", "event_id"),
        (False, "competitor_odds_snapshots", "competitor_event_id"),
    )
}
_PR_MARKET = {
    flag: f"INSERT INTO {table} (snapshot_id, market_id, market_name, line, handicap_type, handicap_home, "
    "handicap_away, outcomes, groups) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::jsonb, $9::text::jsonb)"
    for flag, table in ((True, "market_odds"), (False, "competitor_market_odds"))
}
_PR_STATUS = (
    "INSERT INTO event_scrape_status (scrape_run_id, sportradar_id, status, platforms_requested, "
    "platforms_scraped, platforms_failed, timing_ms, error_details) "
    "VALUES ($1, $2, $3, $4::text::jsonb, $5::text::jsonb, $6::text::jsonb, $7, $8::text::jsonb)"
)


async def store_per_row(
    conn: asyncpg.Connection[Any], batch: ScrapeBatch, run_id: int, owners: OwnerIds
) -> int:
    """One INSERT statement (one round trip) per snapshot, per market and per status row."""
    rows = 0
    async with conn.transaction():
        for event, result in _sites(batch):
            odds = result.odds
            assert odds is not None
            betpawa = result.platform is Platform.BETPAWA
            snapshot_id = await conn.fetchval(
                _PR_SNAPSHOT[betpawa],
                owners[(result.platform.value, event.sportradar_id)],
                run_id,
                event.scraped_at,
                result.timing_ms,
                odds.markets_seen,
                odds.markets_mapped,
                orjson.dumps(dict(odds.skipped)).decode(),
            )
            for m in odds.markets:
                await conn.execute(
                    _PR_MARKET[betpawa],
                    snapshot_id,
                    m.market_id,
                    m.market_name,
                    m.line,
                    m.handicap_type,
                    m.handicap_home,
                    m.handicap_away,
                    orjson.dumps(_outcomes(m)).decode(),
                    None if m.groups is None else orjson.dumps(m.groups).decode(),
                )
                rows += 1
        for event in batch.events:
            sr, status, req, scr, fail, timing, details = _status_row(event)
            await conn.execute(
                _PR_STATUS,
                run_id,
                sr,
                status,
                orjson.dumps(req).decode(),
                orjson.dumps(scr).decode(),
                orjson.dumps(fail).decode(),
                timing,
                None if details is None else orjson.dumps(details).decode(),
            )
    return rows


# --- (b) SQLAlchemy 2.0 ORM: add_all + flush ---------------------------------------------------------


class Base(DeclarativeBase):
    pass


class _MarketColumns:
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    market_id: Mapped[str] = mapped_column(Text)
    market_name: Mapped[str] = mapped_column(Text)
    line: Mapped[float | None] = mapped_column(Float)
    handicap_type: Mapped[str | None] = mapped_column(String(20))
    handicap_home: Mapped[float | None] = mapped_column(Float)
    handicap_away: Mapped[float | None] = mapped_column(Float)
    outcomes: Mapped[Any] = mapped_column(JSONB)
    groups: Mapped[Any] = mapped_column(JSONB, nullable=True)


class OrmMarketOdds(_MarketColumns, Base):
    __tablename__ = "market_odds"
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("odds_snapshots.id"))


class OrmCompetitorMarketOdds(_MarketColumns, Base):
    __tablename__ = "competitor_market_odds"
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("competitor_odds_snapshots.id"))


class OrmOddsSnapshot(Base):
    __tablename__ = "odds_snapshots"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    event_id: Mapped[int] = mapped_column(BigInteger)
    scrape_run_id: Mapped[int] = mapped_column(BigInteger)
    captured_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    timing_ms: Mapped[int] = mapped_column(Integer)
    markets_seen: Mapped[int] = mapped_column(Integer)
    markets_mapped: Mapped[int] = mapped_column(Integer)
    markets_skipped: Mapped[Any] = mapped_column(JSONB)
    markets: Mapped[list[OrmMarketOdds]] = relationship()


class OrmCompetitorOddsSnapshot(Base):
    __tablename__ = "competitor_odds_snapshots"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    competitor_event_id: Mapped[int] = mapped_column(BigInteger)
    scrape_run_id: Mapped[int] = mapped_column(BigInteger)
    captured_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    timing_ms: Mapped[int] = mapped_column(Integer)
    markets_seen: Mapped[int] = mapped_column(Integer)
    markets_mapped: Mapped[int] = mapped_column(Integer)
    markets_skipped: Mapped[Any] = mapped_column(JSONB)
    markets: Mapped[list[OrmCompetitorMarketOdds]] = relationship()


class OrmEventScrapeStatus(Base):
    __tablename__ = "event_scrape_status"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    scrape_run_id: Mapped[int] = mapped_column(BigInteger)
    sportradar_id: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20))
    platforms_requested: Mapped[Any] = mapped_column(JSONB)
    platforms_scraped: Mapped[Any] = mapped_column(JSONB)
    platforms_failed: Mapped[Any] = mapped_column(JSONB)
    timing_ms: Mapped[int] = mapped_column(Integer)
    error_details: Mapped[Any] = mapped_column(JSONB, nullable=True)


def orm_engine(dsn: str, *, fast_json: bool = False) -> AsyncEngine:
    """An async engine over asyncpg, as the replaced system ran it (SQLAlchemy's default JSON
    serializer, the standard library's ``json``); ``fast_json`` swaps in orjson instead."""

    async def connect() -> asyncpg.Connection[Any]:
        return await asyncpg.connect(dsn)

    json_options: dict[str, Any] = {}
    if fast_json:
        json_options = {
            "json_serializer": lambda v: orjson.dumps(v).decode(),
            "json_deserializer": orjson.loads,
        }
    return create_async_engine("postgresql+asyncpg://", async_creator=connect, **json_options)


async def store_orm(engine: AsyncEngine, batch: ScrapeBatch, run_id: int, owners: OwnerIds) -> int:
    """Build ORM objects for every row, ``add_all`` them and ``flush`` (then commit)."""
    objects: list[Any] = []
    rows = 0
    for event, result in _sites(batch):
        odds = result.odds
        assert odds is not None
        owner = owners[(result.platform.value, event.sportradar_id)]
        common = {
            "scrape_run_id": run_id,
            "captured_at": event.scraped_at,
            "timing_ms": result.timing_ms,
            "markets_seen": odds.markets_seen,
            "markets_mapped": odds.markets_mapped,
            "markets_skipped": dict(odds.skipped),
        }
        market_cls: type[_MarketColumns]
        if result.platform is Platform.BETPAWA:
            snapshot: Any = OrmOddsSnapshot(event_id=owner, **common)
            market_cls = OrmMarketOdds
        else:
            snapshot = OrmCompetitorOddsSnapshot(competitor_event_id=owner, **common)
            market_cls = OrmCompetitorMarketOdds
        snapshot.markets = [
            market_cls(
                market_id=m.market_id,
                market_name=m.market_name,
                line=m.line,
                handicap_type=m.handicap_type,
                handicap_home=m.handicap_home,
                handicap_away=m.handicap_away,
                outcomes=_outcomes(m),
                groups=None if m.groups is None else list(m.groups),
            )
            for m in odds.markets
        ]
        rows += len(odds.markets)
        objects.append(snapshot)
    for event in batch.events:
        sr, status, req, scr, fail, timing, details = _status_row(event)
        objects.append(
            OrmEventScrapeStatus(
                scrape_run_id=run_id,
                sportradar_id=sr,
                status=status,
                platforms_requested=req,
                platforms_scraped=scr,
                platforms_failed=fail,
                timing_ms=timing,
                error_details=details,
            )
        )
    async with AsyncSession(engine) as session, session.begin():
        session.add_all(objects)
        await session.flush()
    return rows


# --- (c) COPY: the floor -----------------------------------------------------------------------------

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
_SNAPSHOT_TAIL = (
    "scrape_run_id",
    "captured_at",
    "timing_ms",
    "markets_seen",
    "markets_mapped",
    "markets_skipped",
)


async def store_copy(conn: asyncpg.Connection[Any], batch: ScrapeBatch, run_id: int, owners: OwnerIds) -> int:
    """``copy_records_to_table`` for snapshots (ids drawn first), markets (from a generator) and statuses."""
    dumps = orjson.dumps
    sites = list(_sites(batch))
    rows = 0
    async with conn.transaction():
        for betpawa in (True, False):
            chosen = [(e, r) for e, r in sites if (r.platform is Platform.BETPAWA) == betpawa]
            table = "odds_snapshots" if betpawa else "competitor_odds_snapshots"
            ids = [
                r[0]
                for r in await conn.fetch(
                    "SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)",
                    table,
                    len(chosen),
                )
            ]
            snapshot_rows = []
            for sid, (event, result) in zip(ids, chosen, strict=True):
                odds = result.odds
                assert odds is not None
                snapshot_rows.append(
                    (
                        sid,
                        owners[(result.platform.value, event.sportradar_id)],
                        run_id,
                        event.scraped_at,
                        result.timing_ms,
                        odds.markets_seen,
                        odds.markets_mapped,
                        dumps(dict(odds.skipped)).decode(),
                    )
                )
            owner_column = "event_id" if betpawa else "competitor_event_id"
            await conn.copy_records_to_table(
                table, records=snapshot_rows, columns=("id", owner_column, *_SNAPSHOT_TAIL)
            )

            def market_records(
                pairs: list[tuple[Any, SiteResult]] = chosen, snapshot_ids: list[int] = ids
            ) -> Iterator[tuple[Any, ...]]:
                for sid, (_event, result) in zip(snapshot_ids, pairs, strict=True):
                    assert result.odds is not None
                    for m in result.odds.markets:
                        outcomes = [
                            {"name": o.name, "odds": o.odds, "is_active": o.is_active} for o in m.outcomes
                        ]
                        yield (
                            sid,
                            m.market_id,
                            m.market_name,
                            m.line,
                            m.handicap_type,
                            m.handicap_home,
                            m.handicap_away,
                            dumps(outcomes).decode(),
                            None if m.groups is None else dumps(m.groups).decode(),
                        )

            rows += sum(len(r.odds.markets) for _e, r in chosen if r.odds is not None)
            await conn.copy_records_to_table(
                "market_odds" if betpawa else "competitor_market_odds",
                records=market_records(),
                columns=_MARKET_COLUMNS,
            )
        statuses = []
        for event in batch.events:
            sr, status, req, scr, fail, timing, details = _status_row(event)
            statuses.append(
                (
                    run_id,
                    sr,
                    status,
                    dumps(req).decode(),
                    dumps(scr).decode(),
                    dumps(fail).decode(),
                    timing,
                    None if details is None else dumps(details).decode(),
                )
            )
        await conn.copy_records_to_table(
            "event_scrape_status",
            records=statuses,
            columns=(
                "scrape_run_id",
                "sportradar_id",
                "status",
                "platforms_requested",
                "platforms_scraped",
                "platforms_failed",
                "timing_ms",
                "error_details",
            ),
        )
    return rows
