"""Bet9ja: groups tree -> each group's events (events without EXTID are counted, not kept)."""

from __future__ import annotations

import random
from typing import Any

import aiohttp

from oddsstore.clients.base import Discovery, HttpSite, request_label
from oddsstore.clients.discovery import DiscoveryRun, parsed
from oddsstore.clients.settings import ClientSettings
from oddsstore.errors import PermanentSiteError
from oddsstore.models import Platform
from oddsstore.parsing import TreeEntry, parse_discovery_page, parse_tree

API = "/desktop/feapi/PalimpsestAjax"
TREE_PATH = f"{API}/GetSports"
GROUP_PATH = f"{API}/GetEventsInGroupV2"
EVENT_PATH = f"{API}/GetEvent"
SUCCESS = frozenset({"OK", "D"})


def _check_r(body: Any, label: str) -> None:
    if not isinstance(body, dict) or "R" not in body:
        raise PermanentSiteError(Platform.BET9JA, label, "bad_envelope", "no R in the body")
    code = body["R"]
    if code == "E":
        raise PermanentSiteError(Platform.BET9JA, label, "not_found", 'R == "E" (unknown event)')
    if code not in SUCCESS:
        raise PermanentSiteError(Platform.BET9JA, label, "bad_envelope", f"R == {code!r}")
    if not isinstance(body.get("D"), dict):
        raise PermanentSiteError(Platform.BET9JA, label, "bad_envelope", "no D object in the body")


class Bet9jaClient:
    platform = Platform.BET9JA

    def __init__(
        self, session: aiohttp.ClientSession, settings: ClientSettings, *, rng: random.Random | None = None
    ) -> None:
        self.http = HttpSite(
            Platform.BET9JA,
            session,
            settings,
            headers={"accept": "application/json, text/plain, */*", "user-agent": settings.user_agent},
            throttle_statuses=frozenset({403, 429}),  # Bet9ja answers 403 when pushed too hard
            rng=rng,
        )
        self._version = settings.bet9ja_cache_version

    def _params(self, **params: str) -> dict[str, str]:
        return {**params, "v_cache_version": self._version}

    async def fetch_event(self, platform_event_id: str) -> dict[str, Any]:
        body: dict[str, Any] = await self.http.get_json(
            EVENT_PATH, params=self._params(EVENTID=platform_event_id), check=_check_r
        )
        return body

    async def discover(self) -> Discovery:
        run = DiscoveryRun(self.platform)
        tree = await self.http.get_json(TREE_PATH, params=self._params(DISP="0"), check=_check_r)
        entries = run.take_tree(
            parsed(self.platform, f"GET {TREE_PATH}", lambda p: parse_tree(self.platform, p), tree)
        )

        async def group(entry: TreeEntry) -> None:
            params = self._params(GROUPID=entry.id, DISP="0", GROUPMARKETID="1")
            body = await self.http.get_json(GROUP_PATH, params=params, check=_check_r)
            label = request_label("GET", GROUP_PATH, params)
            page = parsed(self.platform, label, lambda p: parse_discovery_page(self.platform, p), body)
            run.add_page(page)

        await run.each("groups", entries, group)
        return run.finish(units="groups")
