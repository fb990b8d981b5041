"""Event bodies in each site's real shape (paths, envelopes, key names and value types as captured)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from oddsstore.devtools.simulator.board import BoardEvent
from oddsstore.devtools.simulator.odds import OddsBook
from oddsstore.devtools.simulator.templates import BodyTemplates, SportyBetLine
from oddsstore.models import Platform


def _iso(event: BoardEvent) -> str:
    return event.kickoff.strftime("%Y-%m-%dT%H:%M:%SZ")


def _ms(event: BoardEvent) -> int:
    return int(event.kickoff.timestamp() * 1000)


def _bet9ja_date(event: BoardEvent) -> str:
    return event.kickoff.strftime("%Y-%m-%d %H:%M:%S")


# --- BetPawa -----------------------------------------------------------------------------------------


def betpawa_summary(event: BoardEvent, *, detail: bool = False) -> dict[str, Any]:
    """The fields a list item and the detail share (the detail adds ``markets``). Some list items lack
    the SPORTRADAR widget; the detail always has it."""
    comp = event.competition
    widgets: list[dict[str, Any]] = [{"id": str(13_000_000 + event.index), "type": "GENIUSSPORTS"}]
    if event.betpawa_widget or detail:
        widgets.insert(0, {"id": event.sportradar_id, "type": "SPORTRADAR", "retention": "PREMATCH"})
    return {
        "id": event.platform_id(Platform.BETPAWA),
        "name": f"{event.home} - {event.away}",
        "widgets": widgets,
        "participants": [
            {"id": str(600_000 + 2 * event.index), "name": event.home, "position": 1},
            {"id": str(600_001 + 2 * event.index), "name": event.away, "position": 2},
        ],
        "startTime": _iso(event),
        "category": {"id": "2", "name": "Football"},
        "region": {"id": str(100 + comp.country_index), "name": comp.country},
        "competition": {"id": comp.betpawa_id, "name": comp.name},
    }


def betpawa_event(
    templates: BodyTemplates, book: OddsBook, event: BoardEvent, cycle: int, drift_rate: float, version: str
) -> dict[str, Any]:
    v4 = version != "v3"
    lines = templates.betpawa_v4 if v4 else templates.betpawa_v3
    odds_of = book.odds(event.index, cycle, drift_rate)
    markets: list[dict[str, Any]] = []
    current_index = -1
    rows: list[dict[str, Any]] = []
    row_id = 400_000_000 + event.index * 1000
    for line, start in zip(lines, book.offsets, strict=True):
        odds_row = odds_of[start : start + len(line.prices)]
        if line.market_index != current_index:
            current_index = line.market_index
            rows = []
            markets.append(
                {"marketType": line.market_type, "row": rows, "additionalInfo": {"cashoutable": True}}
            )
        row_id += 1
        if v4:
            prices = [
                {
                    "id": str(row_id * 10 + i),
                    **static,
                    "odds": odds,
                    "probability": {"win": round(1.0 / odds, 6), "refund": 0.0},
                }
                for i, (static, odds) in enumerate(zip(line.prices, odds_row, strict=True))
            ]
        else:
            prices = [
                {"id": str(row_id * 10 + i), **static, "price": odds, "suspended": False}
                for i, (static, odds) in enumerate(zip(line.prices, odds_row, strict=True))
            ]
        rows.append({"id": str(row_id), **line.row, "prices": prices})
    body = betpawa_summary(event, detail=True)
    body["markets"] = markets
    body["totalMarketCount"] = str(len(markets)) if v4 else len(markets)
    body["additionalInfo"] = {"inplayBooked": True}
    body["version"] = str(cycle + 1) if v4 else cycle + 1
    return body


# --- SportyBet ---------------------------------------------------------------------------------------


def sportybet_sport(event: BoardEvent) -> dict[str, Any]:
    comp = event.competition
    return {
        "id": "sr:sport:1",
        "name": "Football",
        "category": {
            "id": f"sr:category:{10 + comp.country_index}",
            "name": comp.country,
            "tournament": {"id": comp.sportybet_id, "name": comp.name},
        },
    }


def sportybet_market(line: SportyBetLine, odds: Iterable[float]) -> dict[str, Any]:
    outcomes = [
        {**static, "odds": f"{value:.2f}", "probability": f"{1.0 / value:.10f}"}
        for static, value in zip(line.outcomes, odds, strict=True)
    ]
    return {**line.market, "outcomes": outcomes}


def sportybet_event_data(event: BoardEvent) -> dict[str, Any]:
    return {
        "eventId": event.platform_id(Platform.SPORTYBET),
        "gameId": str(40_000 + event.index),
        "productStatus": "0#0",
        "estimateStartTime": _ms(event),
        "status": 0,
        "matchStatus": "Not start",
        "homeTeamId": f"sr:competitor:{500_000 + 2 * event.index}",
        "homeTeamName": event.home,
        "awayTeamName": event.away,
        "awayTeamId": f"sr:competitor:{500_001 + 2 * event.index}",
        "sport": sportybet_sport(event),
    }


def sportybet_event(
    templates: BodyTemplates, book: OddsBook, event: BoardEvent, cycle: int, drift_rate: float
) -> dict[str, Any]:
    data = sportybet_event_data(event)
    odds = book.odds(event.index, cycle, drift_rate)
    data["markets"] = [
        sportybet_market(line, odds[start : start + len(line.outcomes)])
        for line, start in zip(templates.sportybet, book.offsets, strict=True)
    ]
    data["bookingStatus"] = "Booked"
    data["banned"] = False
    return {"bizCode": 10000, "message": "0#0", "data": data}


# --- Bet9ja ------------------------------------------------------------------------------------------


def bet9ja_odds(
    keys: Iterable[tuple[str, ...]], odds: Sequence[float], offsets: Iterable[int]
) -> dict[str, str]:
    """``{"S_OU@2.5_O": "1.85", ...}`` for every (market, line) listed in ``keys``."""
    out: dict[str, str] = {}
    for line_keys, start in zip(keys, offsets, strict=False):
        for key, value in zip(line_keys, odds[start : start + len(line_keys)], strict=True):
            out[key] = f"{value:g}"
    return out


def bet9ja_summary(event: BoardEvent) -> dict[str, Any]:
    comp = event.competition
    summary: dict[str, Any] = {
        "ID": 770_000_000 + event.index,
        "C": event.bet9ja_code,
        "DS": f"{event.home} - {event.away}",
        "STARTDATE": _bet9ja_date(event),
        "GID": int(comp.bet9ja_id),
        "GN": comp.name,
        "SG": comp.country,
        "SGID": 12_000 + comp.country_index,
        "S": "Soccer",
        "SID": 1,
    }
    if event.bet9ja_extid:
        summary["EXTID"] = event.sportradar_id
    return summary


def bet9ja_event(
    templates: BodyTemplates, book: OddsBook, event: BoardEvent, cycle: int, drift_rate: float
) -> dict[str, Any]:
    data = bet9ja_summary(event)
    data["O"] = bet9ja_odds(templates.bet9ja, book.odds(event.index, cycle, drift_rate), book.offsets)
    data["IS_BETBUILDER"] = True
    return {"R": "OK", "D": data}
