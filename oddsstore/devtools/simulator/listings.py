"""Discovery bodies (trees and event lists) in each site's real shape."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from oddsstore.devtools.simulator.board import Board, BoardEvent, Competition
from oddsstore.devtools.simulator.bodies import (
    bet9ja_odds,
    bet9ja_summary,
    betpawa_summary,
    sportybet_event_data,
    sportybet_market,
)
from oddsstore.devtools.simulator.odds import OddsBook
from oddsstore.devtools.simulator.templates import BodyTemplates
from oddsstore.models import Platform


def _competitions(board: Board, platform: Platform) -> list[tuple[Competition, int]]:
    return [
        (comp, len(board.competition_events(platform, comp.index)))
        for comp in board.competitions
        if board.competition_events(platform, comp.index)
    ]


# --- BetPawa -----------------------------------------------------------------------------------------


def betpawa_tree(board: Board) -> dict[str, Any]:
    regions: dict[int, dict[str, Any]] = {}
    total = 0
    for comp, count in _competitions(board, Platform.BETPAWA):
        total += count
        region = regions.setdefault(
            comp.country_index,
            {
                "region": {
                    "id": str(100 + comp.country_index),
                    "name": comp.country,
                    "slug": comp.country.lower(),
                },
                "competitions": [],
                "eventCounts": {"live": 0, "upcoming": 0, "boosted": 0, "hot": 0},
            },
        )
        region["competitions"].append(
            {
                "competition": {
                    "id": comp.betpawa_id,
                    "name": comp.name,
                    "slug": comp.name.lower(),
                    "priority": 0,
                },
                "eventCounts": {"live": 0, "upcoming": count, "boosted": 0, "hot": 0},
            }
        )
        region["eventCounts"]["upcoming"] += count
    return {
        "withRegions": [
            {
                "category": {"id": "2", "name": "Football", "priority": 200},
                "regions": list(regions.values()),
                "eventCounts": {"live": 0, "upcoming": total, "boosted": 0, "hot": 0},
            }
        ],
        "onlyMeta": [],
    }


def betpawa_list(
    board: Board, book: OddsBook, query: dict[str, Any], cycle: int, drift: float, *, empty: bool = False
) -> dict[str, Any]:
    """``events/lists/by-queries`` for the first query of ``q``: its competitions, skip and take."""
    first = query["queries"][0]
    competition_ids = set(first.get("query", {}).get("zones", {}).get("competitions", []))
    skip, take = int(first.get("skip", 0)), int(first.get("take", 20))
    events: list[BoardEvent] = []
    if not empty:
        for comp in board.competitions:
            if comp.betpawa_id in competition_ids or not competition_ids:
                events.extend(board.competition_events(Platform.BETPAWA, comp.index))
    one_x_two = board.catalogs[Platform.BETPAWA][0]
    items = []
    for event in events[skip : skip + take]:
        item = betpawa_summary(event)
        odds = book.first_line(event.index, cycle, drift)
        item["markets"] = [
            {
                "marketType": {"id": one_x_two.key, "name": one_x_two.name, "tabs": list(one_x_two.tabs)},
                "row": [
                    {
                        "id": str(500_000_000 + event.index),
                        "prices": [
                            {"id": str(i), "name": o.name, "price": value, "suspended": False}
                            for i, (o, value) in enumerate(zip(one_x_two.outcomes, odds, strict=True))
                        ],
                    }
                ],
            }
        ]
        item["totalMarketCount"] = len(board.catalogs[Platform.BETPAWA])
        items.append(item)
    return {"responses": [{"request": first, "responses": items}]}


# --- SportyBet ---------------------------------------------------------------------------------------


def sportybet_tree(board: Board) -> dict[str, Any]:
    categories: dict[int, dict[str, Any]] = {}
    total = 0
    for comp, count in _competitions(board, Platform.SPORTYBET):
        total += count
        category = categories.setdefault(
            comp.country_index,
            {
                "id": f"sr:category:{10 + comp.country_index}",
                "name": comp.country,
                "eventSize": 0,
                "tournaments": [],
            },
        )
        category["tournaments"].append({"id": comp.sportybet_id, "name": comp.name, "eventSize": count})
        category["eventSize"] += count
    sport = {
        "id": "sr:sport:1",
        "name": "Football",
        "eventSize": total,
        "categories": list(categories.values()),
    }
    return {"bizCode": 10000, "message": "0#0", "data": {"sportList": [sport]}}


def sportybet_pc_events(
    board: Board,
    templates: BodyTemplates,
    book: OddsBook,
    tournament_ids: Iterable[str],
    cycle: int,
    drift: float,
    *,
    empty: bool = False,
) -> dict[str, Any]:
    data = []
    for tournament_id in tournament_ids:
        comp = board.competition(Platform.SPORTYBET, tournament_id)
        if comp is None:
            continue
        events = [] if empty else board.competition_events(Platform.SPORTYBET, comp.index)
        items = []
        for event in events:
            item = sportybet_event_data(event)
            item["markets"] = [
                sportybet_market(templates.sportybet[0], book.first_line(event.index, cycle, drift))
            ]
            item["totalMarketSize"] = len(board.catalogs[Platform.SPORTYBET])
            items.append(item)
        data.append({"id": comp.sportybet_id, "name": comp.name, "events": items})
    return {"bizCode": 10000, "message": "0#0", "data": data}


# --- Bet9ja ------------------------------------------------------------------------------------------


def bet9ja_tree(board: Board) -> dict[str, Any]:
    groups: dict[int, dict[str, Any]] = {}
    for comp, count in _competitions(board, Platform.BET9JA):
        sg = groups.setdefault(
            comp.country_index, {"SG_DESC": comp.country, "ORD": comp.country_index, "G": {}}
        )
        sg["G"][comp.bet9ja_id] = {"G_DESC": comp.name, "ORD": comp.index, "NE": count}
    return {
        "R": "OK",
        "D": {"PAL": {"1": {"S_DESC": "Soccer", "SG": {str(12_000 + k): v for k, v in groups.items()}}}},
    }


def bet9ja_group(
    board: Board,
    templates: BodyTemplates,
    book: OddsBook,
    group_id: str,
    cycle: int,
    drift: float,
    *,
    empty: bool = False,
) -> dict[str, Any]:
    comp = board.competition(Platform.BET9JA, group_id)
    events = [] if comp is None or empty else board.competition_events(Platform.BET9JA, comp.index)
    items = []
    for event in events:
        item = bet9ja_summary(event)
        item["O"] = bet9ja_odds(templates.bet9ja[:1], book.first_line(event.index, cycle, drift), [0])
        items.append(item)
    return {"R": "OK", "D": {"E": items}}
