"""Talking to the sites for a cycle: the three discoveries in parallel, and every site of one event at once.

:class:`Scraper` calls the site clients and the parser; a site's failure becomes that site's recorded
error (``"<reason>: <message>"``), never an exception of the cycle.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import attrs
from loguru import logger

from oddsstore.clients.base import SiteClient
from oddsstore.cycle.planning import MergeResult, merge_discoveries
from oddsstore.errors import SiteError
from oddsstore.models import (
    ALL_PLATFORMS,
    DiscoveredEvent,
    EventOdds,
    EventTarget,
    Platform,
    ScrapedEvent,
    SiteResult,
    utcnow,
)
from oddsstore.parsing import ParseError, parse_event
from oddsstore.progress import EventScraped, EventScraping, ProgressEvent, SiteDiscovery

Parser = Callable[[Platform, dict[str, Any]], EventOdds]
Emit = Callable[[ProgressEvent], None]


def ms_since(start: float) -> int:
    return int((time.perf_counter() - start) * 1000)


@attrs.frozen(slots=True)
class DiscoveryOutcome:
    """The discoveries merged: the targets, and per site its events, time and error."""

    merge: MergeResult
    sites: Mapping[Platform, SiteDiscovery]
    elapsed_ms: int

    @property
    def targets(self) -> tuple[EventTarget, ...]:
        return self.merge.targets


class Scraper:
    """The sites of a cycle (one client per platform to scrape) and the parser of their payloads."""

    def __init__(
        self,
        clients: Mapping[Platform, SiteClient],
        *,
        parser: Parser = parse_event,
        clock: Callable[[], datetime] = utcnow,
        parse_in_thread: bool = False,
    ) -> None:
        if not clients:
            raise ValueError("a cycle needs at least one site client")
        self.clients: Mapping[Platform, SiteClient] = dict(clients)
        self.clock = clock
        self._parse = parser
        self._parse_in_thread = parse_in_thread
        self._parse_turn = asyncio.Lock()
        self.discovery: DiscoveryOutcome | None = None

    @property
    def platforms(self) -> tuple[Platform, ...]:
        return tuple(p for p in ALL_PLATFORMS if p in self.clients)

    # --- discovery ----------------------------------------------------------------------------------

    async def _discover_site(
        self, platform: Platform
    ) -> tuple[Platform, tuple[DiscoveredEvent, ...], SiteDiscovery]:
        start = time.perf_counter()
        try:
            found = await self.clients[platform].discover()
        except SiteError as exc:
            logger.warning("discovery failed on {}: {}", platform.value, exc)
            error = f"{exc.reason}: {exc}"
            return platform, (), SiteDiscovery(events=0, elapsed_ms=ms_since(start), error=error)
        except Exception as exc:  # a bug or an unexpected failure: recorded, the other sites go on
            logger.opt(exception=exc).error("discovery crashed on {}", platform.value)
            error = f"unexpected: {type(exc).__name__}: {exc}"
            return platform, (), SiteDiscovery(events=0, elapsed_ms=ms_since(start), error=error)
        info = SiteDiscovery(events=len(found.events), elapsed_ms=found.elapsed_ms, counts=dict(found.counts))
        return platform, tuple(found.events), info

    async def discover_events(self) -> DiscoveryOutcome:
        """Run the sites' discoveries in parallel and merge them; a failing site never stops the others."""
        start = time.perf_counter()
        results = await asyncio.gather(*(self._discover_site(p) for p in self.platforms))
        merge = merge_discoveries({platform: events for platform, events, _ in results})
        self.discovery = DiscoveryOutcome(
            merge=merge, sites={platform: info for platform, _, info in results}, elapsed_ms=ms_since(start)
        )
        logger.info(
            "discovered {} events ({})",
            len(merge.targets),
            ", ".join(f"{p.value}={i.events}" for p, _, i in results),
        )
        return self.discovery

    # --- one event ----------------------------------------------------------------------------------

    async def _parse_payload(self, platform: Platform, payload: dict[str, Any]) -> EventOdds:
        """Parse on the loop, one payload per loop iteration.

        Responses arrive in bursts (a batch's 50 BetPawa events answer within a few hundred ms); parsed
        as they come, a burst would hold the loop for a second while other sites' answers wait unread
        and their slots sit idle. Taking turns, with a yield before each parse, lets the loop poll and
        serve I/O between any two parses: the pipes stay full and the CPU work is the same.
        """
        if self._parse_in_thread:
            return await asyncio.to_thread(self._parse, platform, payload)
        async with self._parse_turn:
            await asyncio.sleep(0)
            return self._parse(platform, payload)

    async def scrape_site(self, target: EventTarget, platform: Platform) -> SiteResult:
        """One site's odds for one event, or its error as ``"<reason>: <message>"``; never raises."""
        start = time.perf_counter()
        error: str
        try:
            payload = await self.clients[platform].fetch_event(target.platform_ids[platform])
            odds = await self._parse_payload(platform, payload)
        except SiteError as exc:
            error = f"{exc.reason}: {exc}"
        except ParseError as exc:
            error = f"parse_error: {exc}"
        except Exception as exc:  # a bug must not sink the cycle: it becomes this site's error
            logger.opt(exception=exc).error("scraping {} on {} crashed", target.sportradar_id, platform.value)
            error = f"unexpected: {type(exc).__name__}: {exc}"
        else:
            if odds.sportradar_id != target.sportradar_id:
                error = f"sportradar_mismatch: asked for {target.sportradar_id}, got {odds.sportradar_id}"
            else:
                return SiteResult(platform=platform, odds=odds, timing_ms=ms_since(start))
        return SiteResult(platform=platform, error=error[:2000], timing_ms=ms_since(start))

    async def scrape_event(
        self, target: EventTarget, *, emit: Emit, run_id: int = 0, batch_index: int = 0
    ) -> ScrapedEvent:
        """Every site of one event started together; emits ``EVENT_SCRAPING`` then ``EVENT_SCRAPED``."""
        platforms = tuple(p for p in target.platforms if p in self.clients)
        emit(
            EventScraping(
                run_id=run_id,
                batch_index=batch_index,
                sportradar_id=target.sportradar_id,
                platforms=tuple(p.value for p in platforms),
            )
        )
        scraped_at = self.clock()
        start = time.perf_counter()
        results = await asyncio.gather(*(self.scrape_site(target, p) for p in platforms))
        event = ScrapedEvent(
            sportradar_id=target.sportradar_id,
            platforms_requested=platforms,
            results=tuple(results),
            timing_ms=ms_since(start),
            scraped_at=scraped_at,
        )
        emit(event_scraped(event, run_id=run_id, batch_index=batch_index))
        return event


def event_scraped(event: ScrapedEvent, *, run_id: int, batch_index: int) -> EventScraped:
    scraped = tuple(r.platform.value for r in event.results if r.odds is not None)
    failed = tuple(r.platform.value for r in event.results if r.error is not None)
    return EventScraped(
        run_id=run_id,
        batch_index=batch_index,
        sportradar_id=event.sportradar_id,
        status="completed" if scraped else "failed",
        platforms_scraped=scraped,
        platforms_failed=failed,
        timing_ms=event.timing_ms,
        site_timings_ms={r.platform.value: r.timing_ms for r in event.results},
        markets_mapped=sum(len(r.odds.markets) for r in event.results if r.odds is not None),
        errors={r.platform.value: r.error for r in event.results if r.error is not None},
    )
