"""Bookkeeping shared by the three discovery walks: counters, started-event filter, page failures."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from oddsstore.clients.base import Discovery
from oddsstore.errors import PermanentSiteError, SiteError
from oddsstore.models import DiscoveredEvent, Platform, utcnow
from oddsstore.parsing import DiscoveryPage, ParseError, TreeEntry

T = TypeVar("T")


def parsed(platform: Platform, label: str, parse: Callable[[Any], T], payload: Any) -> T:
    """Run a pure parser; a payload of the wrong shape becomes a (non-retried) ``bad_payload`` error."""
    try:
        return parse(payload)
    except ParseError as exc:
        raise PermanentSiteError(platform, label, "bad_payload", str(exc)[:300]) from exc


class DiscoveryRun:
    """One discovery walk in progress: the events kept so far and counters of what happened."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.counts: Counter[str] = Counter()
        self.errors: list[SiteError] = []
        self._events: dict[str, DiscoveredEvent] = {}
        self._started = time.monotonic()
        self._now = utcnow()
        self.missing_sportradar: list[str] = []

    def take_tree(self, entries: Iterable[TreeEntry]) -> list[TreeEntry]:
        """The tree's competitions, each once (a site may list one under two headings); counted."""
        unique = list({entry.id: entry for entry in entries}.values())
        self.counts["tree_entries"] = len(unique)
        return unique

    def add_page(self, page: DiscoveryPage) -> None:
        self.counts["pages"] += 1
        self.counts["listed"] += len(page.events) + len(page.missing_sportradar)
        self.missing_sportradar.extend(page.missing_sportradar)
        for reason, n in page.skipped.items():
            self.counts[reason if reason == "no_sportradar_id" else f"skipped_{reason}"] += n
        self.add_events(page.events)

    def add_events(self, events: Iterable[DiscoveredEvent]) -> None:
        for event in events:
            if event.kickoff <= self._now:
                self.counts["started_dropped"] += 1
            elif event.platform_event_id in self._events:
                self.counts["duplicates"] += 1
            else:
                self._events[event.platform_event_id] = event

    async def each(self, kind: str, items: Iterable[T], work: Callable[[T], Awaitable[None]]) -> None:
        """Run ``work`` on every item concurrently (the site gate bounds the requests in flight).

        A failing item is counted (``<kind>_failed``) and kept in ``errors``; it does not stop the others.
        """
        items = list(items)
        results = await asyncio.gather(*(work(item) for item in items), return_exceptions=True)
        for result in results:
            if isinstance(result, SiteError):
                self.counts[f"{kind}_failed"] += 1
                self.counts["errors"] += 1
                self.errors.append(result)
            elif isinstance(result, BaseException):
                raise result
            else:
                self.counts[f"{kind}_ok"] += 1

    def finish(self, *, units: str) -> Discovery:
        """The discovery, or an error when nothing was found or every ``units`` fetch failed."""
        if not self._events:
            failed, ok = self.counts[f"{units}_failed"], self.counts[f"{units}_ok"]
            if failed and not ok:
                first = self.errors[0]
                raise type(first)(
                    self.platform,
                    "discover",
                    first.reason,
                    f"all {failed} {units} failed; first: {first}",
                    attempts=first.attempts,
                    status=first.status,
                )
            raise PermanentSiteError(
                self.platform, "discover", "no_events", f"0 upcoming events ({dict(self.counts)})"
            )
        self.counts["events"] = len(self._events)
        for key in ("pages", "listed", "started_dropped", "no_sportradar_id", "errors"):
            self.counts.setdefault(key, 0)
        return Discovery(
            platform=self.platform,
            events=tuple(sorted(self._events.values(), key=lambda e: (e.kickoff, e.platform_event_id))),
            counts=dict(self.counts),
            elapsed_ms=int((time.monotonic() - self._started) * 1000),
        )
