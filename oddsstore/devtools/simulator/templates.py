"""The static parts of every site's market JSON, built once per board and shared by every body served.

A served body is then the priced odds poured into these templates (``{**static, "odds": ...}``), which
costs a fraction of building each market dict from scratch. Templates are never mutated.
"""

from __future__ import annotations

from typing import Any

import attrs

from oddsstore.devtools.simulator.board import Board
from oddsstore.devtools.simulator.catalog import SiteMarket
from oddsstore.devtools.simulator.odds import format_line
from oddsstore.models import Platform

_HANDICAP_TYPES = {"total": "NORMAL", "asian": "ASIAN", "european": "EUROPEAN"}


@attrs.frozen(slots=True)
class BetPawaLine:
    market_index: int
    market_type: dict[str, Any]
    row: dict[str, Any]  # the row's static keys (line, specifier)
    prices: tuple[dict[str, Any], ...]  # each price's static keys, by position


@attrs.frozen(slots=True)
class SportyBetLine:
    market: dict[str, Any]  # the market's static keys (no outcomes)
    outcomes: tuple[dict[str, Any], ...]  # each outcome's static keys, by position


def _betpawa_price_handicap(market: SiteMarket, line: float | None, position: int) -> str | None:
    if line is None:
        return None
    if market.kind == "european":
        return f"Away {-line:+g}" if position == 2 else f"Home {line:+g}"
    if market.kind == "asian":
        value = line if position == 0 else -line
        return f"{value:+g}" if value else "0"
    return format_line(line)


def _sportybet_specifier(market: SiteMarket, line: float | None) -> str | None:
    if line is None:
        return None
    if market.kind == "european":
        home = int(line)
        return f"hcp=0:{-home}" if home < 0 else f"hcp={home}:0"  # home -1 is "0:1"
    if market.kind == "asian":
        return f"hcp={format_line(line)}"
    return f"total={format_line(line)}"


def betpawa_lines(catalog: tuple[SiteMarket, ...], v4: bool) -> tuple[BetPawaLine, ...]:
    lines = []
    for index, market in enumerate(catalog):
        market_type = {
            "id": market.key,
            "name": market.name,
            "displayName": market.name.replace(" - ", " | "),
            "priority": index + 1,
            "tabs": list(market.tabs),
            "handicapType": _HANDICAP_TYPES.get(market.kind, ""),
        }
        for line in market.lines:
            row: dict[str, Any] = {}
            if line is not None:
                row["handicap"] = round(line * 4)  # the v3 "internal" number: the line times 4
                if v4:
                    row["specifier"] = {("total" if market.kind == "total" else "hcp"): format_line(line)}
                else:
                    row["formattedHandicap"] = None
            elif not v4:
                row.update({"handicap": None, "formattedHandicap": None})
            prices = tuple(
                {
                    "name": outcome.name,
                    "typeId": str(int(market.key) + position + 1) if market.key.isdigit() else "0",
                    "handicap": _betpawa_price_handicap(market, line, position),
                    "displayName": outcome.name,
                    "additionalInfo": {"anyUp": "NO_UP"},
                }
                for position, outcome in enumerate(market.outcomes)
            )
            lines.append(BetPawaLine(index, market_type, row, prices))
    return tuple(lines)


def sportybet_lines(catalog: tuple[SiteMarket, ...]) -> tuple[SportyBetLine, ...]:
    lines = []
    for market in catalog:
        for line in market.lines:
            static: dict[str, Any] = {"id": market.key, "product": 3, "desc": market.name, "status": 0}
            specifier = _sportybet_specifier(market, line)
            if specifier is not None:
                static["specifier"] = specifier
            static.update(
                {"group": "Main", "title": "", "name": market.name, "favourite": 0, "farNearOdds": 0,
                 "sourceType": "BET_RADAR", "banned": False}
            )  # fmt: skip
            outcomes = []
            for position, outcome in enumerate(market.outcomes):
                desc = outcome.name
                if market.kind == "total" and line is not None and desc in ("Over", "Under"):
                    desc = f"{desc} {format_line(line)}"  # the real site writes "Over 2.5"
                outcomes.append(
                    {"id": str(position + 1), "voidProbability": "0E-10", "isActive": 1, "desc": desc}
                )
            lines.append(SportyBetLine(static, tuple(outcomes)))
    return tuple(lines)


def bet9ja_keys(catalog: tuple[SiteMarket, ...]) -> tuple[tuple[str, ...], ...]:
    """The odds keys of every (market, line): ``S_OU@2.5_O``."""
    keys = []
    for market in catalog:
        for line in market.lines:
            param = "" if line is None else f"@{format_line(line)}"
            keys.append(tuple(f"{market.key}{param}_{outcome.name}" for outcome in market.outcomes))
    return tuple(keys)


class BodyTemplates:
    """The templates of one board, built once when the simulator starts."""

    def __init__(self, board: Board) -> None:
        self.betpawa_v4 = betpawa_lines(board.catalogs[Platform.BETPAWA], v4=True)
        self.betpawa_v3 = betpawa_lines(board.catalogs[Platform.BETPAWA], v4=False)
        self.sportybet = sportybet_lines(board.catalogs[Platform.SPORTYBET])
        self.bet9ja = bet9ja_keys(board.catalogs[Platform.BET9JA])
