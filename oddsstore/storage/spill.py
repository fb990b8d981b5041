"""Spill files: batches that could not be stored, kept as JSON lines until `oddsstore replay` stores them.

One line per batch: ``{"scrape_run_id": N, "reason": "...", "spilled_at": "...", "batch": {...}}``.
Lines are appended with one ``write`` each and flushed to disk, so a crash loses at most the line being
written; a damaged line is reported by number when read and never stops the other lines.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import attrs

from oddsstore.models import ScrapeBatch
from oddsstore.storage.serialization import SerializationError, batch_from_dict, batch_to_dict, dumps, loads


@attrs.frozen(slots=True)
class SpilledBatch:
    line_number: int
    scrape_run_id: int
    reason: str
    batch: ScrapeBatch


@attrs.frozen(slots=True)
class SpillLineError:
    line_number: int
    message: str


def append_batch(path: Path, *, scrape_run_id: int, batch: ScrapeBatch, reason: str) -> None:
    """Append one batch as one line and fsync it (blocking: call through ``asyncio.to_thread``)."""
    record = {
        "scrape_run_id": scrape_run_id,
        "reason": reason,
        "spilled_at": datetime.now(UTC).isoformat(),
        "batch": batch_to_dict(batch),
    }
    line = dumps(record) + b"\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def read_batches(path: Path) -> Iterator[SpilledBatch | SpillLineError]:
    """Yield every line of a spill file as a batch, or as an error naming the line and what is wrong."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                record = loads(raw)
                if not isinstance(record, dict):
                    raise SerializationError("a line must be a JSON object")
                run_id = record.get("scrape_run_id")
                if isinstance(run_id, bool) or not isinstance(run_id, int):
                    raise SerializationError("scrape_run_id must be an integer")
                reason = record.get("reason", "")
                yield SpilledBatch(
                    line_number=number,
                    scrape_run_id=run_id,
                    reason=str(reason),
                    batch=batch_from_dict(record.get("batch")),
                )
            except SerializationError as exc:
                yield SpillLineError(line_number=number, message=str(exc))
