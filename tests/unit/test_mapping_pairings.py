"""Pairings the mapping audit found on SR 68995116 beyond issue 11's eight items: markets BetPawa and a
competitor both price that the table left unpaired. Prices come from the raw payloads (raw_prices)."""

from __future__ import annotations

import re

import pytest
from raw_prices import B9, BP, RAW, SB, bet9ja_prices, betpawa_prices, markets, sportybet_prices

from oddsstore.models import EventOdds, Platform
from oddsstore.parsing import parse_event


@pytest.fixture(scope="module")
def parsed() -> dict[Platform, EventOdds]:
    return {p: parse_event(p, body) for p, body in RAW.items()}


def prices_of(event: EventOdds, market_id: str) -> dict[str, float]:
    (market,) = markets(event, market_id).values()
    return {o.name: o.odds for o in market.outcomes}


def test_multiscores_take_betpawas_names(parsed: dict[Platform, EventOdds]) -> None:
    bp, sb = betpawa_prices("28000035"), sportybet_prices("551")
    spelled = {"Other Homewin": "Other Home Win", "Other Awaywin": "Other Away Win"}
    assert len(sb) == len(bp) == 11
    assert prices_of(parsed[BP], "28000035") == bp
    assert prices_of(parsed[SB], "28000035") == {spelled.get(d, d): v for d, v in sb.items()}
    ratios = [max(bp[spelled.get(d, d)], v) / min(bp[spelled.get(d, d)], v) for d, v in sb.items()]
    assert max(ratios) <= 1.35  # 4.25 / 3.93 on "1:0, 2:0 or 3:0", 2.94 / 2.75 on Draw


