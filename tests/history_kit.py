"""Batches that drift between runs, and the tests' own view of what changed (no library code)."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime, timedelta

import attrs

from oddsstore.models import Market, Outcome, Platform, ScrapeBatch, SiteResult

Key = tuple[str, float | None, str | None, float | None, float | None]
SiteKey = tuple[str, Platform]  # (sportradar id, site)


def market_key(m: Market) -> Key:
    return (m.market_id, m.line, m.handicap_type, m.handicap_home, m.handicap_away)


def full_state(batch: ScrapeBatch) -> dict[SiteKey, dict[Key, Market]]:
    """What each site returned in the batch (sites that failed are absent)."""
    state: dict[SiteKey, dict[Key, Market]] = {}
    for event in batch.events:
        for r in event.results:
            if r.odds is not None:
                state[(event.sportradar_id, r.platform)] = {market_key(m): m for m in r.odds.markets}
    return state


def expected_changes(
    before: dict[SiteKey, dict[Key, Market]], batch: ScrapeBatch
) -> set[tuple[SiteKey, Key]]:
    """The (site, key) pairs a change-only store must write for ``batch`` given the state ``before``:
    new or different markets, and markets the returned site no longer has."""
    changes: set[tuple[SiteKey, Key]] = set()
    for site, markets in full_state(batch).items():
        old = before.get(site, {})
        changes.update((site, k) for k, m in markets.items() if old.get(k) != m)
        changes.update((site, k) for k in old if k not in markets)
    return changes


def apply(before: dict[SiteKey, dict[Key, Market]], batch: ScrapeBatch) -> dict[SiteKey, dict[Key, Market]]:
    state = {k: dict(v) for k, v in before.items()}
    state.update(full_state(batch))
    return state


def _moved(rng: random.Random, m: Market) -> Market:
    roll = rng.random()
    outcomes = list(m.outcomes)
    i = rng.randrange(len(outcomes))
    if roll < 0.6:
        outcomes[i] = attrs.evolve(
            outcomes[i], odds=round(outcomes[i].odds + rng.choice((-0.05, 0.05, 0.1)), 2) or 1.01
        )
    elif roll < 0.8:
        outcomes[i] = attrs.evolve(outcomes[i], is_active=not outcomes[i].is_active)
    elif roll < 0.9:
        outcomes.append(Outcome(name=f"extra{i}", odds=3.3))
    else:
        outcomes[i] = attrs.evolve(outcomes[i], odds=outcomes[i].odds + 1 / 3)  # not a whole thousandth
    return attrs.evolve(m, outcomes=tuple(outcomes))


def drift(
    batch: ScrapeBatch,
    seed: int,
    now: datetime,
    *,
    change: float = 0.1,
    drop: float = 0.02,
    fail: Iterable[SiteKey] = (),
    add_market: bool = True,
) -> ScrapeBatch:
    """The next run of ``batch`` at ``now``: a share ``change`` of markets moved, ``drop`` removed, one
    new market per snapshot (``add_market``), and the sites in ``fail`` failed."""
    rng = random.Random(seed)
    failing = set(fail)
    events = []
    for event in batch.events:
        results = []
        for r in event.results:
            if (event.sportradar_id, r.platform) in failing:
                results.append(SiteResult(platform=r.platform, error="HTTP 503", timing_ms=5))
                continue
            if r.odds is None:
                results.append(r)
                continue
            markets = []
            for m in r.odds.markets:
                roll = rng.random()
                if roll < drop:
                    continue
                markets.append(_moved(rng, m) if roll < drop + change else m)
            if add_market:
                markets.append(Market(f"new{seed}", "Brand New", (Outcome("a", 1.9), Outcome("b", 1.95))))
            # the kickoff keeps its distance to the scrape (a batch far later is another day's board)
            ahead = r.odds.kickoff - event.scraped_at if event.scraped_at is not None else None
            kickoff = r.odds.kickoff if ahead is None or ahead < -timedelta(hours=1) else now + ahead
            odds = attrs.evolve(r.odds, markets=tuple(markets), markets_mapped=len(markets), kickoff=kickoff)
            results.append(attrs.evolve(r, odds=odds))
        events.append(attrs.evolve(event, results=tuple(results), scraped_at=now))
    return ScrapeBatch(events=tuple(events), batch_index=batch.batch_index)


def sorted_markets(markets: Iterable[Market]) -> list[Market]:
    return sorted(markets, key=lambda m: repr(market_key(m)))
