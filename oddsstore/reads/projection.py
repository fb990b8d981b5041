"""The board's projection (``board_events``, migration 0006): per BetPawa event the comparison of the
``PROJECTED`` picks, written when the event's odds are stored and read back by ``board()``.

``refresh_board`` computes the rows with the live board's own code (``board_live``) from
``current_odds`` and replaces them; ``store_batch`` calls it in the batch's transaction for every
BetPawa event whose sportradar id the batch holds, so a committed ``current_odds`` and the projection
never disagree. ``projected_board`` answers a board whose picks are all ``PROJECTED`` from those rows
(one row an event, no odds to decode or compare); an event without a row of this ``VERSION`` is
computed live, so the answer is the live board's either way.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from oddsstore.db import Connection, load_sql
from oddsstore.models import Platform
from oddsstore.reads.board import (
    Board,
    BoardEvent,
    BoardMarket,
    BoardOutcome,
    event_of,
)
from oddsstore.reads.board_live import board_keys, live_board, live_rows
from oddsstore.reads.common import CORE, MarketKey, MarketPick
from oddsstore.repositories.bookmakers import BOOKMAKER_IDS, PLATFORMS_BY_ID

__all__ = ["PROJECTED", "VERSION", "encode_event", "projected_board", "projection_positions", "refresh_board"]

PROJECTED: tuple[MarketPick, ...] = CORE
"""The picks the projection holds: a board of any of them (any order) reads it."""

VERSION = 1
"""The projection's format and comparison rules; a row of another version is read live. Bump it when
``PROJECTED`` or the comparison changes."""

_LOCK = load_sql("projection/lock_board_events")
_UPSERT = load_sql("projection/upsert_board_event")
_SELECT = load_sql("projection/select_board_events")

_SITES = tuple(sorted(PLATFORMS_BY_ID))  # bookmaker ids, in site order
_PICK_OF_MARKET = {p.market_id: n for n, p in enumerate(PROJECTED)}
if len(_PICK_OF_MARKET) != len(PROJECTED):  # a market's row must name the one pick it answers
    raise RuntimeError("the projected picks must name distinct markets")
_EVER = datetime(1, 1, 1, tzinfo=UTC)  # every kickoff: the refresh is by sportradar id
# the sites of a market's bit mask (bit 1 << bookmaker id), and their offsets in a 3-per-item array
_MASK_SITES: dict[int, tuple[tuple[Platform, ...], tuple[int, ...]]] = {
    mask: (
        tuple(PLATFORMS_BY_ID[b] for b in _SITES if mask >> b & 1),
        tuple(b - 1 for b in _SITES if mask >> b & 1),
    )
    for mask in range(1 << 4)
}
_ALL_SITES = sum(1 << b for b in _SITES)
_SITE_ORDER = tuple(PLATFORMS_BY_ID[b] for b in _SITES)


def projection_positions(picks: Sequence[MarketPick]) -> list[int] | None:
    """Each pick's position in ``PROJECTED``, or None when a pick is not projected."""
    try:
        return [PROJECTED.index(p) for p in picks]
    except ValueError:
        return None


def encode_event(event_id: int, event: BoardEvent, key_ids: Mapping[MarketKey, int]) -> tuple[Any, ...]:
    """``upsert_board_event``'s parameters for ``event`` (a board of ``PROJECTED``)."""
    m_picks: list[int] = []
    m_keys: list[int] = []
    m_names: list[str] = []
    m_sites: list[int] = []
    margins: list[float | None] = []
    counts: list[int] = []
    o_names: list[str] = []
    odds: list[float | None] = []
    best: list[int] = []
    best_odds: list[float | None] = []
    gaps: list[float | None] = []
    behinds: list[bool] = []
    for m in event.markets:
        m_picks.append(_PICK_OF_MARKET[m.key[0]])
        m_keys.append(key_ids[m.key])
        m_names.append(m.market_name)
        m_sites.append(sum(1 << BOOKMAKER_IDS[p] for p in m.sites))
        margins.extend(m.margins.get(PLATFORMS_BY_ID[b]) for b in _SITES)
        counts.append(len(m.outcomes))
        for o in m.outcomes:
            o_names.append(o.name)
            by_site = o.odds
            odds.extend(by_site.get(PLATFORMS_BY_ID[b]) for b in _SITES)
            best.append(0 if o.best_competitor is None else BOOKMAKER_IDS[o.best_competitor])
            best_odds.append(o.best_competitor_odds)
            gaps.append(o.gap_pct)
            behinds.append(o.behind)
    return (
        event_id, VERSION, any(behinds), m_picks, m_keys, m_names, m_sites, margins, counts,
        o_names, odds, best, best_odds, gaps, behinds,
    )  # fmt: skip


