"""Event bodies in each site's real shape (paths, envelopes, key names and value types as captured)."""

from __future__ import annotations

from typing import Any

from oddsstore.models import Platform
from oddsstore.simulator.board import Board, BoardEvent
from oddsstore.simulator.odds import PricedMarket, format_line, price_event


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


def _betpawa_price_handicap(pm: PricedMarket, position: int) -> str | None:
    if pm.line is None:
        return None
    if pm.market.kind == "european":
        home = pm.line
        return f"Away {-home:+g}" if position == 2 else f"Home {home:+g}"
    if pm.market.kind == "asian":
        value = pm.line if position == 0 else -pm.line
        return f"{value:+g}" if value else "0"
    return format_line(pm.line)


def _betpawa_row(pm: PricedMarket, row_id: int, v4: bool) -> dict[str, Any]:
    prices = []
    for position, (outcome, odds) in enumerate(pm.prices):
        price: dict[str, Any] = {
            "id": str(row_id * 10 + position),
            "name": outcome.name,
            "typeId": str(int(pm.market.key) + position + 1) if pm.market.key.isdigit() else "0",
            "handicap": _betpawa_price_handicap(pm, position),
            "displayName": outcome.name,
            "additionalInfo": {"anyUp": "NO_UP"},
        }
        if v4:
            price["odds"] = odds
            price["probability"] = {"win": round(1.0 / odds, 6), "refund": 0.0}
        else:
            price["price"] = odds
            price["suspended"] = False
        prices.append(price)
    row: dict[str, Any] = {"id": str(row_id), "prices": prices}
    if pm.line is not None:
        row["handicap"] = round(pm.line * 4)
        key = "total" if pm.market.kind == "total" else "hcp"
        if v4:
            row["specifier"] = {key: format_line(pm.line)}
        else:
            row["formattedHandicap"] = None
    elif not v4:
        row["handicap"] = None
        row["formattedHandicap"] = None
    return row


def betpawa_event(
    board: Board, event: BoardEvent, cycle: int, drift_rate: float, version: str
) -> dict[str, Any]:
    v4 = version != "v3"
    markets: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    row_id = 400_000_000 + event.index * 1000
    for pm in price_event(
        Platform.BETPAWA, board.catalogs[Platform.BETPAWA], board.config.seed, event.index, cycle, drift_rate
    ):
        if current is None or current["marketType"]["id"] != pm.market.key:
            handicap_type = {"total": "NORMAL", "asian": "ASIAN", "european": "EUROPEAN"}.get(
                pm.market.kind, ""
            )
            current = {
                "marketType": {
                    "id": pm.market.key,
                    "name": pm.market.name,
                    "displayName": pm.market.name.replace(" - ", " | "),
                    "priority": len(markets) + 1,
                    "tabs": list(pm.market.tabs),
                    "handicapType": handicap_type,
                },
                "row": [],
                "additionalInfo": {"cashoutable": True},
            }
            markets.append(current)
        row_id += 1
        current["row"].append(_betpawa_row(pm, row_id, v4))
    body = betpawa_summary(event, detail=True)
    body["markets"] = markets
    body["totalMarketCount"] = str(len(markets)) if v4 else len(markets)
    body["additionalInfo"] = {"inplayBooked": True}
    body["version"] = str(cycle + 1) if v4 else cycle + 1
    return body


# --- SportyBet ---------------------------------------------------------------------------------------


def _sportybet_specifier(pm: PricedMarket) -> str | None:
    if pm.line is None:
        return None
    if pm.market.kind == "european":
        home = int(pm.line)
        return f"hcp=0:{-home}" if home < 0 else f"hcp={home}:0"  # home -1 is "0:1"
    if pm.market.kind == "asian":
        return f"hcp={format_line(pm.line)}"
    return f"total={format_line(pm.line)}"


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


def sportybet_market(pm: PricedMarket) -> dict[str, Any]:
    outcomes = []
    for position, (outcome, odds) in enumerate(pm.prices):
        desc = outcome.name
        if pm.market.kind == "total" and pm.line is not None and desc in ("Over", "Under"):
            desc = f"{desc} {format_line(pm.line)}"  # the real site writes "Over 2.5"
        outcomes.append(
            {
                "id": str(position + 1),
                "odds": f"{odds:.2f}",
                "probability": f"{1.0 / odds:.10f}",
                "voidProbability": "0E-10",
                "isActive": 1,
                "desc": desc,
            }
        )
    market: dict[str, Any] = {"id": pm.market.key, "product": 3, "desc": pm.market.name, "status": 0}
    specifier = _sportybet_specifier(pm)
    if specifier is not None:
        market["specifier"] = specifier
    market.update(
        {"group": "Main", "title": "", "name": pm.market.name, "favourite": 0, "outcomes": outcomes,
         "farNearOdds": 0, "sourceType": "BET_RADAR", "banned": False}
    )  # fmt: skip
    return market


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


def sportybet_event(board: Board, event: BoardEvent, cycle: int, drift_rate: float) -> dict[str, Any]:
    data = sportybet_event_data(event)
    priced = price_event(
        Platform.SPORTYBET,
        board.catalogs[Platform.SPORTYBET],
        board.config.seed,
        event.index,
        cycle,
        drift_rate,
    )
    data["markets"] = [sportybet_market(pm) for pm in priced]
    data["bookingStatus"] = "Booked"
    data["banned"] = False
    return {"bizCode": 10000, "message": "0#0", "data": data}


# --- Bet9ja ------------------------------------------------------------------------------------------


def bet9ja_odds(pms: Any) -> dict[str, str]:
    odds: dict[str, str] = {}
    for pm in pms:
        param = "" if pm.line is None else f"@{format_line(pm.line)}"
        for outcome, value in pm.prices:
            odds[f"{pm.market.key}{param}_{outcome.name}"] = f"{value:g}"
    return odds


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


def bet9ja_event(board: Board, event: BoardEvent, cycle: int, drift_rate: float) -> dict[str, Any]:
    data = bet9ja_summary(event)
    priced = price_event(
        Platform.BET9JA, board.catalogs[Platform.BET9JA], board.config.seed, event.index, cycle, drift_rate
    )
    data["O"] = bet9ja_odds(priced)
    data["IS_BETBUILDER"] = True
    return {"R": "OK", "D": data}
