"""Change-only odds history: the market catalogues, ``odds_history`` and ``current_odds``.

``odds_history`` and ``current_odds`` are keyed by the site's event row first: ``event_id`` is
``events.id`` for BetPawa (``bookmaker_id`` 1) and ``competitor_events.id`` for SportyBet and Bet9ja.
A market's state is its shape (catalogue id: name, outcome names, groups) and its odds (one per
outcome, negated when inactive); ``shape_id`` NULL in a history row closes the market.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import attrs
import orjson

from oddsstore.db import Connection, load_sql
from oddsstore.repositories.columns import MarketKey, MarketShape

_LOCK = load_sql("history/lock_keys")
_ENSURE_PARTITIONS = load_sql("history/ensure_partitions_for")
_UPSERT_KEYS = load_sql("history/upsert_market_keys")
_UPSERT_SHAPES = load_sql("history/upsert_market_shapes")
_CURRENT_STATE = load_sql("history/select_current_state")
_UPDATE_CURRENT = load_sql("history/update_current_odds")
_WRITE_CHANGES = load_sql("history/write_changes")

# From this many rows on (a batch of events seen for the first time) COPY beats one INSERT statement,
# below it the statement's single round trip wins (COPY asks for the table's columns first).
COPY_FROM_ROWS = 5000

# Column order of the records COPY writes.
HISTORY_COPY_COLUMNS = (
    "event_id",
    "captured_at",
    "scrape_run_id",
    "key_id",
    "shape_id",
    "bookmaker_id",
    "odds",
)
CURRENT_COPY_COLUMNS = (
    "event_id",
    "bookmaker_id",
    "key_id",
    "shape_id",
    "odds",
    "first_seen",
    "last_changed",
)
_STATE_BEFORE = load_sql("history/select_state_before")

# A stored state: (shape id, encoded odds, see odds_codec); its key: (event_id, bookmaker_id, key_id).
State = tuple[int, bytes]
StateKey = tuple[int, int, int]
Owner = tuple[int, int]  # (event_id, bookmaker_id)


@attrs.define(slots=True)
class ChangeColumns:
    """History rows to write, aligned by position (``shape_id`` and ``odds`` None: a closing)."""

    event_id: list[int] = attrs.field(factory=list)
    bookmaker_id: list[int] = attrs.field(factory=list)
    key_id: list[int] = attrs.field(factory=list)
    shape_id: list[int | None] = attrs.field(factory=list)
    captured_at: list[datetime] = attrs.field(factory=list)
    odds: list[bytes | None] = attrs.field(factory=list)
    run_id: list[int] = attrs.field(factory=list)  # the run of the snapshot the row belongs to
    # what the row does to current_odds: "new" (a key it lacks), "change" (update or, with no
    # state, delete), "" (nothing: a late snapshot's row)
    current: list[str] = attrs.field(factory=list)

    def add(
        self, key: StateKey, state: State | None, captured_at: datetime, run_id: int, *, current: str
    ) -> None:
        event_id, bookmaker_id, key_id = key
        self.event_id.append(event_id)
        self.bookmaker_id.append(bookmaker_id)
        self.key_id.append(key_id)
        self.shape_id.append(None if state is None else state[0])
        self.odds.append(None if state is None else state[1])
        self.captured_at.append(captured_at)
        self.run_id.append(run_id)
        self.current.append(current)

    def __len__(self) -> int:
        return len(self.key_id)


@attrs.frozen(slots=True)
class Position:
    """Where a snapshot sits in its event's history: ``(captured_at, scrape_run_id)``."""

    event_id: int
    bookmaker_id: int
    captured_at: datetime
    scrape_run_id: int