def test_half_time_full_time_correct_score_on_the_three_sites(parsed: dict[Platform, EventOdds]) -> None:
    bp = betpawa_prices("28000228")  # "0-0/1-0"
    sb = {d.replace(":", "-").replace(" ", "/"): v for d, v in sportybet_prices("46").items()}  # "0:0 1:0"
    b9 = bet9ja_prices("S_HTFTCS")  # "0-0/1-0"
    assert len(bp) == 46 and set(sb) == set(b9) == set(bp)
    assert prices_of(parsed[BP], "28000228") == bp
    assert prices_of(parsed[SB], "28000228") == sb
    assert prices_of(parsed[B9], "28000228") == b9
    # every price is long (BetPawa caps them at 94.91); half of them agree within x1.13
    ratios = sorted(max(bp[n], sb[n]) / min(bp[n], sb[n]) for n in bp)
    assert min(bp.values()) > 6.0 and ratios[len(ratios) // 2] < 1.15


def test_total_corner_ranges(parsed: dict[Platform, EventOdds]) -> None:
    full_bp, full_sb = betpawa_prices("1096803"), sportybet_prices("169")  # 0-8, 9-11, 12+
    half_bp, half_sb = betpawa_prices("1096804"), sportybet_prices("182")  # 0-4, 5-6, 7+
    half_b9 = {s.removesuffix("HT"): v for s, v in bet9ja_prices("S_MULTICH1").items()}  # 04HT 56HT 7HT
    half_b9 = {{"04": "0-4", "56": "5-6", "7": "7+"}[s]: v for s, v in half_b9.items()}
    assert set(full_bp) == set(full_sb) and set(half_bp) == set(half_sb) == set(half_b9)
    assert prices_of(parsed[BP], "1096803") == full_bp and prices_of(parsed[SB], "1096803") == full_sb
    assert prices_of(parsed[BP], "1096804") == half_bp and prices_of(parsed[SB], "1096804") == half_sb
    assert prices_of(parsed[B9], "1096804") == half_b9
    for theirs, ours in ((full_sb, full_bp), (half_sb, half_bp), (half_b9, half_bp)):
        assert all(max(v, ours[n]) / min(v, ours[n]) <= 1.35 for n, v in theirs.items())
    # Bet9ja's Number Corner (exact counts: < 7, 7, 8, ... 20+) is another market: not 1096803
    assert bet9ja_prices("S_NCORN") and "1096803" not in {m.market_id for m in parsed[B9].markets}


HALF_CLEAN_SHEETS = [  # BetPawa clean sheet market, Bet9ja "the other team scores in that half" market
    ("3810", "S_2SCOREHT"),  # Home clean sheet 1H = Away Score 1st Half: No
    ("3801", "S_1SCOREHT"),  # Away clean sheet 1H = Home Score 1st Half: No
    ("3813", "S_2SCORE2T"),
    ("3804", "S_1SCORE2T"),
]


@pytest.mark.parametrize(("market_id", "bet9ja_key"), HALF_CLEAN_SHEETS)
def test_half_clean_sheets_pair_with_bet9ja_other_team_to_score(
    parsed: dict[Platform, EventOdds], market_id: str, bet9ja_key: str
) -> None:
    b9, bp = bet9ja_prices(bet9ja_key), betpawa_prices(market_id)
    assert prices_of(parsed[B9], market_id) == {"Yes": b9["N"], "No": b9["Y"]}
    assert prices_of(parsed[BP], market_id) == bp
    assert abs(bp["Yes"] - b9["N"]) <= 0.12 and abs(bp["No"] - b9["Y"]) <= 0.12  # 1.57/1.57, 2.17/2.16 ...


def test_full_time_correct_score_other_is_not_the_same_bet_on_betpawa(
    parsed: dict[Platform, EventOdds],
) -> None:
    """BetPawa's "Other covers every scoreline that isn't listed", and 4429 lists 0-5, 0-6, 1-5, 5-0, 5-1,
    6-0 but not 3-4, 4-3, 4-4; SportyBet 45 and Bet9ja S_CSFT list the 0-4 x 0-4 grid: their Other is
    another bet (BetPawa 40.78, SportyBet 36.00, Bet9ja 26)."""
    bp = betpawa_prices("4429")
    sb = {d.replace(":", "-"): v for d, v in sportybet_prices("45").items()}
    b9 = {s.replace(":", "-"): v for s, v in bet9ja_prices("S_CSFT").items()}
    assert {"0-5", "6-0"} <= set(bp) and not {"3-4", "4-4"} & set(bp)
    assert {"3-4", "4-4"} <= set(sb) and not {"0-5", "6-0"} & set(sb) and "Other" in sb and "OTH" in b9
    assert prices_of(parsed[BP], "4429")["Other"] == bp["Other"]
    for platform, raw in ((SB, sb), (B9, b9)):
        got = prices_of(parsed[platform], "4429")
        assert "Other" not in got
        assert got == {n: v for n, v in raw.items() if n in bp and n != "Other"}  # every shared score kept


PLAYER = re.compile(r"(?:(?P<surname>[^,]+), )?(?P<given>[^(]+?) \((?P<team>[^)]*)\)")  # SportyBet's spelling


def test_anytime_goalscorer_joins_by_player_name(parsed: dict[Platform, EventOdds]) -> None:
    bp = betpawa_prices("129108")  # "Li Hailong"
    raw = next(m for m in RAW[SB]["data"]["markets"] if m["id"] == "40")  # "Hailong, Li (Qingdao Hainiu FC)"
    expected: dict[str, float] = {}
    for outcome in raw["outcomes"]:
        match = re.fullmatch(
            r"(?:(?P<surname>[^,]+), )?(?P<given>[^(]+?) \((?P<team>[^)]*)\)", outcome["desc"]
        )
        if match is None or outcome["isActive"] != 1:
            continue  # "No Goal", priced 0.00 and closed
        name = f"{match['given']} {match['surname']}" if match["surname"] else match["given"]
        expected[name] = float(outcome["odds"])
    assert len(expected) == len(bp) == 49
    got = prices_of(parsed[SB], "129108")
    assert got == expected and set(got) == set(bp)
    assert list(got) == list(expected)  # in SportyBet's order
    short = [(bp[n], v) for n, v in got.items() if max(bp[n], v) < 6.0]
    assert short and all(max(a, b) / min(a, b) <= 1.35 for a, b in short)
