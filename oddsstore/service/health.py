"""``GET /metrics`` and ``GET /healthz`` for a process that runs cycles (``oddsstore run``, ``serve``).

- ``/metrics``: the process's :class:`~oddsstore.cycle.metrics.CycleMetrics` registry in Prometheus'
  text format (version 0.0.4);
- ``/healthz``: ``200`` with a JSON summary when the database answers and, for a loop with an interval,
  the last cycle that ran ended within two intervals (counted from the loop's start before the first);
  ``503`` with the same summary and ``reasons`` otherwise. The summary: ``status`` (``ok`` or
  ``unhealthy``), ``every_s``, ``cycles`` (ended in this process), ``last_cycle`` (this process's last
  cycle that ran: run id, status, end, error), ``last_attempt`` (also one that could not start: the
  database down), ``last_success_at``, ``database`` (``ok`` or why not) and
  ``last_run`` (the latest finished run in the database, whoever ran it).

:func:`add_health_routes` mounts both on an app (the service's); :func:`create_health_app` is an app
with just these two, for ``oddsstore run --metrics-port``.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import asyncpg
import orjson
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from oddsstore.cycle.metrics import CycleMetrics
from oddsstore.errors import DB_FAILURES, describe
from oddsstore.models import ScrapeRun, utcnow
from oddsstore.repositories import ScrapeRunsRepository

__all__ = ["HEALTH_DB_TIMEOUT_S", "add_health_routes", "create_health_app", "health_report"]

#: How long ``/healthz`` waits for the database before it says it does not answer.
HEALTH_DB_TIMEOUT_S = 2.0
#: The last cycle may be this many intervals old before the loop is unhealthy.
STALE_INTERVALS = 2


def health_report(
    metrics: CycleMetrics,
    every_s: float | None,
    *,
    database_error: str | None,
    last_run: ScrapeRun | None = None,
    now: datetime | None = None,
) -> tuple[bool, dict[str, Any]]:
    """``(healthy, summary)`` from what the process saw and whether the database answered."""
    now = now or utcnow()
    reasons: list[str] = []
    if database_error is not None:
        reasons.append(f"the database does not answer: {database_error}")
    last, ended = metrics.last, metrics.last_ended
    if every_s is not None:
        since = ended.ended_at if ended is not None else metrics.started_at
        age = (now - since).total_seconds()
        if age > STALE_INTERVALS * every_s:
            what = "no cycle has ended" if ended is None else f"the last cycle ended {age:.0f} s ago"
            reasons.append(f"{what} (more than {STALE_INTERVALS} intervals of {every_s:g} s)")
    summary: dict[str, Any] = {
        "status": "unhealthy" if reasons else "ok",
        "reasons": reasons,
        "every_s": every_s,
        "cycles": metrics.cycles_seen,
        "last_cycle": None if ended is None else ended.to_dict(),
        "last_attempt": None if last is None else last.to_dict(),
        "last_success_at": None if metrics.last_success_at is None else metrics.last_success_at.isoformat(),
        "database": "ok" if database_error is None else database_error,
        "last_run": None if last_run is None else _run_summary(last_run),
    }
    return not reasons, summary


def _run_summary(run: ScrapeRun) -> dict[str, Any]:
    return {
        "run_id": run.id,
        "status": run.status.value,
        "finished_at": None if run.finished_at is None else run.finished_at.isoformat(),
        "events_scraped": run.events_scraped,
        "events_failed": run.events_failed,
    }


async def _latest_run(pool: asyncpg.Pool[Any]) -> tuple[ScrapeRun | None, str | None]:
    try:
        async with asyncio.timeout(HEALTH_DB_TIMEOUT_S), pool.acquire() as conn:
            return await ScrapeRunsRepository(conn).latest_finished(), None
    except DB_FAILURES as exc:
        return None, describe(exc)


def add_health_routes(
    app: web.Application, *, pool: asyncpg.Pool[Any], metrics: CycleMetrics, every_s: float | None
) -> None:
    """``GET /metrics`` and ``GET /healthz`` on ``app`` (``every_s``: the loop's interval, if any)."""

    async def get_metrics(_request: web.Request) -> web.Response:
        return web.Response(
            body=generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    async def get_health(_request: web.Request) -> web.Response:
        last_run, error = await _latest_run(pool)
        healthy, summary = health_report(metrics, every_s, database_error=error, last_run=last_run)
        return web.Response(
            body=orjson.dumps(summary), status=200 if healthy else 503, content_type="application/json"
        )

    app.router.add_get("/metrics", get_metrics)
    app.router.add_get("/healthz", get_health)


def create_health_app(
    pool: asyncpg.Pool[Any], metrics: CycleMetrics, every_s: float | None
) -> web.Application:
    """An app serving only ``/metrics`` and ``/healthz`` (read-only; bind it where monitoring reaches)."""
    app = web.Application()
    add_health_routes(app, pool=pool, metrics=metrics, every_s=every_s)
    return app
