"""For the tests of ``oddsstore board``, ``event`` and ``movement``: store batches, run the command in
process, read the library's own answer, and the table's columns as the commands document them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

import asyncpg
import pytest
from reads_kit import batch_of

from oddsstore.cli import main
from oddsstore.db import create_pool
from oddsstore.models import EventOdds, Platform
from oddsstore.reads import ComparisonRepository
from oddsstore.repositories import ScrapeRunsRepository
from oddsstore.storage.batch import store_batch

T = TypeVar("T")
BP, SB, B9 = Platform.BETPAWA, Platform.SPORTYBET, Platform.BET9JA
SITES = (BP, SB, B9)
# The table's columns (oddsstore/cli/_table.py): label, three sites, best competitor, gap, marker.
LABEL = slice(2, 31)
SITE_COLUMNS = {BP: slice(31, 41), SB: slice(41, 51), B9: slice(51, 61)}
BEST = slice(62, 71)
GAP = slice(71, 78)
MARKER = slice(78, 80)
CLOSED_PORT_DSN = "postgresql://someone:pw@127.0.0.1:9/nothing"  # nothing listens on port 9


def store(dsn: str, events: Sequence[Mapping[Platform, EventOdds]], at: datetime) -> None:
    """Store ``events`` as one batch of a new run, scraped at ``at``."""

    async def go() -> None:
        conn: asyncpg.Connection[Any] = await asyncpg.connect(dsn)
        try:
            run = (await ScrapeRunsRepository(conn).create(trigger="test")).id
            result = await store_batch(conn, batch_of(events, at), run)
            assert not result.errors, result.errors
        finally:
            await conn.close()

    asyncio.run(go())


def library(dsn: str, read: Callable[[ComparisonRepository], Awaitable[T]]) -> T:
    """What ``ComparisonRepository`` answers itself (the reference for ``--json``)."""

    async def go() -> T:
        pool = await create_pool(dsn, min_size=1, max_size=1)
        try:
            async with pool.acquire() as conn:
                return await read(ComparisonRepository(conn))
        finally:
            await pool.close()

    return asyncio.run(go())


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``oddsstore ARGV`` in process: (exit status, stdout, stderr); every line of stdout <= 80."""
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    too_wide = [line for line in out.splitlines() if len(line) > 80]
    if "--json" not in argv and "--csv" not in argv:
        assert not too_wide, f"lines over 80 columns: {too_wide}"
    return code, out, err


def price(odds: float | None, listed: bool = True) -> str:
    """A site cell as a reader expects it: two decimals, "-" for a closed price, blank if unlisted."""
    if not listed:
        return ""
    return "-" if odds is None else f"{odds:.2f}"


def margin(prices: Sequence[float]) -> float:
    return (sum(1 / p for p in prices) - 1) * 100


def cells(row: str) -> dict[str, str]:
    """An outcome (or market) row cut at the documented columns, each cell stripped."""
    out = {"label": row[LABEL].strip(), "best": row[BEST].strip(), "gap": row[GAP].strip()}
    out.update({p.value: row[s].strip() for p, s in SITE_COLUMNS.items()})
    out["marker"] = row[MARKER].strip()
    return out
