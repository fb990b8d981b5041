"""``RetryingStorer``: a batch storer that survives a lost connection, a stuck query and a database outage.

- A batch whose store fails for a reason that a new connection may cure (connection lost or refused,
  the backend terminated, a statement timeout, a deadlock) is retried at once on a new connection from
  the pool, then after short pauses (``RetryPolicy.attempts`` tries in all). ``store_batch`` is one
  transaction and idempotent per run, so a retry after a commit whose answer was lost writes nothing twice.
- If every try fails, the batch waits in a bounded backlog (``max_pending`` batches) and the storer
  returns :data:`DEFERRED` at once, so scraping goes on. A background task retries the backlog's head
  with exponential back-off (``backoff_base_s`` doubling up to ``backoff_max_s``) and reports every
  batch it stores late to the callback given to :meth:`RetryingStorer.on_late_store` (the pipeline
  counts it then). While the backlog is not empty new batches queue behind it, so batches are stored in
  order. When the backlog is full, its oldest batch is written to the spill file to make room.
- Every attempt has a client-side deadline (``attempt_timeout_s``): a server that stops answering
  (frozen, a network partition) fails the attempt like a down one, and its connection is terminated.
- A batch whose store a stop (a cancellation) overtakes is held (:meth:`hold`), as are the batches the
  cycle had scraped in full but not handed over yet: they join the backlog's end.
- At the end of the cycle :meth:`drain` gives the backlog ``flush_timeout_s`` more (none after an
  error or a cancellation, a bounded grace on a graceful stop), and :meth:`spill_remaining` writes
  what is left to the run's spill file (``<spill_dir>/run-<id>.jsonl``: JSON lines, one batch per line
  with its run id, the reason and where the run lives), for ``oddsstore replay``.

Any other error (a bug, a constraint violation) is raised: it ends the cycle, it is not retried. One
raised while the backlog is retried stops the background task for good and is raised by the next
:meth:`RetryingStorer.store` or :meth:`RetryingStorer.drain` (the backlog is then left to spill).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from pathlib import Path
from typing import Any

import asyncpg
import attrs
from loguru import logger

from oddsstore.errors import (
    TRANSIENT_DB_ERRORS,
    RetryPolicy,
    describe,
    is_transient_db_error,
    retry_transient,
)
from oddsstore.models import ScrapeBatch, StoreResult
from oddsstore.repositories.scrape_runs import RunOrigin
from oddsstore.storage.ledger import connection_gone
from oddsstore.storage.spill import append_batch, check_writable
from oddsstore.storage.storer import DEFERRED, LateStore, StoreFn


def _batch_log(batch: ScrapeBatch, run_id: int) -> Any:
    """The logger with the batch's run and index in ``extra`` (a host's JSON log: which batch)."""
    return logger.bind(run_id=run_id, batch_index=batch.batch_index)


@attrs.frozen(slots=True, kw_only=True)
class StorerPolicy:
    attempts: int = attrs.field(default=3, validator=attrs.validators.ge(1))  # per batch, before the backlog
    retry_pause_s: float = 0.2  # between those attempts (doubling)
    backoff_base_s: float = 0.5  # backlog retries: base, doubling ...
    backoff_max_s: float = 30.0  # ... up to this
    max_pending: int = attrs.field(default=8, validator=attrs.validators.ge(1))
    flush_timeout_s: float = 60.0  # at the end of a normal cycle, how long the backlog may still take
    acquire_timeout_s: float = 10.0  # to get (or open) a pool connection
    #: client-side deadline of one attempt (a frozen server is treated like a down one); the connection
    #: is then terminated, never handed back to the pool with a query pending on it
    attempt_timeout_s: float = attrs.field(default=30.0, validator=attrs.validators.gt(0))

    @property
    def first_try(self) -> RetryPolicy:
        """A batch's first ``attempts``: a new connection at once, then short doubling pauses."""
        return RetryPolicy(
            attempts=self.attempts, base_s=self.retry_pause_s, max_s=30.0, jitter=False, immediate_first=True
        )

    @property
    def backlog(self) -> RetryPolicy:
        """The backlog's head, until it is stored or the storer drained: exponential back-off."""
        return RetryPolicy(attempts=None, base_s=self.backoff_base_s, max_s=self.backoff_max_s, jitter=False)


