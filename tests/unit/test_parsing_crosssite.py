"""SportRadar match 68995116 on all three sites: the same facts and the same market keys, with the odds the
payloads carry. Expected values are read from the raw payloads here, independently of the parser."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from oddsstore.models import EventOdds, Platform
from oddsstore.parsing import parse_event
from oddsstore.reads.fair import margin as market_margin

FIXTURES = Path(__file__).parent.parent / "fixtures"
SR_ID = "68995116"

Lines = dict[float | None, dict[str, float]]  # line -> outcome name -> odds


def load(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text("utf-8"))


RAW = {
    Platform.BETPAWA: load("betpawa/event_v3_prematch_68995116.json"),
    Platform.SPORTYBET: load("sportybet/event_prematch_68995116.json"),
    Platform.BET9JA: load("bet9ja/event_prematch_68995116.json"),
}


@pytest.fixture(scope="module")
def parsed() -> dict[Platform, EventOdds]:
    return {platform: parse_event(platform, body) for platform, body in RAW.items()}


# --- expected values, straight from the raw payloads --------------------------------------------------

# BetPawa: where each market carries its line.
_BP_LINE: dict[str, Callable[[dict[str, Any]], float | None]] = {
    "3743": lambda row: None,
    "3795": lambda row: None,
    "4693": lambda row: None,
    "4703": lambda row: None,
    "5000": lambda row: float(row["prices"][0]["handicap"]),
    "3774": lambda row: float(next(p for p in row["prices"] if p["name"] == "1")["handicap"]),
    "4724": lambda row: float(row["formattedHandicap"]),
}
_SB_ID = {"3743": "1", "5000": "18", "3795": "29", "4693": "10", "4703": "11", "3774": "16", "4724": "14"}
_SB_NAMES = {
    "Home": "1", "Draw": "X", "Away": "2", "Yes": "Yes", "No": "No", "Over": "Over", "Under": "Under",
    "Home or Draw": "1X", "Draw or Away": "X2", "Home or Away": "12",
}  # fmt: skip
_B9_KEY = {
    "3743": "S_1X2", "5000": "S_OU", "3795": "S_GGNG", "4693": "S_DC", "4703": "S_DNB", "3774": "S_AH",
    "4724": "S_1X2HND",
}  # fmt: skip
_B9_NAMES = {
    "1": "1", "X": "X", "2": "2", "Y": "Yes", "N": "No", "O": "Over", "U": "Under", "1X": "1X", "X2": "X2",
    "12": "12", "1H": "1", "XH": "X", "2H": "2",
}  # fmt: skip
_B9_KEY_RE = re.compile(r"^(S_[A-Z0-9]+)(?:@([^_]+))?_([^_]+)$")
COMPARED = tuple(_BP_LINE)


def _usable(odds: float) -> bool:
    return odds > 1.0  # a price of 1.0 pays nothing back: the parsers skip it as bad odds


def expected_betpawa(market_id: str) -> Lines:
    lines: Lines = {}
    for market in RAW[Platform.BETPAWA]["markets"]:
        if market["marketType"]["id"] != market_id:
            continue
        for row in market["row"]:
            prices = lines.setdefault(_BP_LINE[market_id](row), {})
            prices.update({p["name"]: p["price"] for p in row["prices"] if _usable(p["price"])})
    return lines


def _sportybet_line(specifier: str | None) -> float | None:
    if not specifier:
        return None
    key, _, value = specifier.partition("=")
    if key == "hcp" and ":" in value:
        home, away = value.split(":")
        return float(home) - float(away)
    return float(value)


def expected_sportybet(market_id: str) -> Lines:
    lines: Lines = {}
    for market in RAW[Platform.SPORTYBET]["data"]["markets"]:
        if market["id"] != _SB_ID[market_id] or market["status"] not in (0, 1):
            continue
        prices = lines.setdefault(_sportybet_line(market.get("specifier")), {})
        for outcome in market["outcomes"]:
            word = outcome["desc"].split(" (")[0]  # "Home (-0.5)" -> "Home"
            name = _SB_NAMES.get(word) or _SB_NAMES[word.split(" ")[0]]  # "Over 2.5" -> "Over"
            if _usable(float(outcome["odds"])):
                prices[name] = float(outcome["odds"])
    return lines


def expected_bet9ja(market_id: str) -> Lines:
    lines: Lines = {}
    for key, value in RAW[Platform.BET9JA]["D"]["O"].items():
        match = _B9_KEY_RE.match(key)
        if match is None or match.group(1) != _B9_KEY[market_id] or not _usable(float(value)):
            continue
        line = None if match.group(2) is None else float(match.group(2))
        lines.setdefault(line, {})[_B9_NAMES[match.group(3)]] = float(value)
    return lines


EXPECTED = {
    Platform.BETPAWA: expected_betpawa,
    Platform.SPORTYBET: expected_sportybet,
    Platform.BET9JA: expected_bet9ja,
}


def parsed_lines(event: EventOdds, market_id: str) -> Lines:
    return {m.line: {o.name: o.odds for o in m.outcomes} for m in event.markets if m.market_id == market_id}


# --- tests -------------------------------------------------------------------------------------------


def test_same_event_facts_on_all_three_sites(parsed: dict[Platform, EventOdds]) -> None:
    bp_raw, sb_raw, b9_raw = RAW[Platform.BETPAWA], RAW[Platform.SPORTYBET]["data"], RAW[Platform.BET9JA]["D"]
    assert {e.sportradar_id for e in parsed.values()} == {SR_ID}
    kickoff = datetime.fromisoformat(bp_raw["startTime"])
    assert kickoff.tzinfo is not None
    for event in parsed.values():
        assert event.kickoff == kickoff
        assert event.kickoff.utcoffset() is not None and event.kickoff.tzinfo == UTC
    assert parsed[Platform.SPORTYBET].kickoff == datetime.fromtimestamp(
        sb_raw["estimateStartTime"] / 1000, UTC
    )
    # Team names differ by site; each is the site's own, split the same way (home first).
    home_bp, away_bp = (p["name"] for p in sorted(bp_raw["participants"], key=lambda p: p["position"]))
    assert (parsed[Platform.BETPAWA].home_team, parsed[Platform.BETPAWA].away_team) == (home_bp, away_bp)
    assert (parsed[Platform.SPORTYBET].home_team, parsed[Platform.SPORTYBET].away_team) == (
        sb_raw["homeTeamName"],
        sb_raw["awayTeamName"],
    )
    assert f"{parsed[Platform.BET9JA].home_team} - {parsed[Platform.BET9JA].away_team}" == b9_raw["DS"]
    for event in parsed.values():  # the same two clubs: each site's home name shares a word with BetPawa's
        assert set(event.home_team.split()) & set(home_bp.split()) - {"FC"}
        assert set(event.away_team.split()) & set(away_bp.split()) - {"FC"}
    assert parsed[Platform.BETPAWA].platform_event_id == bp_raw["id"]
    assert parsed[Platform.SPORTYBET].platform_event_id == sb_raw["eventId"] == f"sr:match:{SR_ID}"
    assert parsed[Platform.BET9JA].platform_event_id == str(b9_raw["ID"])


@pytest.mark.parametrize("platform", list(RAW))
@pytest.mark.parametrize("market_id", COMPARED)
def test_market_present_with_the_payload_odds_at_every_line(
    parsed: dict[Platform, EventOdds], platform: Platform, market_id: str
) -> None:
    expected = EXPECTED[platform](market_id)
    assert expected, f"{platform} offers {market_id} in this payload"
    assert parsed_lines(parsed[platform], market_id) == expected


@pytest.mark.parametrize("market_id", ["3743", "3795", "4693", "4703"])
def test_line_free_markets_have_one_identical_key_everywhere(
    parsed: dict[Platform, EventOdds], market_id: str
) -> None:
    keys = [{(m.market_id, m.line) for m in e.markets if m.market_id == market_id} for e in parsed.values()]
    assert keys[0] == keys[1] == keys[2] == {(market_id, None)}


@pytest.mark.parametrize("market_id", ["5000", "3774", "4724"])
def test_lined_markets_share_keys_and_agree_on_the_home_side(
    parsed: dict[Platform, EventOdds], market_id: str
) -> None:
    """Lines meet across sites, and the home price at a shared line agrees: a flipped handicap sign on one
    site would pair a favourite's price with an outsider's."""
    per_site = [parsed_lines(e, market_id) for e in parsed.values()]
    shared = set(per_site[0]) & set(per_site[1]) & set(per_site[2])
    assert shared
    first_outcome = {"5000": "Over", "3774": "1", "4724": "1"}[market_id]
    for line in shared:
        prices = [site[line][first_outcome] for site in per_site]
        assert max(prices) / min(prices) < 1.25, (line, prices)
    if market_id != "5000":
        for event in parsed.values():
            for market in event.markets:
                if market.market_id == market_id:
                    assert market.handicap_home == market.line
                    assert market.handicap_away == -market.line if market.line else market.handicap_away == 0
                    assert market.handicap_type == ("asian" if market_id == "3774" else "european")


def test_every_1x2_margin_between_0_and_15_percent(parsed: dict[Platform, EventOdds]) -> None:
    for event in parsed.values():
        (market,) = [m for m in event.markets if m.market_id == "3743"]
        margin = market_margin(market)
        assert margin is not None and 0.0 < margin < 15.0, (event.platform, margin)


def test_markets_shared_with_betpawa_price_the_same_outcomes_alike(parsed: dict[Platform, EventOdds]) -> None:
    """A mapping that put odds under the wrong outcome name would show as a wild disagreement."""
    betpawa = {(m.market_id, m.line): m for m in parsed[Platform.BETPAWA].markets}
    compared = 0
    for platform in (Platform.SPORTYBET, Platform.BET9JA):
        for market in parsed[platform].markets:
            other = betpawa.get((market.market_id, market.line))
            if other is None:
                continue
            theirs = {o.name: o.odds for o in other.outcomes}
            for outcome in market.outcomes:
                if outcome.name in theirs and max(outcome.odds, theirs[outcome.name]) < 6.0:
                    ratio = max(outcome.odds, theirs[outcome.name]) / min(outcome.odds, theirs[outcome.name])
                    assert ratio < 1.5, (platform, market.market_id, market.line, outcome.name)
                    compared += 1
    assert compared > 200


def test_counters_account_for_source_markets(parsed: dict[Platform, EventOdds]) -> None:
    for event in parsed.values():
        assert event.markets_mapped == len(event.markets) > 50
        assert event.markets_seen >= event.markets_mapped
    assert parsed[Platform.BETPAWA].markets_seen == sum(
        len(m["row"]) for m in RAW[Platform.BETPAWA]["markets"]
    )
    assert parsed[Platform.SPORTYBET].markets_seen == len(RAW[Platform.SPORTYBET]["data"]["markets"])
    assert parsed[Platform.SPORTYBET].skipped["unmapped_market"] > 0
    assert parsed[Platform.BET9JA].skipped["unmapped_market"] > 0
