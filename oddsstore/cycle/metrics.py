"""Prometheus metrics of the cycles a host runs, fed from what exists already: the cycles' progress
events, their site clients' request counters (``HttpSite.stats``, the breaker) and their storer's counts.

:class:`CycleMetrics` keeps them in a ``CollectorRegistry`` of its own (never the process-wide default),
so two loops, a test and an embedding host never collide. Feed it with :meth:`CycleMetrics.observe` for
every progress event, :meth:`CycleMetrics.watch_clients` when a cycle's clients open (their counters
are read live at every scrape and folded in when the cycle ends) and :meth:`CycleMetrics.count_storer`
when a cycle's storer is done; ``oddsstore.cycle.schedule`` and the service do all three.

Counters and what they count (every name below gets ``_total`` when exposed):

- ``oddsstore_cycles{status}``: cycles ended ``completed``, ``partial``, ``failed``, ``skipped`` (another
  cycle held the lock) or ``error`` (it could not start: the database unavailable);
  ``oddsstore_cycle_duration_seconds{status}`` (histogram), ``oddsstore_last_success_timestamp_seconds``
  (the end of the last ``completed`` or ``partial`` cycle), ``oddsstore_last_cycle_end_timestamp_seconds``;
- ``oddsstore_events_discovered{site}``; ``oddsstore_events_scraped{site}`` and
  ``oddsstore_events_failed{site}``: events a site returned or failed, counted when their batch is
  stored (so they match the snapshots and status rows in the database);
  ``oddsstore_site_event_seconds{site}`` (histogram): one event's fetch and parse, retries included;
  ``oddsstore_site_request_seconds{site}`` (histogram): one HTTP attempt, sent to body read or failure;
- ``oddsstore_site_requests{site}``, ``oddsstore_site_request_failures{site,reason}`` (the reason
  slugs of ``oddsstore.errors``), ``oddsstore_site_retries{site}``; ``oddsstore_site_breaker_open{site}``
  (gauge: 1 while the current or last cycle has paused the site);
- ``oddsstore_store_batch_seconds`` (histogram; batches stored late from the backlog are not timed),
  ``oddsstore_rows_written{table}`` (``history``, ``current``, ``status``, ``snapshots``),
  ``oddsstore_store_retries``, ``oddsstore_spilled_batches``, ``oddsstore_lost_batches``;
- ``oddsstore_maintenance_runs{result}`` (``ok``, ``failed``), ``oddsstore_partitions_dropped``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime

import attrs
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from oddsstore.clients.base import HttpSite, SiteClient
from oddsstore.models import Platform, utcnow
from oddsstore.progress import (
    BatchComplete,
    CycleComplete,
    CycleFailed,
    CycleSkipped,
    DiscoveryComplete,
    EventScraped,
    ProgressEvent,
)
from oddsstore.storage.retrying import RetryingStorer

__all__ = ["CycleMetrics", "CycleOutcome"]

CYCLE_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0)
REQUEST_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
EVENT_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
STORE_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
#: How a cycle ended, as ``oddsstore_cycles{status}`` says it (run statuses, plus these two).
SKIPPED = "skipped"
ERROR = "error"
SUCCESS = frozenset({"completed", "partial"})


@attrs.frozen(slots=True)
class CycleOutcome:
    """How the last cycle ended: its run (if it had one), status, when, and its error."""

    run_id: int | None
    status: str
    ended_at: datetime
    error: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "run_id": self.run_id,
            "status": self.status,
            "ended_at": self.ended_at.isoformat(),
            "error": self.error,
        }


@attrs.define(slots=True)
class _Traffic:
    requests: int = 0
    retries: int = 0
    failures: dict[str, int] = attrs.field(factory=dict)

    def add(self, requests: int, retries: int, failures: Mapping[str, int]) -> None:
        self.requests += requests
        self.retries += retries
        for reason, n in failures.items():
            self.failures[reason] = self.failures.get(reason, 0) + n


@attrs.define(slots=True)
class _Watched:
    site: HttpSite
    base: _Traffic  # the client's counters when it was first watched (a host may reuse its clients)

    def since(self) -> _Traffic:
        stats = self.site.stats
        now = _Traffic()
        now.add(stats.requests - self.base.requests, stats.retries - self.base.retries, {})
        now.add(0, 0, {r: n - self.base.failures.get(r, 0) for r, n in stats.failures.items()})
        return now


class _SiteTraffic(Collector):
    """The sites' request counters: those of finished cycles plus the live ones of the running cycle."""

    def __init__(self) -> None:
        self.done: dict[str, _Traffic] = {}
        self.live: dict[str, _Watched] = {}
        self.breaker: dict[str, bool] = {}

    def watch(self, clients: Mapping[Platform, SiteClient]) -> None:
        self.fold()
        for platform, client in clients.items():
            http = getattr(client, "http", None)
            if isinstance(http, HttpSite):
                stats = http.stats
                base = _Traffic(stats.requests, stats.retries, dict(stats.failures))
                self.live[platform.value] = _Watched(http, base)
                self.breaker[platform.value] = http.gate.open

    def fold(self) -> None:
        for site, watched in self.live.items():
            seen = watched.since()
            self.done.setdefault(site, _Traffic()).add(seen.requests, seen.retries, seen.failures)
            self.breaker[site] = watched.site.gate.open
        self.live.clear()

    def _totals(self) -> dict[str, _Traffic]:
        out: dict[str, _Traffic] = {}
        for site, done in self.done.items():
            out.setdefault(site, _Traffic()).add(done.requests, done.retries, done.failures)
        for site, watched in self.live.items():
            seen = watched.since()
            out.setdefault(site, _Traffic()).add(seen.requests, seen.retries, seen.failures)
        return out

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "oddsstore_site_requests",
            "Logical requests to a site (one per call, retries apart)",
            labels=["site"],
        )
        failures = CounterMetricFamily(
            "oddsstore_site_request_failures",
            "Requests that failed after their retries, by reason",
            labels=["site", "reason"],
        )
        retries = CounterMetricFamily("oddsstore_site_retries", "Retried request attempts", labels=["site"])
        breaker = GaugeMetricFamily(
            "oddsstore_site_breaker_open",
            "1 while the site is paused by its circuit breaker",
            labels=["site"],
        )
        for site, traffic in sorted(self._totals().items()):
            requests.add_metric([site], traffic.requests)
            retries.add_metric([site], traffic.retries)
            for reason, n in sorted(traffic.failures.items()):
                failures.add_metric([site, reason], n)
        for site, open_ in sorted(self.breaker.items()):
            watched = self.live.get(site)
            breaker.add_metric([site], float(watched.site.gate.open if watched is not None else open_))
        yield from (requests, failures, retries, breaker)


