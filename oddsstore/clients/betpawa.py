"""BetPawa: tree -> competition event lists (paged) -> SportRadar id, from the event detail if needed."""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import quote

import aiohttp
import orjson

from oddsstore.clients.base import Discovery, HttpSite
from oddsstore.clients.discovery import DiscoveryRun, parsed
from oddsstore.clients.settings import ClientSettings
from oddsstore.errors import PermanentSiteError
from oddsstore.models import DiscoveredEvent, Platform
from oddsstore.parsing import ParseError, TreeEntry, parse_discovery_page, parse_event, parse_tree

FOOTBALL = "2"
MAX_PAGES = 100  # per competition: 10,000 events at take=100, far beyond any real competition


def _check_object(body: Any, label: str) -> None:
    if not isinstance(body, dict):
        raise PermanentSiteError(
            Platform.BETPAWA, label, "bad_envelope", f"expected an object, got {type(body).__name__}"
        )


def events_query(competition_id: str, skip: int, take: int) -> str:
    """The ``q`` parameter of ``events/lists/by-queries`` for one page of one competition."""
    query = {
        "queries": [
            {
                "query": {
                    "eventType": "UPCOMING",
                    "categories": [FOOTBALL],
                    "zones": {"competitions": [competition_id]},
                    "hasOdds": True,
                },
                "view": {},
                "skip": skip,
                "take": take,
            }
        ]
    }
    return orjson.dumps(query).decode()


def _page_length(body: Any) -> int:
    try:
        return len(body["responses"][0]["responses"])
    except (KeyError, IndexError, TypeError):
        return 0


class BetPawaClient:
    platform = Platform.BETPAWA

    def __init__(
        self, session: aiohttp.ClientSession, settings: ClientSettings, *, rng: random.Random | None = None
    ) -> None:
        self.http = HttpSite(
            Platform.BETPAWA,
            session,
            settings,
            headers={
                "x-pawa-brand": settings.betpawa_brand,
                "devicetype": "web",
                "accept": "application/json",
                "accept-language": "en-GB,en;q=0.9",
                "user-agent": settings.user_agent,
            },
            rng=rng,
        )
        self._api = f"/api/sportsbook/{settings.betpawa_api_version}"
        self._take = settings.betpawa_page_size

    async def fetch_event(self, platform_event_id: str) -> dict[str, Any]:
        path = f"{self._api}/events/{quote(platform_event_id, safe='')}"
        body: dict[str, Any] = await self.http.get_json(path, check=_check_object)
        return body

    async def discover(self) -> Discovery:
        run = DiscoveryRun(self.platform)
        path = f"{self._api}/categories/list/{FOOTBALL}"
        tree = await self.http.get_json(path, check=_check_object)
        entries = run.take_tree(
            parsed(self.platform, f"GET {path}", lambda p: parse_tree(self.platform, p), tree)
        )

        async def competition(entry: TreeEntry) -> None:
            await self._competition(run, entry)

        await run.each("competitions", entries, competition)

        async def lookup(event_id: str) -> None:
            await self._detail_lookup(run, event_id)

        missing = sorted(set(run.missing_sportradar))
        run.counts["detail_lookups"] = len(missing)
        await run.each("detail_lookups", missing, lookup)
        return run.finish(units="competitions")

    async def _competition(self, run: DiscoveryRun, entry: TreeEntry) -> None:
        path = f"{self._api}/events/lists/by-queries"
        skip = 0
        while True:
            params = {"q": events_query(entry.id, skip, self._take)}
            label = f"GET {path} (competition {entry.id}, skip {skip})"
            body = await self.http.get_json(path, params=params, check=_check_object, label=label)
            page = parsed(self.platform, label, lambda p: parse_discovery_page(self.platform, p), body)
            run.add_page(page)
            if _page_length(body) < self._take:
                return
            skip += self._take
            if skip >= self._take * MAX_PAGES:  # a site that ignores skip must not loop us forever
                run.counts["page_limit_hit"] += 1
                return

    async def _detail_lookup(self, run: DiscoveryRun, event_id: str) -> None:
        """A list item without a SPORTRADAR widget: read the id (and the facts) from the event detail."""
        body = await self.fetch_event(event_id)
        try:
            odds = parse_event(self.platform, body)
        except ParseError as exc:
            run.counts["no_sportradar_id"] += 1
            if exc.path == "widgets":  # the detail has no SR id either: counted, not an error
                return
            label = f"GET {self._api}/events/{event_id}"
            raise PermanentSiteError(self.platform, label, "bad_payload", str(exc)[:300]) from exc
        run.add_events(
            [
                DiscoveredEvent(
                    platform=self.platform,
                    sportradar_id=odds.sportradar_id,
                    platform_event_id=odds.platform_event_id,
                    kickoff=odds.kickoff,
                    home_team=odds.home_team,
                    away_team=odds.away_team,
                    tournament=odds.tournament,
                    tournament_id=odds.tournament_id,
                    country=odds.country,
                )
            ]
        )
