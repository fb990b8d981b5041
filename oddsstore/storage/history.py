"""Change detection: which market rows of a batch go to ``odds_history`` (pure, plus the reads it needs).

A snapshot created by the batch is compared with the **stored** state of its (event, site), read from
``current_odds`` before the batch writes anything (the caller holds an advisory lock on each (event,
site), so no other store changes that state in between). A history row is written for a key that is
new, whose shape (name, outcome names, groups) or odds (activity included: an inactive price is stored
negated) differ, and a closing row (no shape, no odds) for a key the stored state has open but the
snapshot lacks. Only snapshots created by this batch count: a site that failed has no snapshot and
closes nothing, and a retried batch creates no snapshot, so it writes no row twice.

A *late* snapshot (a replayed batch of an older run, positioned before the event's latest stored
snapshot) is compared with the state as of just before its position, read from the history, and
``current_odds`` is left alone; the keys it changes get their previous state written again at the
event's next snapshot, so every later snapshot still reads back exactly as it was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from oddsstore.db import Connection
from oddsstore.repositories.bookmakers import BOOKMAKER_IDS
from oddsstore.repositories.columns import MarketKey, MarketShape
from oddsstore.repositories.history import ChangeColumns, HistoryRepository, Owner, Position, State
from oddsstore.repositories.snapshots import CreatedSnapshot
from oddsstore.storage.rows import SnapshotBatch

__all__ = ["BOOKMAKER_IDS", "CreatedSnapshot", "diff_states", "lock_keys", "store_changes"]


_OWNER_SPACE = 10**15  # advisory lock keys: -(bookmaker * 10^15 + event id), -(9 * 10^15 + run id)


def lock_keys(run_id: int, owners: Sequence[Owner]) -> list[int]:
    """Advisory lock keys for the run and each ``(event_id, bookmaker_id)``, sorted (negative, so they
    never meet the cycle lock)."""
    keys = {-(9 * _OWNER_SPACE + run_id)}
    keys.update(-(bookmaker * _OWNER_SPACE + event) for event, bookmaker in owners)
    return sorted(keys)


def diff_states(before: Mapping[int, State], after: Mapping[int, State]) -> list[tuple[int, State | None]]:
    """The rows that take ``before`` to ``after``: ``(key_id, state)`` for every new or changed key,
    ``(key_id, None)`` for every key ``after`` lacks. Keys in ``after``'s order, closings last."""
    rows: list[tuple[int, State | None]] = [(k, s) for k, s in after.items() if before.get(k) != s]
    rows.extend((k, None) for k in before if k not in after)
    return rows


def _snapshot_states(
    side: SnapshotBatch,
    created: Mapping[int, CreatedSnapshot],
    key_ids: Mapping[MarketKey, int],
    shape_ids: Mapping[MarketShape, int],
) -> list[tuple[Owner, CreatedSnapshot, dict[int, State]]]:
    m = side.markets
    out: list[tuple[Owner, CreatedSnapshot, dict[int, State]]] = []
    for owner_id, platform, span in zip(
        side.snapshots.owner_id, side.platforms, side.markets_by_snapshot(), strict=True
    ):
        snap = created.get(owner_id)
        if snap is None:
            continue
        states = {key_ids[m.key[j]]: (shape_ids[m.shape[j]], m.odds[j]) for j in span}
        out.append(((owner_id, BOOKMAKER_IDS[platform]), snap, states))
    return out


async def store_changes(
    conn: Connection,
    run_id: int,
    sides: Sequence[tuple[SnapshotBatch, Mapping[int, CreatedSnapshot]]],
    current: Mapping[Owner, Mapping[int, State]],
) -> tuple[int, int]:
    """Write the history rows of the snapshots created (``owner id -> CreatedSnapshot`` per side) and
    update ``current_odds``; return the history rows written and the ``current_odds`` rows changed.
    ``current`` is the stored state of the batch's (event, site) pairs, read under their advisory locks
    before the batch wrote any of it."""
    history = HistoryRepository(conn)
    keys = {side.markets.key[j] for side, created in sides for j in _created_positions(side, created)}
    shapes = {side.markets.shape[j] for side, created in sides for j in _created_positions(side, created)}
    key_ids = await history.market_key_ids(keys=keys)
    shape_ids = await history.market_shape_ids(shapes=shapes)
    snapshots = [s for side, created in sides for s in _snapshot_states(side, created, key_ids, shape_ids)]
    late = [Position(o[0], o[1], snap.captured_at, run_id) for o, snap, _ in snapshots if snap.late]
    before_late = await history.state_before(positions=late)
    rows = ChangeColumns()
    for owner, snap, states in snapshots:
        event_id, bookmaker_id = owner
        if not snap.late:
            stored = current.get(owner, {})
            for key_id, state in diff_states(stored, states):
                what = "change" if key_id in stored else "new"
                rows.add((event_id, bookmaker_id, key_id), state, snap.captured_at, run_id, current=what)
            continue
        before = before_late.states.get(owner, {})
        following = before_late.next_position.get(owner)
        for key_id, state in diff_states(before, states):
            key = (event_id, bookmaker_id, key_id)
            rows.add(key, state, snap.captured_at, run_id, current="")
            if following is not None and key not in before_late.keys_at_next:
                # the next snapshot had the previous state of this key: say it again there
                rows.add(key, before.get(key_id), following[0], following[1], current="")
    written = await history.write_changes(rows=rows)
    return written, sum(1 for what in rows.current if what)


def _created_positions(side: SnapshotBatch, created: Mapping[int, CreatedSnapshot]) -> list[int]:
    return [
        j
        for owner_id, span in zip(side.snapshots.owner_id, side.markets_by_snapshot(), strict=True)
        if owner_id in created
        for j in span
    ]
