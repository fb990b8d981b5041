"""SportyBet: tournaments tree -> pcEvents (several tournaments per POST) -> events with SR ids."""

from __future__ import annotations

import random
import time
from typing import Any

import aiohttp

from oddsstore.clients.base import Discovery, HttpSite
from oddsstore.clients.discovery import DiscoveryRun, parsed
from oddsstore.clients.settings import ClientSettings
from oddsstore.errors import PermanentSiteError
from oddsstore.models import Platform
from oddsstore.parsing import parse_discovery_page, parse_tree

SPORT = "sr:sport:1"
TREE_PATH = "/api/ng/factsCenter/popularAndSportList"
EVENTS_PATH = "/api/ng/factsCenter/pcEvents"
EVENT_PATH = "/api/ng/factsCenter/event"
LIST_MARKETS = "1,18,10,29,11,26,36,14"
SUCCESS = "10000"  # an int in every captured body; compared as text to be lenient


def _check_biz(body: Any, label: str) -> None:
    if not isinstance(body, dict) or "bizCode" not in body:
        raise PermanentSiteError(Platform.SPORTYBET, label, "bad_envelope", "no bizCode in the body")
    if str(body["bizCode"]) != SUCCESS:
        message = str(body.get("message", ""))[:120]
        raise PermanentSiteError(
            Platform.SPORTYBET, label, "bad_envelope", f"bizCode {body['bizCode']!r} {message}".strip()
        )
    if "data" not in body:
        raise PermanentSiteError(Platform.SPORTYBET, label, "bad_envelope", "no data in the body")


def match_id(platform_event_id: str) -> str:
    """``sr:match:N`` for a SportyBet event id given as ``sr:match:N`` or plain ``N``."""
    return platform_event_id if platform_event_id.startswith("sr:match:") else f"sr:match:{platform_event_id}"


class SportyBetClient:
    platform = Platform.SPORTYBET

    def __init__(
        self, session: aiohttp.ClientSession, settings: ClientSettings, *, rng: random.Random | None = None
    ) -> None:
        self.http = HttpSite(
            Platform.SPORTYBET,
            session,
            settings,
            headers={
                "clientid": "web",
                "operid": "2",
                "platform": "web",
                "accept": "*/*",
                "user-agent": settings.user_agent,
            },
            rng=rng,
        )
        self._batch = settings.sportybet_tournaments_per_request

    @staticmethod
    def _cache_buster() -> str:
        return str(int(time.time() * 1000))

    async def fetch_event(self, platform_event_id: str) -> dict[str, Any]:
        params = {"eventId": match_id(platform_event_id), "productId": "3", "_t": self._cache_buster()}
        body: dict[str, Any] = await self.http.get_json(EVENT_PATH, params=params, check=_check_biz)
        return body

    async def discover(self) -> Discovery:
        run = DiscoveryRun(self.platform)
        params = {"sportId": SPORT, "timeline": "", "productId": "3", "_t": self._cache_buster()}
        tree = await self.http.get_json(TREE_PATH, params=params, check=_check_biz)
        entries = run.take_tree(
            parsed(self.platform, f"GET {TREE_PATH}", lambda p: parse_tree(self.platform, p), tree)
        )
        ids = [entry.id for entry in entries]
        batches = [ids[i : i + self._batch] for i in range(0, len(ids), self._batch)]

        async def fetch_batch(batch: list[str]) -> None:
            try:
                await self._tournaments(run, batch)
            except PermanentSiteError as exc:
                if len(batch) == 1 or exc.reason == "circuit_open":
                    raise
                # one bad tournament must not cost its whole batch: ask for each on its own
                run.counts["batches_split"] += 1
                await run.each("batches", [[t] for t in batch], fetch_batch)

        await run.each("batches", batches, fetch_batch)
        return run.finish(units="batches")

    async def _tournaments(self, run: DiscoveryRun, batch: list[str]) -> None:
        body = [{"sportId": SPORT, "marketId": LIST_MARKETS, "tournamentId": [[t] for t in batch]}]
        label = f"POST {EVENTS_PATH} (tournaments {', '.join(batch)})"
        answer = await self.http.post_json(
            EVENTS_PATH, body, check=_check_biz, headers={"content-type": "application/json"}, label=label
        )
        run.add_page(parsed(self.platform, label, lambda p: parse_discovery_page(self.platform, p), answer))
