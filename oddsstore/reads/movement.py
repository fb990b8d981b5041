"""Movement of one market of one event: per site, line and outcome, the opening price, every change
with its capture time, the latest state, and the closing line once the event has started.

Read from the change-only history, so a point is written only when the outcome's state changed: its
price, its being open (``odds`` is ``None`` while the outcome is closed, or while the site does not
list the market at all). **Opening**: the first open price stored. **Closing**: once kickoff has
passed, the state at kickoff (the latest point at or before it); ``None`` before kickoff or when
nothing was stored before it. ``since`` limits ``changes`` to points at or after it; opening, latest
and closing are always over the whole history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from oddsstore.models import Platform
from oddsstore.reads.common import MarketKey, iso, key_dict
from oddsstore.repositories.odds_codec import decode_odds

__all__ = ["Movement", "OutcomeMovement", "PricePoint", "build_movement"]


@attrs.frozen(slots=True)
class PricePoint:
    captured_at: datetime
    scrape_run_id: int
    odds: float | None  # None: the outcome was closed, or the market not listed

    def to_dict(self) -> dict[str, object]:
        return {"captured_at": iso(self.captured_at), "scrape_run_id": self.scrape_run_id, "odds": self.odds}


@attrs.frozen(slots=True)
class OutcomeMovement:
    platform: Platform
    key: MarketKey
    outcome: str
    opening: PricePoint | None
    changes: tuple[PricePoint, ...]  # every change in time order (from ``since`` when given)
    latest: PricePoint | None
    closing: PricePoint | None

    def to_dict(self) -> dict[str, object]:
        return {
            "platform": self.platform.value,
            **key_dict(self.key),
            "outcome": self.outcome,
            "opening": None if self.opening is None else self.opening.to_dict(),
            "changes": [c.to_dict() for c in self.changes],
            "latest": None if self.latest is None else self.latest.to_dict(),
            "closing": None if self.closing is None else self.closing.to_dict(),
        }


@attrs.frozen(slots=True)
class Movement:
    sportradar_id: str
    market_id: str
    line: float | None
    since: datetime | None
    kickoff: datetime
    started: bool  # kickoff has passed: closing lines are set
    outcomes: tuple[OutcomeMovement, ...]  # by site, line, then outcome in first-seen order

    def to_dict(self) -> dict[str, object]:
        return {
            "sportradar_id": self.sportradar_id,
            "market_id": self.market_id,
            "line": self.line,
            "since": iso(self.since),
            "kickoff": iso(self.kickoff),
            "started": self.started,
            "outcomes": [o.to_dict() for o in self.outcomes],
        }


def _series(
    platform: Platform, key: MarketKey, rows: list[Mapping[str, Any]]
) -> list[tuple[str, list[PricePoint]]]:
    names: list[str] = []
    points: dict[str, list[PricePoint]] = {}
    for r in rows:
        state: dict[str, float | None] = {}
        if r["outcome_names"] is not None:
            for name, price in zip(r["outcome_names"], decode_odds(r["odds"]), strict=True):
                state[name] = price if price > 1.0 else None  # negative: inactive; 1: a placeholder
                if name not in names:
                    names.append(name)
                    points[name] = []
        for name in names:
            odds = state.get(name)
            series = points[name]
            if not series or series[-1].odds != odds:
                series.append(PricePoint(r["captured_at"], r["scrape_run_id"], odds))
    return [(n, points[n]) for n in names]


def build_movement(
    rows: Iterable[Mapping[str, Any]],
    *,
    sportradar_id: str,
    market_id: str,
    line: float | None,
    since: datetime | None,
    kickoff: datetime,
    now: datetime,
) -> Movement:
    """The movement from ``select_market_history`` rows (ordered by site, key, then time)."""
    groups: dict[tuple[Platform, MarketKey], list[Mapping[str, Any]]] = {}
    for r in rows:
        key = (r["market_id"], r["line"], r["handicap_type"], r["handicap_home"], r["handicap_away"])
        groups.setdefault((Platform(r["platform"]), key), []).append(r)
    started = kickoff <= now
    outcomes: list[OutcomeMovement] = []
    order = {p: i for i, p in enumerate(Platform)}
    for platform, key in sorted(groups, key=lambda g: order[g[0]]):
        for name, points in _series(platform, key, groups[(platform, key)]):
            before_kickoff = [p for p in points if p.captured_at <= kickoff]
            outcomes.append(
                OutcomeMovement(
                    platform=platform,
                    key=key,
                    outcome=name,
                    opening=next((p for p in points if p.odds is not None), None),
                    changes=tuple(p for p in points if since is None or p.captured_at >= since),
                    latest=points[-1] if points else None,
                    closing=before_kickoff[-1] if started and before_kickoff else None,
                )
            )
    return Movement(
        sportradar_id=sportradar_id,
        market_id=market_id,
        line=line,
        since=since,
        kickoff=kickoff,
        started=started,
        outcomes=tuple(outcomes),
    )
