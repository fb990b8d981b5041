"""Spill files: batches that could not be stored, kept as JSON lines until `oddsstore replay` stores them.

One line per batch: ``{"scrape_run_id": N, "reason": "...", "spilled_at": "...", "batch": {...}}``, with
``"origin": {"system_identifier", "database", "run_started_at"}`` when the run's database is known, so
replay can refuse to store the batch anywhere else.
Lines are appended with one ``write`` each and flushed to disk, so a crash loses at most the line being
written; a damaged line is reported by number when read and never stops the other lines.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import attrs

from oddsstore.models import ScrapeBatch
from oddsstore.repositories.scrape_runs import RunOrigin
from oddsstore.storage.serialization import SerializationError, batch_from_dict, batch_to_dict, dumps, loads


@attrs.frozen(slots=True)
class SpilledBatch:
    line_number: int
    scrape_run_id: int
    reason: str
    batch: ScrapeBatch
    origin: RunOrigin | None = None


@attrs.frozen(slots=True)
class SpillLineError:
    line_number: int
    message: str


def check_writable(directory: Path) -> None:
    """Create ``directory`` if needed and prove a file can be written and fsynced there; raises
    ``OSError`` saying why not (blocking: call through ``asyncio.to_thread``)."""
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".oddsstore-probe-", dir=directory)
    try:
        os.write(fd, b"probe\n")
        os.fsync(fd)
    finally:
        os.close(fd)
        os.unlink(name)


def _origin_to_dict(origin: RunOrigin) -> dict[str, str | None]:
    started = origin.started_at
    return {
        "system_identifier": origin.system_identifier,
        "database": origin.database,
        "run_started_at": None if started is None else started.isoformat(),
    }


def _origin_from(value: object) -> RunOrigin | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise SerializationError("origin must be an object")
    try:
        started = value.get("run_started_at")
        return RunOrigin(
            system_identifier=str(value["system_identifier"]),
            database=str(value["database"]),
            started_at=None if started is None else datetime.fromisoformat(str(started)),
        )
    except (KeyError, ValueError) as exc:
        raise SerializationError(f"origin is not valid: {exc}") from None


def append_batch(
    path: Path, *, scrape_run_id: int, batch: ScrapeBatch, reason: str, origin: RunOrigin | None = None
) -> None:
    """Append one batch as one line and fsync it (blocking: call through ``asyncio.to_thread``)."""
    record: dict[str, object] = {
        "scrape_run_id": scrape_run_id,
        "reason": reason,
        "spilled_at": datetime.now(UTC).isoformat(),
        "batch": batch_to_dict(batch),
    }
    if origin is not None:
        record["origin"] = _origin_to_dict(origin)
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
                    origin=_origin_from(record.get("origin")),
                )
            except SerializationError as exc:
                yield SpillLineError(line_number=number, message=str(exc))