class HistoryRepository:
    """Catalogues, change detection reads and change writes. Takes the caller's connection (the
    caller owns the transaction)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def lock(self, *, keys: Sequence[int]) -> None:
        """Transaction-level advisory locks on ``keys``, in the order given (sort them)."""
        if keys:
            await self._conn.fetchval(_LOCK, list(keys))

    async def ensure_partitions_for(self, *, times: Sequence[datetime | None]) -> int:
        """Create the day partitions missing for ``times`` and for now; return how many were created."""
        created = await self._conn.fetchval(_ENSURE_PARTITIONS, [t for t in times if t is not None])
        return int(created or 0)

    async def market_key_ids(self, *, keys: Iterable[MarketKey]) -> dict[MarketKey, int]:
        """The catalogue id of every key, adding the missing ones."""
        wanted = list(dict.fromkeys(keys))
        ids: dict[MarketKey, int] = {}
        for _ in range(3):  # a key added concurrently by another transaction shows on the next try
            todo = [k for k in wanted if k not in ids]
            if not todo:
                break
            records = await self._conn.fetch(
                _UPSERT_KEYS,
                [k[0] for k in todo],
                [k[1] for k in todo],
                [k[2] for k in todo],
                [k[3] for k in todo],
                [k[4] for k in todo],
            )
            for r in records:
                ids[
                    (r["market_id"], r["line"], r["handicap_type"], r["handicap_home"], r["handicap_away"])
                ] = r["id"]
        missing = [k for k in wanted if k not in ids]
        if missing:
            raise RuntimeError(f"market catalogue: no id for {len(missing)} keys")
        return ids

    async def market_shape_ids(self, *, shapes: Iterable[MarketShape]) -> dict[MarketShape, int]:
        """The catalogue id of every shape, adding the missing ones."""
        wanted = list(dict.fromkeys(shapes))
        ids: dict[MarketShape, int] = {}
        for _ in range(3):
            todo = [s for s in wanted if s not in ids]
            if not todo:
                break
            records = await self._conn.fetch(
                _UPSERT_SHAPES,
                [s[0] for s in todo],
                [orjson.dumps(s[1]).decode() for s in todo],
                [None if s[2] is None else orjson.dumps(s[2]).decode() for s in todo],
            )
            for r in records:
                groups = r["groups"]
                shape = (
                    r["market_name"],
                    tuple(r["outcome_names"]),
                    None if groups is None else tuple(groups),
                )
                ids[shape] = r["id"]
        missing = [s for s in wanted if s not in ids]
        if missing:
            raise RuntimeError(f"market catalogue: no id for {len(missing)} shapes")
        return ids

    async def current_state(self, *, events: Sequence[Owner]) -> dict[Owner, dict[int, State]]:
        """The stored state of every open market of the given ``(event_id, bookmaker_id)`` pairs, by
        pair and key id (a pair without open markets is absent)."""
        states: dict[Owner, dict[int, State]] = {}
        if not events:
            return states
        records = await self._conn.fetch(_CURRENT_STATE, [e[0] for e in events], [e[1] for e in events])
        for r in records:
            states.setdefault((r["event_id"], r["bookmaker_id"]), {})[r["key_id"]] = (
                r["shape_id"],
                r["odds"],
            )
        return states

    async def state_before(self, *, positions: Sequence[Position]) -> StateBefore:
        """For late snapshots: the state of every key just before each position (closed keys left
        out), the position of the event's next stored snapshot, and the keys with a row there."""
        result = StateBefore()
        if not positions:
            return result
        records = await self._conn.fetch(
            _STATE_BEFORE,
            [p.event_id for p in positions],
            [p.bookmaker_id for p in positions],
            [p.captured_at for p in positions],
            [p.scrape_run_id for p in positions],
        )
        for r in records:
            owner = (r["event_id"], r["bookmaker_id"])
            if r["kind"] == "next":
                result.next_position[owner] = (r["captured_at"], r["scrape_run_id"])
            elif r["kind"] == "at_next":
                result.keys_at_next.add((*owner, r["key_id"]))
            else:
                states = result.states.setdefault(owner, {})
                if r["shape_id"] is not None:
                    states[r["key_id"]] = (r["shape_id"], r["odds"])
        return result

    async def write_changes(self, *, rows: ChangeColumns) -> int:
        """Write the history rows and bring ``current_odds`` to the same state (keys first seen added,
        changed keys updated, closed keys deleted); return the history rows written. One statement for
        the usual few thousand rows; ``COPY`` from ``COPY_FROM_ROWS`` rows on."""
        if not len(rows):
            return 0
        if len(rows) < COPY_FROM_ROWS:
            written = await self._conn.fetchval(
                _WRITE_CHANGES,
                rows.event_id,
                rows.bookmaker_id,
                rows.key_id,
                rows.shape_id,
                rows.captured_at,
                rows.odds,
                rows.run_id,
                [what != "" for what in rows.current],
            )
            return int(written)
        await self._conn.copy_records_to_table(
            "odds_history",
            records=zip(
                rows.event_id,
                rows.captured_at,
                rows.run_id,
                rows.key_id,
                rows.shape_id,
                rows.bookmaker_id,
                rows.odds,
                strict=True,
            ),
            columns=HISTORY_COPY_COLUMNS,
        )
        new = [i for i, what in enumerate(rows.current) if what == "new"]
        if new:
            await self._conn.copy_records_to_table(
                "current_odds",
                records=(
                    (
                        rows.event_id[i],
                        rows.bookmaker_id[i],
                        rows.key_id[i],
                        rows.shape_id[i],
                        rows.odds[i],
                        rows.captured_at[i],
                        rows.captured_at[i],
                    )
                    for i in new
                ),
                columns=CURRENT_COPY_COLUMNS,
            )
        changed = [i for i, what in enumerate(rows.current) if what == "change"]
        if changed:
            await self._conn.fetchval(
                _UPDATE_CURRENT,
                [rows.event_id[i] for i in changed],
                [rows.bookmaker_id[i] for i in changed],
                [rows.key_id[i] for i in changed],
                [rows.shape_id[i] for i in changed],
                [rows.captured_at[i] for i in changed],
                [rows.odds[i] for i in changed],
            )
        return len(rows)


@attrs.define(slots=True)
class StateBefore:
    """What ``HistoryRepository.state_before`` found (keys are ``(event_id, bookmaker_id, key_id)``)."""

    states: dict[Owner, dict[int, State]] = attrs.field(factory=dict)
    next_position: dict[Owner, tuple[datetime, int]] = attrs.field(factory=dict)
    keys_at_next: set[StateKey] = attrs.field(factory=set)
