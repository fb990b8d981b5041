"""SR 68995116's raw prices, read by walking each site's JSON by hand (never through the parser), for the
mapping tests to compare with what is parsed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from oddsstore.models import EventOdds, Market, Platform

FIXTURES = Path(__file__).parent.parent / "fixtures"
BP, SB, B9 = Platform.BETPAWA, Platform.SPORTYBET, Platform.BET9JA


def load(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text("utf-8"))


RAW = {
    BP: load("betpawa/event_v3_prematch_68995116.json"),
    SB: load("sportybet/event_prematch_68995116.json"),
    B9: load("bet9ja/event_prematch_68995116.json"),
}


def betpawa_prices(
    market_id: str, line: str | None = None, raw: Any = None, handicap: str | None = None
) -> dict[str, float]:
    """name -> price over the market's rows (only the rows whose formattedHandicap is ``line``, or the
    prices whose handicap is ``handicap``, if given)."""
    prices: dict[str, float] = {}
    for market in (raw or RAW[BP])["markets"]:
        if market["marketType"]["id"] != market_id:
            continue
        for row in market["row"]:
            if line is None or row.get("formattedHandicap") == line:
                prices.update(
                    {
                        p["name"]: p.get("price", p.get("odds"))
                        for p in row["prices"]
                        if handicap is None or p.get("handicap") == handicap
                    }
                )
    return prices


def sportybet_prices(market_id: str, specifier: str | None = None, raw: Any = None) -> dict[str, float]:
    """desc -> odds of the market entry with that specifier (the first entry when none is given)."""
    for market in (raw or RAW[SB])["data"]["markets"]:
        if market["id"] == market_id and (specifier is None or market.get("specifier") == specifier):
            return {o["desc"]: float(o["odds"]) for o in market["outcomes"]}
    return {}


def bet9ja_prices(market: str, param: str | None = None, raw: Any = None) -> dict[str, float]:
    """suffix -> odds of the keys ``<market>_<suffix>`` (or ``<market>@<param>_<suffix>``)."""
    head = market if param is None else f"{market}@{param}"
    odds = (raw or RAW[B9])["D"]["O"]
    return {key[len(head) + 1 :]: float(v) for key, v in odds.items() if key.startswith(head + "_")}


def bet9ja_params(market: str, raw: Any = None) -> list[str | None]:
    """The parameters of ``<market>@<param>_<suffix>`` keys; [None] when the market has none."""
    odds = (raw or RAW[B9])["D"]["O"]
    found = {k[len(market) + 1 : k.rfind("_")] for k in odds if k.startswith(market + "@")}
    return sorted(found, key=float) or [None]


def markets(event: EventOdds, market_id: str) -> dict[float | None, Market]:
    return {m.line: m for m in event.markets if m.market_id == market_id}


def pairs(market: Market) -> list[tuple[str, float]]:
    return [(o.name, o.odds) for o in market.outcomes]