async def refresh_board(conn: Connection, sportradar_ids: Collection[str]) -> int:
    """Recompute the projected rows of the BetPawa events with these sportradar ids from
    ``current_odds`` and replace them; return how many were written. Run it in the transaction that
    changed their odds (it locks the rows' sportradar ids until that transaction ends)."""
    if not sportradar_ids:
        return 0
    ids = list(dict.fromkeys(sportradar_ids))
    await conn.execute(_LOCK, ids)
    live = await live_rows(conn, PROJECTED, start=_EVER, kickoff_to=None, tournament=None, sportradar_ids=ids)
    board = live.board(PROJECTED, kickoff_from=_EVER, kickoff_to=None, only_behind=False)
    key_ids = {key: i for i, key in live.catalogue.keys.items()}
    params = [encode_event(r["id"], e, key_ids) for r, e in zip(live.rows, board.events, strict=True)]
    if params:
        await conn.executemany(_UPSERT, params)
    return len(params)


def _outcomes(row: Mapping[str, Any]) -> list[BoardOutcome]:
    """Every outcome of one projected row, market by market (built by ``map``: no Python frame an
    outcome, 15,600 of them on a 1,300-event board)."""
    flat = row["odds"]
    per_site = (flat[0::3], flat[1::3], flat[2::3])  # bookmakers 1-3
    names, best_odds, gaps, behinds = row["outcome_names"], row["best_odds"], row["gaps"], row["behinds"]
    best = list(map(PLATFORMS_BY_ID.get, row["best_sites"]))  # 0: None
    masks = row["market_sites"]
    if all(mask == _ALL_SITES for mask in masks):
        prices = zip(*per_site, strict=True)
        return list(
            map(BoardOutcome, names, itertools.repeat(_SITE_ORDER), prices, best, best_odds, gaps, behinds)
        )
    out: list[BoardOutcome] = []
    start = 0
    for mask, count in zip(masks, row["outcome_counts"], strict=True):
        end = start + count
        platforms, offsets = _MASK_SITES[mask]
        prices = zip(*[per_site[b][start:end] for b in offsets], strict=True)
        out.extend(
            map(BoardOutcome, names[start:end], itertools.repeat(platforms, count), prices,
                best[start:end], best_odds[start:end], gaps[start:end], behinds[start:end])
        )  # fmt: skip
        start = end
    return out


def _decode(
    row: Mapping[str, Any], keys: Mapping[int, MarketKey], wanted: Mapping[int, int]
) -> tuple[BoardMarket, ...]:
    """The markets of one projected row whose picks are ``wanted`` (pick -> its rank), in rank order."""
    outcomes = _outcomes(row)
    margins = row["margins"]
    markets: list[BoardMarket] = []
    ranks: list[int] = []
    start = 0
    for j, (pick, key_id, name, mask, count) in enumerate(
        zip(row["market_picks"], row["market_keys"], row["market_names"], row["market_sites"],
            row["outcome_counts"], strict=True)
    ):  # fmt: skip
        end = start + count
        rank = wanted.get(pick)
        if rank is not None:
            platforms, offsets = _MASK_SITES[mask]
            three = margins[3 * j : 3 * j + 3]
            listed = three if mask == _ALL_SITES else [three[b] for b in offsets]
            markets.append(
                BoardMarket(
                    keys[key_id],
                    name,
                    platforms,
                    dict(zip(platforms, listed, strict=True)),
                    tuple(outcomes[start:end]),
                )
            )
            ranks.append(rank)
        start = end
    if ranks != sorted(ranks):  # picks asked in another order than projected: stable, lines stay ascending
        return tuple(markets[i] for i in sorted(range(len(ranks)), key=ranks.__getitem__))
    return tuple(markets)


async def projected_board(
    conn: Connection,
    picks: tuple[MarketPick, ...],
    positions: Iterable[int],
    *,
    start: datetime,
    kickoff_to: datetime | None,
    tournament: str | None,
    only_behind: bool,
) -> Board:
    """The board of ``picks`` (all projected, at ``positions`` in ``PROJECTED``) from the projection;
    the events without a current row computed live."""
    wanted = {pos: rank for rank, pos in enumerate(positions)}
    keys = await board_keys(conn, PROJECTED)
    rows = await conn.fetch(_SELECT, start, kickoff_to, tournament, VERSION, only_behind)
    unprojected = [r["sportradar_id"] for r in rows if r["projected"] is None]
    live: dict[str, BoardEvent] = {}
    if unprojected:
        computed = await live_board(
            conn,
            picks,
            start=start,
            kickoff_to=kickoff_to,
            tournament=tournament,
            only_behind=only_behind,
            sportradar_ids=unprojected,
        )
        live = {e.sportradar_id: e for e in computed.events}
    events: list[BoardEvent] = []
    for r in rows:
        if r["projected"] is None:
            if (event := live.get(r["sportradar_id"])) is not None:
                events.append(event)
            continue
        if (event := event_of(r, _decode(r, keys, wanted), only_behind=only_behind)) is not None:
            events.append(event)
    return Board(
        kickoff_from=start,
        kickoff_to=kickoff_to,
        markets=picks,
        only_behind=only_behind,
        events=tuple(events),
    )