class RetryingStorer:
    """Retries on new connections, defers through outages, spills what cannot be stored in time."""

    def __init__(
        self,
        pool: asyncpg.Pool[Any],
        store: StoreFn,
        *,
        spill_dir: Path | None = None,
        policy: StorerPolicy | None = None,
    ) -> None:
        self._pool = pool
        self._store = store
        self.spill_dir = spill_dir
        self.policy = policy or StorerPolicy()
        self._pending: collections.deque[tuple[ScrapeBatch, int]] = collections.deque()
        self._in_flight: tuple[ScrapeBatch, int] | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._on_late: LateStore | None = None
        self.last_error: str | None = None
        self.retries = 0  # failed attempts
        self.stored_late = 0  # batches stored from the backlog
        self.spilled = 0  # batches written to a spill file
        self.lost = 0  # batches neither stored nor spilled (no spill_dir, or the write failed)
        self.spill_files: set[Path] = set()
        self.spill_reason: str | None = None  # the reason written with the last spilled batch
        self._origins: dict[int, RunOrigin] = {}
        #: the non-retryable error that stopped the backlog flusher; raised by every later store()/drain()
        self.failure: Exception | None = None
        self.given_up = False  # give_up() was called: no more waiting for the backlog
        #: the batch the last attempt committed (a stop may overtake its reply, in the pool's release)
        self._committed: tuple[ScrapeBatch, StoreResult] | None = None
        #: batches committed whose reply a stop overtook: reported by drain(), never stored again
        self._reply_lost: list[tuple[ScrapeBatch, StoreResult]] = []

    # --- the hand-off -------------------------------------------------------------------------------

    def on_late_store(self, callback: LateStore | None) -> None:
        """``callback(batch, result)`` runs for every batch stored from the backlog."""
        self._on_late = callback

    @property
    def unsaved(self) -> int:
        """Batches waiting in the backlog (including one being retried)."""
        return len(self._pending) + (self._in_flight is not None)

    def _raise_failure(self) -> None:
        if self.failure is not None:
            raise self.failure

    def hold(self, batch: ScrapeBatch, scrape_run_id: int) -> None:
        """Keep a batch a stop overtook before it was stored: :meth:`drain` stores it within the
        stop's grace (after the backlog: batches stay in order) or it is spilled."""
        self._pending.append((batch, scrape_run_id))

    async def store(self, batch: ScrapeBatch, scrape_run_id: int) -> StoreResult:
        self._raise_failure()
        if not self.unsaved:
            try:
                result = await self._try(batch, scrape_run_id, self.policy.first_try, first=True)
            except asyncio.CancelledError:  # a stop: stored in its grace (a retry writes nothing twice)
                if not self._overtook_commit(batch):
                    self.hold(batch, scrape_run_id)
                raise
            if result is not None:
                return result
        await self._defer(batch, scrape_run_id)
        return DEFERRED

    async def _attempt(self, batch: ScrapeBatch, run_id: int) -> StoreResult:
        self._committed = None
        async with self._pool.acquire(timeout=self.policy.acquire_timeout_s) as conn:
            try:
                async with asyncio.timeout(self.policy.attempt_timeout_s):
                    result = await self._store(conn, batch, run_id)
            except (TimeoutError, asyncio.CancelledError):
                # past its deadline or cancelled: the connection may have a query pending on a server
                # that does not answer; the pool opens a new one for the next attempt
                if not connection_gone(conn):
                    conn.terminate()
                raise
            self._committed = (batch, result)  # a cancellation in the release below loses only the reply
        return result

    def _overtook_commit(self, batch: ScrapeBatch) -> bool:
        """Whether a cancellation of ``batch``'s store came after its commit (then its result is
        reported by :meth:`drain`, with its real counts: a second store would write, and count, nothing)."""
        committed, self._committed = self._committed, None
        if committed is None or committed[0] is not batch:
            return False
        self._reply_lost.append(committed)
        return True

    async def _try(
        self, batch: ScrapeBatch, run_id: int, policy: RetryPolicy, *, first: bool = False
    ) -> StoreResult | None:
        """Store ``batch`` with ``policy``'s retries on new connections; ``None`` if every try failed
        for a transient reason (any other error is raised). On the ``first`` try a deadline that
        passed is not tried again: the server does not answer, the batch goes to the backlog at once
        (its retries do not hold scraping back)."""

        def failed(attempt: int, exc: BaseException, _delay: float) -> None:
            self._failed(batch, run_id, attempt, exc)

        def again(exc: BaseException) -> bool:
            return is_transient_db_error(exc) and not (first and isinstance(exc, TimeoutError))

        try:
            return await retry_transient(
                lambda: self._attempt(batch, run_id), policy, transient=again, on_retry=failed
            )
        except TRANSIENT_DB_ERRORS as exc:
            self._failed(batch, run_id, policy.attempts or 0, exc)
            return None

    def _failed(self, batch: ScrapeBatch, run_id: int, attempt: int, exc: BaseException) -> None:
        self.retries += 1
        self.last_error = describe(exc)
        _batch_log(batch, run_id).warning(
            "storing batch {} of run {} failed (try {}): {}",
            batch.batch_index,
            run_id,
            attempt,
            self.last_error,
        )

    # --- the backlog --------------------------------------------------------------------------------

    async def _defer(self, batch: ScrapeBatch, run_id: int) -> None:
        if len(self._pending) >= self.policy.max_pending:
            oldest, oldest_run = self._pending.popleft()
            await self._spill_one(
                oldest, oldest_run, f"backlog full while the database is unavailable ({self.last_error})"
            )
        self._pending.append((batch, run_id))
        if self.failure is None and (self._flusher is None or self._flusher.done()):
            self._flusher = asyncio.create_task(self._flush())

    async def _flush(self) -> None:
        try:
            await self._flush_backlog()
        except Exception as exc:  # not retryable: kept for the next store()/drain(); no new flusher
            self.failure = exc
            logger.opt(exception=exc).error("the storage backlog stopped: {}", describe(exc))

    async def _flush_backlog(self) -> None:
        """Store the backlog's head until it goes in (back-off between tries), then the next one."""
        while self._pending:
            item = self._in_flight = self._pending.popleft()
            stored: StoreResult | None = None
            try:
                stored = await self._try(item[0], item[1], self.policy.backlog)
            finally:
                self._in_flight = None
                if stored is None and not self._overtook_commit(item[0]):
                    self._pending.appendleft(item)
            assert stored is not None  # the backlog policy retries until stored, raised or cancelled
            self.stored_late += 1
            _batch_log(*item).info(
                "batch {} of run {} stored after the database came back", item[0].batch_index, item[1]
            )
            if self._on_late is not None:
                await self._on_late(item[0], stored)

    async def drain(self, error: str | None, *, grace_s: float | None = None) -> None:
        """Give the backlog ``flush_timeout_s`` to empty (none after an error; ``grace_s``, at most
        ``flush_timeout_s``, on a graceful stop), then stop retrying.

        Raises the error that stopped the flusher, if one did (the backlog is then left to spill)."""
        wait_s = self.policy.flush_timeout_s if error is None else 0.0
        if grace_s is not None:
            wait_s = min(self.policy.flush_timeout_s, grace_s)
        if self.given_up:  # a second stop came before the drain: no grace left
            wait_s = 0.0
        await self._report_reply_lost()
        idle = self._flusher is None or self._flusher.done()
        if self._pending and wait_s > 0 and self.failure is None and idle:
            self._flusher = asyncio.create_task(self._flush())  # batches held at a stop
        flusher = self._flusher
        if flusher is None:
            self._raise_failure()
            return
        if wait_s > 0 and not flusher.done():
            await asyncio.wait({flusher}, timeout=wait_s)  # ends early when give_up() cancels it
        if not flusher.done():
            flusher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(flusher, return_exceptions=True)
        self._flusher = None
        await self._report_reply_lost()
        self._raise_failure()

    async def _report_reply_lost(self) -> None:
        """Report the batches committed whose reply a stop overtook, as stored late, with their counts."""
        while self._reply_lost:
            batch, result = self._reply_lost.pop(0)
            self.stored_late += 1
            if self._on_late is not None:
                await self._on_late(batch, result)

    def give_up(self) -> None:
        """Stop retrying the backlog now (a second stop signal): a ``drain`` in progress returns at
        once (one that has not begun yet waits for nothing) and the batches held back are left to
        :meth:`spill_remaining`."""
        self.given_up = True
        if self._flusher is not None and not self._flusher.done():
            self._flusher.cancel()

    # --- spilling -----------------------------------------------------------------------------------

    def note_run_origin(self, run_id: int, origin: RunOrigin) -> None:
        self._origins[run_id] = origin

    async def check_spill_dir(self) -> None:
        """Raise ``OSError`` if the spill directory cannot take a file (checked before the first batch)."""
        if self.spill_dir is not None:
            await asyncio.to_thread(check_writable, self.spill_dir)

    def spill_path(self, run_id: int) -> Path | None:
        return None if self.spill_dir is None else self.spill_dir / f"run-{run_id}.jsonl"

    async def _spill_one(self, batch: ScrapeBatch, run_id: int, reason: str) -> None:
        path = self.spill_path(run_id)
        if path is None:
            self.lost += 1
            _batch_log(batch, run_id).error(
                "batch {} of run {} LOST: no spill directory ({})", batch.batch_index, run_id, reason
            )
            return
        try:
            await asyncio.to_thread(
                append_batch,
                path,
                scrape_run_id=run_id,
                batch=batch,
                reason=reason,
                origin=self._origins.get(run_id),
            )
        except OSError as exc:
            self.lost += 1
            _batch_log(batch, run_id).error(
                "batch {} of run {} LOST: spill to {} failed: {}", batch.batch_index, run_id, path, exc
            )
            return
        self.spilled += 1
        self.spill_files.add(path)
        self.spill_reason = reason
        _batch_log(batch, run_id).warning(
            "batch {} of run {} spilled to {}: {}", batch.batch_index, run_id, path, reason
        )

    async def spill_remaining(self, reason: str) -> int:
        """Write every batch still in the backlog to its run's spill file; returns how many were left."""
        left = list(self._pending)
        self._pending.clear()
        for batch, run_id in left:
            await self._spill_one(batch, run_id, reason)
        return len(left)