class CycleMetrics:
    """The metrics of the cycles of one loop or service, in their own registry (see the module doc)."""

    def __init__(
        self, registry: CollectorRegistry | None = None, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self._clock = clock
        r = self.registry
        self.cycles = Counter("oddsstore_cycles", "Cycles ended, by status", ["status"], registry=r)
        self.cycle_seconds = Histogram(
            "oddsstore_cycle_duration_seconds",
            "Duration of a cycle, by status",
            ["status"],
            buckets=CYCLE_BUCKETS,
            registry=r,
        )
        self.last_success = Gauge(
            "oddsstore_last_success_timestamp_seconds",
            "Unix time the last completed or partial cycle ended",
            registry=r,
        )
        self.last_end = Gauge(
            "oddsstore_last_cycle_end_timestamp_seconds", "Unix time the last cycle ended", registry=r
        )
        self.discovered = Counter(
            "oddsstore_events_discovered", "Events a site's discovery found", ["site"], registry=r
        )
        self.scraped = Counter(
            "oddsstore_events_scraped", "Events a site returned, in stored batches", ["site"], registry=r
        )
        self.failed = Counter(
            "oddsstore_events_failed", "Events a site failed, in stored batches", ["site"], registry=r
        )
        self.event_seconds = Histogram(
            "oddsstore_site_event_seconds",
            "One event fetched and parsed from a site, retries included",
            ["site"],
            buckets=EVENT_BUCKETS,
            registry=r,
        )
        self.request_seconds = Histogram(
            "oddsstore_site_request_seconds",
            "One HTTP attempt to a site, sent to body read or failure",
            ["site"],
            buckets=REQUEST_BUCKETS,
            registry=r,
        )
        self.store_seconds = Histogram(
            "oddsstore_store_batch_seconds", "Time to store one batch", buckets=STORE_BUCKETS, registry=r
        )
        self.rows = Counter("oddsstore_rows_written", "Rows written, by table", ["table"], registry=r)
        self.store_retries = Counter(
            "oddsstore_store_retries",
            "Failed attempts to store a batch (each retried or deferred)",
            registry=r,
        )
        self.spilled = Counter("oddsstore_spilled_batches", "Batches written to a spill file", registry=r)
        self.lost = Counter("oddsstore_lost_batches", "Batches neither stored nor spilled", registry=r)
        self.maintenance = Counter(
            "oddsstore_maintenance_runs", "Maintenance runs (partitions, retention)", ["result"], registry=r
        )
        self.partitions_dropped = Counter(
            "oddsstore_partitions_dropped", "Partitions dropped by retention", registry=r
        )
        self._traffic = _SiteTraffic()
        r.register(self._traffic)
        #: per (run, batch): events per site scraped and failed, counted once the batch is stored
        self._pending: dict[tuple[int, int], dict[str, list[int]]] = {}
        self.started_at = clock()
        self.last: CycleOutcome | None = None  # the last cycle, also one that could not start
        self.last_ended: CycleOutcome | None = None  # the last cycle that ran (had a run or was skipped)
        self.last_success_at: datetime | None = None
        self.cycles_seen = 0

    # --- feeding ------------------------------------------------------------------------------------

    def watch_clients(self, clients: Mapping[Platform, SiteClient]) -> None:
        """Count these clients' requests from now on (read at every scrape, folded in at the cycle's end)
        and time each of their HTTP attempts."""
        self._traffic.watch(clients)
        for platform, client in clients.items():
            http = getattr(client, "http", None)
            if isinstance(http, HttpSite):
                http.on_attempt = self.request_seconds.labels(platform.value).observe

    def count_storer(self, storer: RetryingStorer, before: tuple[int, int, int] = (0, 0, 0)) -> None:
        """Add what ``storer`` retried, spilled and lost since ``before`` (see :meth:`storer_counts`)."""
        retries, spilled, lost = self.storer_counts(storer)
        self.store_retries.inc(retries - before[0])
        self.spilled.inc(spilled - before[1])
        self.lost.inc(lost - before[2])

    @staticmethod
    def storer_counts(storer: RetryingStorer) -> tuple[int, int, int]:
        return storer.retries, storer.spilled, storer.lost

    def observe(self, event: ProgressEvent) -> None:
        """Count one progress event of a cycle."""
        if isinstance(event, DiscoveryComplete):
            for site, info in event.sites.items():
                self.discovered.labels(site).inc(int(info.get("events", 0)))
        elif isinstance(event, EventScraped):
            for site, ms in event.site_timings_ms.items():
                self.event_seconds.labels(site).observe(ms / 1000)
            sites = self._pending.setdefault((event.run_id, event.batch_index), {})
            for site in event.platforms_scraped:
                sites.setdefault(site, [0, 0])[0] += 1
            for site in event.platforms_failed:
                sites.setdefault(site, [0, 0])[1] += 1
        elif isinstance(event, BatchComplete):
            self._batch_stored(event)
        elif isinstance(event, CycleComplete | CycleFailed):
            status = event.status if isinstance(event, CycleComplete) else "failed"
            error = event.error if isinstance(event, CycleFailed) else None
            self.cycle_seconds.labels(status).observe(event.total_ms / 1000)
            self._ended(event.run_id, status, error)
        elif isinstance(event, CycleSkipped):
            self._ended(event.run_id, SKIPPED, event.reason)

    def cycle_error(self, error: str, run_id: int | None = None) -> None:
        """A cycle that could not run at all (no run row: the database unavailable, ...), or whose end
        could not be written (``run_id``: its events waiting for a batch that never came are dropped)."""
        self._ended(run_id, ERROR, error)

    def maintained(self, *, ok: bool, partitions_dropped: int = 0) -> None:
        self.maintenance.labels("ok" if ok else "failed").inc()
        self.partitions_dropped.inc(partitions_dropped)

    def _batch_stored(self, event: BatchComplete) -> None:
        if event.store_ms > 0:
            self.store_seconds.observe(event.store_ms / 1000)
        self.rows.labels("history").inc(event.history_rows)
        self.rows.labels("current").inc(event.current_rows)
        self.rows.labels("status").inc(event.events_stored)
        self.rows.labels("snapshots").inc(event.snapshots_created)
        for site, (scraped, failed) in self._pending.pop((event.run_id, event.batch_index), {}).items():
            self.scraped.labels(site).inc(scraped)
            self.failed.labels(site).inc(failed)

    def _ended(self, run_id: int | None, status: str, error: str | None) -> None:
        now = self._clock()
        self.cycles.labels(status).inc()
        self.cycles_seen += 1
        self.last = CycleOutcome(run_id=run_id, status=status, ended_at=now, error=error)
        if status != ERROR:
            self.last_ended = self.last
        self.last_end.set(now.timestamp())
        if status in SUCCESS:
            self.last_success_at = now
            self.last_success.set(now.timestamp())
        if run_id is not None:  # batches never stored are not counted
            for key in [k for k in self._pending if k[0] == run_id]:
                del self._pending[key]
        self._traffic.fold()
