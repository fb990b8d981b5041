"""Progress events of a scrape cycle: what ``run_full_cycle`` yields.

Every event is a frozen attrs class with a ``type`` (the SSE event name) and an aware-UTC timestamp
``at``. ``to_dict()`` gives a JSON-ready dict with stable keys (``type`` and ``at`` first, then the
fields in declaration order); ``to_sse()`` gives the Server-Sent Events text of one event.

A cycle yields, in this order: ``CYCLE_START``, ``DISCOVERY_COMPLETE``, ``QUEUE_BUILT``, then per batch
``BATCH_START``, ``EVENT_SCRAPING``/``EVENT_SCRAPED`` pairs and ``BATCH_COMPLETE`` (batches may
overlap: batch k+1 starts scraping while batch k is finishing and being stored, but each batch's
``BATCH_START`` precedes its events and its ``BATCH_COMPLETE`` follows them, and batches complete in
order), and last ``CYCLE_COMPLETE``. A cycle that cannot run ends with ``CYCLE_SKIPPED`` (another cycle
holds the lock) or ``CYCLE_FAILED`` (an error ended it) instead.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

import attrs
import orjson

from oddsstore.models import utcnow


def json_ready(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(json_ready(k)): json_ready(v) for k, v in value.items()}
    if isinstance(value, tuple | list | frozenset | set):
        return [json_ready(v) for v in value]
    return value


@attrs.frozen(slots=True, kw_only=True)
class ProgressEvent:
    """Base class: ``type`` is the event name, ``at`` when it happened."""

    type: ClassVar[str] = "PROGRESS"
    at: datetime = attrs.field(factory=utcnow)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type}
        for field in attrs.fields(type(self)):
            out[field.name] = json_ready(getattr(self, field.name))
        return out

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_dict())

    def to_sse(self) -> str:
        return f"event: {self.type}\ndata: {self.to_json().decode()}\n\n"


@attrs.frozen(slots=True, kw_only=True)
class CycleStart(ProgressEvent):
    type: ClassVar[str] = "CYCLE_START"
    run_id: int
    trigger: str
    platforms: tuple[str, ...]


@attrs.frozen(slots=True, kw_only=True)
class SiteDiscovery:
    """One site's discovery: events found (after the merge input), elapsed time, and its error."""

    events: int
    elapsed_ms: int
    error: str | None = None
    counts: Mapping[str, int] = attrs.field(factory=dict)


@attrs.frozen(slots=True, kw_only=True)
class DiscoveryComplete(ProgressEvent):
    type: ClassVar[str] = "DISCOVERY_COMPLETE"
    run_id: int
    sites: Mapping[str, Mapping[str, Any]]  # platform -> {events, elapsed_ms, error, counts}
    merged_total: int
    kickoff_disagreements: int
    duplicates_dropped: int
    elapsed_ms: int


@attrs.frozen(slots=True, kw_only=True)
class QueueBuilt(ProgressEvent):
    type: ClassVar[str] = "QUEUE_BUILT"
    run_id: int
    events: int
    batches: int
    batch_size: int
    by_urgency: Mapping[str, int]
    by_coverage: Mapping[str, int]  # number of sites ("1", "2", "3") -> events


@attrs.frozen(slots=True, kw_only=True)
class BatchStart(ProgressEvent):
    type: ClassVar[str] = "BATCH_START"
    run_id: int
    batch_index: int
    events: int
    requests: Mapping[str, int]  # platform -> requests this batch will make


@attrs.frozen(slots=True, kw_only=True)
class EventScraping(ProgressEvent):
    type: ClassVar[str] = "EVENT_SCRAPING"
    run_id: int
    batch_index: int
    sportradar_id: str
    platforms: tuple[str, ...]


@attrs.frozen(slots=True, kw_only=True)
class EventScraped(ProgressEvent):
    type: ClassVar[str] = "EVENT_SCRAPED"
    run_id: int
    batch_index: int
    sportradar_id: str
    status: str  # "completed" (at least one site scraped) or "failed"
    platforms_scraped: tuple[str, ...]
    platforms_failed: tuple[str, ...]
    timing_ms: int
    site_timings_ms: Mapping[str, int]
    markets_mapped: int  # normalised markets parsed from the sites' payloads
    errors: Mapping[str, str]  # platform -> "<reason>: <message>"


@attrs.frozen(slots=True, kw_only=True)
class BatchComplete(ProgressEvent):
    type: ClassVar[str] = "BATCH_COMPLETE"
    run_id: int
    batch_index: int
    events: int
    events_stored: int
    events_failed: int
    snapshots_created: int
    markets_stored: int
    errors: int
    scrape_ms: int
    store_ms: int
    history_rows: int = 0  # rows written to odds_history (StoreResult.history_rows)
    current_rows: int = 0  # current_odds rows added, updated or deleted (StoreResult.current_rows)


@attrs.frozen(slots=True, kw_only=True)
class CycleComplete(ProgressEvent):
    type: ClassVar[str] = "CYCLE_COMPLETE"
    run_id: int
    status: str
    events_total: int
    events_scraped: int
    events_failed: int
    snapshots_created: int
    markets_stored: int
    total_ms: int
    discovery_ms: int
    success_rate: float
    history_rows: int = 0  # rows written to odds_history by the run


@attrs.frozen(slots=True, kw_only=True)
class CycleFailed(ProgressEvent):
    """An error ended the cycle; the run row is ``failed`` with the same ``error``."""

    type: ClassVar[str] = "CYCLE_FAILED"
    run_id: int
    error: str
    events_total: int
    events_scraped: int
    events_failed: int
    snapshots_created: int
    markets_stored: int
    total_ms: int


@attrs.frozen(slots=True, kw_only=True)
class CycleSkipped(ProgressEvent):
    """Another cycle holds the database's cycle lock: this one did nothing."""

    type: ClassVar[str] = "CYCLE_SKIPPED"
    run_id: int | None
    reason: str


TERMINAL_TYPES: frozenset[str] = frozenset({CycleComplete.type, CycleFailed.type, CycleSkipped.type})

EVENT_TYPES: tuple[type[ProgressEvent], ...] = (
    CycleStart,
    DiscoveryComplete,
    QueueBuilt,
    BatchStart,
    EventScraping,
    EventScraped,
    BatchComplete,
    CycleComplete,
    CycleFailed,
    CycleSkipped,
)
