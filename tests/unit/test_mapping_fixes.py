"""Issue 11's mapping fixes on SR 68995116, one test per item: the prices are read from the raw payloads
here (walking the JSON by hand, not through the parser) and compared with what is parsed."""

from __future__ import annotations

import pytest
from raw_prices import (
    B9,
    BP,
    RAW,
    SB,
    bet9ja_params,
    bet9ja_prices,
    betpawa_prices,
    load,
    markets,
    pairs,
    sportybet_prices,
)

from oddsstore.models import EventOdds, Platform
from oddsstore.parsing import parse_event
from oddsstore.storage.validation import market_problem


@pytest.fixture(scope="module")
def parsed() -> dict[Platform, EventOdds]:
    return {p: parse_event(p, body) for p, body in RAW.items()}


# --- 1. Next Goal ------------------------------------------------------------------------------------


def test_1_next_goal_is_paired_at_goal_number_one(parsed: dict[Platform, EventOdds]) -> None:
    bp = betpawa_prices("28000224", line="1")
    sb = sportybet_prices("8", "goalnr=1")
    b9 = bet9ja_prices("S_1STGOAL")
    assert (bp, sb, b9) == (  # the figures: the raw walk reads the right prices
        {"1": 1.94, "None": 11.04, "2": 2.2},
        {"Home": 1.93, "None": 11.0, "Away": 2.2},
        {"1": 1.88, "X": 9.7, "2": 2.1},
    )
    expected = {
        BP: [("1", bp["1"]), ("None", bp["None"]), ("2", bp["2"])],
        SB: [("1", sb["Home"]), ("None", sb["None"]), ("2", sb["Away"])],
        B9: [("1", b9["1"]), ("None", b9["X"]), ("2", b9["2"])],
    }
    for platform, outcomes in expected.items():
        assert list(markets(parsed[platform], "28000224")) == [1.0], platform
        assert pairs(markets(parsed[platform], "28000224")[1.0]) == outcomes, platform


def test_1_sportybet_next_goal_without_its_goal_number_is_a_bad_specifier() -> None:
    raw = load("sportybet/event_prematch_68995116.json")
    entry = next(m for m in raw["data"]["markets"] if m["id"] == "8")
    second = {**entry, "specifier": "goalnr=2"}
    raw["data"]["markets"] = [{**entry, "specifier": None}, {**entry, "specifier": "goalnr=x"}, second]
    event = parse_event(SB, raw)
    assert event.skipped == {"bad_specifier": 2}
    assert [(m.market_id, m.line) for m in event.markets] == [("28000224", 2.0)]


# --- 2. 1X2 1UP / 2UP, Double Chance 1UP -------------------------------------------------------------


def test_2_1x2_1up_on_the_three_sites(parsed: dict[Platform, EventOdds]) -> None:
    bp = betpawa_prices("28000810")
    sb = sportybet_prices("60200")
    b9 = bet9ja_prices("S_1X21")
    assert next(m["desc"] for m in RAW[SB]["data"]["markets"] if m["id"] == "60200") == "1X2 - 1UP"
    expected = {
        BP: [("1", bp["1"]), ("X", bp["X"]), ("2", bp["2"])],
        SB: [("1", sb["Home"]), ("X", sb["Draw"]), ("2", sb["Away"])],
        B9: [("1", b9["11"]), ("X", b9["X1"]), ("2", b9["21"])],
    }
    for platform, outcomes in expected.items():
        assert pairs(markets(parsed[platform], "28000810")[None]) == outcomes, platform


def test_2_1x2_2up_and_double_chance_1up() -> None:
    """BetPawa prices 2UP and DC 1UP only on the v4 capture (another match): its names are the table's.
    SR 68995116's SportyBet 60100 and Bet9ja S_1X22 are 2UP ("1X2 - 2UP", "1X2 2UP")."""
    v4 = load("betpawa/event_v4_prematch_67691078.json")
    betpawa = parse_event(BP, v4)
    for market_id in ("28000850", "80000"):
        raw = betpawa_prices(market_id, raw=v4)
        assert pairs(markets(betpawa, market_id)[None]) == list(raw.items())  # known names, in table order
    sportybet, bet9ja = parse_event(SB, RAW[SB]), parse_event(B9, RAW[B9])
    sb, b9 = sportybet_prices("60100"), bet9ja_prices("S_1X22")
    assert pairs(markets(sportybet, "28000850")[None]) == [
        ("1", sb["Home"]),
        ("X", sb["Draw"]),
        ("2", sb["Away"]),
    ]
    assert pairs(markets(bet9ja, "28000850")[None]) == [("1", b9["12"]), ("X", b9["X2"]), ("2", b9["22"])]
    # No captured SportyBet payload has 60110 (Double Chance 1UP): a DC entry relabelled stands for it.
    body = load("sportybet/event_prematch_68995116.json")
    dc = next(m for m in body["data"]["markets"] if m["id"] == "10")
    body["data"]["markets"] = [{**dc, "id": "60110", "desc": "Double Chance - 1UP"}]
    (market,) = parse_event(SB, body).markets
    by_desc = {o["desc"]: float(o["odds"]) for o in dc["outcomes"]}
    assert (market.market_id, pairs(market)) == (
        "80000",
        [("1X", by_desc["Home or Draw"]), ("X2", by_desc["Draw or Away"]), ("12", by_desc["Home or Away"])],
    )


# --- 3. Bet9ja keys the payloads use -----------------------------------------------------------------

# (BetPawa market, Bet9ja key, Bet9ja suffix -> table outcome, BetPawa payload name -> table outcome)
DC_BTTS_1H = {"1XGGHT": "1X - Yes", "1XNGHT": "1X - No", "X2GGHT": "X2 - Yes", "X2NGHT": "X2 - No"}
ITEM_3 = [
    pytest.param("1096787", "S_TEAMCORNER", {"1": "1", "X": "X", "2": "2"}, {}, id="corners 1X2"),
    pytest.param("1096788", "S_TEAMCORNER1T", {"1": "1", "X": "X", "2": "2"}, {}, id="corners 1X2 1H"),
    pytest.param("1096784", "S_C1HTOU", {"O": "Over", "U": "Under"}, {}, id="corners O/U 1H"),
    pytest.param(
        "4926",
        "S_EXACTGOAL",
        {"1": "1", "2": "2", "3": "3", "4": "4", "5": "5", "6": "6+"},
        {},
        id="exact goals",
    ),
    pytest.param(
        "4942", "S_GOALSHOME", {"0": "0", "1": "1", "2": "2", "3+": "3+"}, {}, id="home exact goals"
    ),
    pytest.param(
        "4938", "S_GOALSAWAY", {"0": "0", "1": "1", "2": "2", "3+": "3+"}, {}, id="away exact goals"
    ),
    pytest.param(
        "4870",
        "S_LASTSCORE",
        {"1": "Home", "N": "No Goal", "2": "Away"},
        {"1": "Home", "2": "Away"},
        id="last goal",
    ),
    pytest.param(
        "1096782",
        "S_SCORET",
        {"1": "Home Team Only", "2": "Away Team Only", "GG": "Both Teams", "NG": "Neither"},
        {"Home": "Home Team Only", "Away": "Away Team Only", "Both": "Both Teams", "No Goal": "Neither"},
        id="teams to score",
    ),
    pytest.param(
        "28000021",
        "S_DCGGNGHT",
        {**DC_BTTS_1H, "12GGHT": "12 - Yes", "12NGHT": "12 - No"},
        {},
        id="DC & GG 1H",
    ),
]


@pytest.mark.parametrize(("market_id", "key", "names", "betpawa_names"), ITEM_3)
def test_3_bet9ja_keys_the_payloads_use_are_paired_where_betpawa_prices_agree(
    parsed: dict[Platform, EventOdds],
    market_id: str,
    key: str,
    names: dict[str, str],
    betpawa_names: dict[str, str],
) -> None:
    by_line = markets(parsed[B9], market_id)
    params = bet9ja_params(key)
    assert set(by_line) == {None if p is None else float(p) for p in params}
    for param in params:
        raw = bet9ja_prices(key, param)
        assert set(raw) == set(names)  # every suffix the payload uses is one the table knows
        market = by_line[None if param is None else float(param)]
        assert {o.name: o.odds for o in market.outcomes} == {names[s]: v for s, v in raw.items() if v > 1.0}
        # the pairing is confirmed: BetPawa's raw prices of the same bets agree where they are short
        betpawa = betpawa_prices(market_id, handicap=param)
        assert betpawa, market_id
        compared = 0
        for suffix, price in raw.items():
            other = {betpawa_names.get(n, n): v for n, v in betpawa.items()}.get(names[suffix])
            if other is not None and price > 1.0 and max(price, other) < 6.0:
                assert max(price, other) / min(price, other) <= 1.35, (suffix, price, other)
                compared += 1
        assert compared >= 1


# --- 4. Bet9ja second-half exact goals ---------------------------------------------------------------


def test_4_bet9ja_exactly_two_second_half_goals_is_not_betpawas_2_plus(
    parsed: dict[Platform, EventOdds],
) -> None:
    b9 = bet9ja_prices("S_GOALS2T")  # "2nd Half - Total Goals": 1, 2 (exactly two), 3 (three or more)
    sb = sportybet_prices("93", "variant=sr:exact_goals:2+")
    assert b9["2"] != sb["2+"]  # 3.4 for exactly two, 2.20 for two or more
    assert pairs(markets(parsed[B9], "4912")[None]) == [("1", b9["1"])]
    assert pairs(markets(parsed[SB], "4912")[None]) == [("0", sb["0"]), ("1", sb["1"]), ("2+", sb["2+"])]
    # the first half was right already: BetPawa's 4898 is 0, 1, 2+ and Bet9ja's "2" and "3" are not 2+
    assert pairs(markets(parsed[B9], "4898")[None]) == [("1", bet9ja_prices("S_GOALS1T")["1"])]


# --- 5. team corner and booking totals are range markets on BetPawa ---------------------------------

RANGE_IDS = ("1096793", "1096797", "1096794", "1096802", "1096768", "1096770", "1096769", "1096771")
OVER_UNDER_SOURCES = {
    SB: [str(i) for i in range(900300, 900308)],
    B9: ["S_CORNERSHOMEOU", "S_CORNERSAWAYOU", "S_OUBOOKHOME", "S_OUBOOKAWAY"],
}


def test_5_over_under_lines_are_not_stored_under_betpawa_range_markets() -> None:
    events = {
        SB: [RAW[SB], load("sportybet/event_prematch_71583282.json")],
        B9: [RAW[B9], load("bet9ja/event_prematch_71549302.json")],
    }
    offered = 0
    for platform, bodies in events.items():
        for body in bodies:
            if platform is SB:
                offered += sum(1 for m in body["data"]["markets"] if m["id"] in OVER_UNDER_SOURCES[SB])
            else:
                offered += sum(1 for k in body["D"]["O"] if k.split("@")[0] in OVER_UNDER_SOURCES[B9])
            event = parse_event(platform, body)
            assert not [m.market_id for m in event.markets if m.market_id in RANGE_IDS], platform
    assert offered > 20  # the payloads do offer those over/under lines


def test_5_betpawa_range_markets_keep_their_range_outcomes() -> None:
    live = load("betpawa/event_v3_live_67645534.json")
    (away_corners,) = [m for m in live["markets"] if m["marketType"]["id"] == "1096797"]
    names = [p["name"] for row in away_corners["row"] for p in row["prices"]]
    assert names == ["0-2", "3-4", "5-6", "7+"]  # the captured BetPawa range market (closed, priced 0)
    # the same market open, its prices listed backwards: stored under its own names, in the table's order
    for row in away_corners["row"]:
        row["prices"].reverse()
        for k, price in enumerate(row["prices"]):
            price.update(price=2.0 + k, suspended=False)
    event = parse_event(BP, live)
    (market,) = [m for m in event.markets if m.market_id == "1096797"]
    raw = {p["name"]: p["price"] for row in away_corners["row"] for p in row["prices"]}
    assert pairs(market) == [(n, raw[n]) for n in names]


# --- 6. outcome names that join BetPawa's: Last Corner, Multigoals -----------------------------------

MULTIGOALS = [  # BetPawa id, SportyBet id, Bet9ja key, Bet9ja suffix -> BetPawa outcome
    ("28000047", "548", "S_NGOALS", {f"{a}-{b}": f"{a}-{b}" for a in range(1, 6) for b in range(a + 1, 7)}),
    ("28000065", "552", "S_MGOAL1T", {"12": "1-2", "13": "1-3", "23": "2-3"}),
    ("28000071", "553", "S_MGOAL2T", {"12": "1-2", "13": "1-3", "23": "2-3"}),
    ("28000077", "549", "S_TMGHO", {"HO12": "1-2", "HO13": "1-3", "HO23": "2-3"}),
    ("28000083", "550", "S_TMGAW", {"AW12": "1-2", "AW13": "1-3", "AW23": "2-3"}),
]


@pytest.mark.parametrize(("betpawa_id", "sportybet_id", "bet9ja_key", "suffixes"), MULTIGOALS)
def test_6_multigoals_join_betpawas_outcomes(
    parsed: dict[Platform, EventOdds],
    betpawa_id: str,
    sportybet_id: str,
    bet9ja_key: str,
    suffixes: dict[str, str],
) -> None:
    bp = betpawa_prices(betpawa_id)
    sb = sportybet_prices(sportybet_id)
    b9 = bet9ja_prices(bet9ja_key)
    assert len(sb) >= 5 and b9 and set(b9) <= set(suffixes)  # Bet9ja has no "1-6" on this match
    got = {p: {o.name: o.odds for o in markets(parsed[p], betpawa_id)[None].outcomes} for p in (BP, SB, B9)}
    assert got[BP] == {n: v for n, v in bp.items() if v > 1.0}  # BetPawa's 1-5 and 1-6 are priced 0
    assert got[SB] == sb  # every SportyBet outcome kept, under the name BetPawa gives it
    assert got[B9] == {suffixes[s]: v for s, v in b9.items()}
    assert set(got[SB]) <= set(bp) and set(got[B9]) <= set(bp)
    for name, price in got[SB].items():  # the pairing is confirmed by the short prices
        if name in got[BP] and max(price, got[BP][name]) < 6.0:
            assert max(price, got[BP][name]) / min(price, got[BP][name]) <= 1.35, name


def test_6_last_corner_takes_betpawas_names(parsed: dict[Platform, EventOdds]) -> None:
    for market_id, sportybet_id, bet9ja_key in (
        ("1096795", "164", "S_LASTCORNER"),
        ("1096796", "175", "S_LCH"),
    ):
        sb, b9 = sportybet_prices(sportybet_id), bet9ja_prices(bet9ja_key)
        assert pairs(markets(parsed[SB], market_id)[None]) == [
            ("1", sb["Home"]),
            ("No Corner", sb["None"]),
            ("2", sb["Away"]),
        ]
        assert pairs(markets(parsed[B9], market_id)[None]) == [
            ("1", b9["1"]),
            ("No Corner", b9["X"]),
            ("2", b9["2"]),
        ]
    # BetPawa prices Last Corner on no captured match: a Corner 1X2 market relabelled stands for it
    raw = load("betpawa/event_v3_prematch_68995116.json")
    corner = next(m for m in raw["markets"] if m["marketType"]["id"] == "1096787")
    corner["marketType"]["id"] = "1096795"
    prices = corner["row"][0]["prices"]
    for price in prices:
        price["name"] = {"X": "No Corner"}.get(price["name"], price["name"])
    prices.sort(key=lambda p: p["name"] != "No Corner")  # listed first: the table's order must win
    raw["markets"] = [corner]
    (market,) = parse_event(BP, raw).markets
    by_name = {p["name"]: p["price"] for p in prices}
    assert pairs(market) == [("1", by_name["1"]), ("No Corner", by_name["No Corner"]), ("2", by_name["2"])]


# --- 7. half-time correct scores whole ---------------------------------------------------------------


def _score(name: str) -> str:
    """ "1:2" / "1-2" -> "1-2"; Bet9ja's "OTH" and "Other" -> "Other"."""
    return "Other" if name in ("OTH", "Other") else name.replace(":", "-")


@pytest.mark.parametrize(
    ("market_id", "sportybet_id", "bet9ja_key"), [("3819", "81", "S_CS1T"), ("4063", "98", "S_CS2T")]
)
def test_7_half_time_correct_scores_keep_all_ten_outcomes(
    parsed: dict[Platform, EventOdds], market_id: str, sportybet_id: str, bet9ja_key: str
) -> None:
    raw = {
        BP: betpawa_prices(market_id),
        SB: {_score(d): v for d, v in sportybet_prices(sportybet_id).items()},
        B9: {_score(s): v for s, v in bet9ja_prices(bet9ja_key).items()},
    }
    assert len(raw[BP]) == 10 and raw[SB].keys() == raw[B9].keys() == raw[BP].keys()
    for platform, prices in raw.items():
        (market,) = markets(parsed[platform], market_id).values()
        assert {o.name: o.odds for o in market.outcomes} == prices, platform
        names = [o.name for o in market.outcomes]
        assert names.index("0-0") < names.index("1-0") < names.index("2-2") < names.index("Other")


# --- 8. SportyBet Teams to Score "None" --------------------------------------------------------------


def test_8_sportybet_teams_to_score_none_is_betpawas_neither(parsed: dict[Platform, EventOdds]) -> None:
    sb = sportybet_prices("30")
    bp = betpawa_prices("1096782")
    assert pairs(markets(parsed[SB], "1096782")[None]) == [
        ("Home Team Only", sb["Only Home"]),
        ("Away Team Only", sb["Only Away"]),
        ("Both Teams", sb["Both teams"]),
        ("Neither", sb["None"]),
    ]
    (betpawa,) = markets(parsed[BP], "1096782").values()
    assert {o.name: o.odds for o in betpawa.outcomes}["Neither"] == bp["No Goal"]


# --- stored ------------------------------------------------------------------------------------------

FIXED = {"28000224", "28000810", "28000850", "80000", "1096787", "1096788", "1096784", "4926", "4942"}
FIXED |= {"4938", "4870", "1096782", "28000021", "4912", "1096795", "1096796", "3819", "4063"}
FIXED |= {m[0] for m in MULTIGOALS}


def test_every_market_the_fixes_produce_passes_storage_validation(parsed: dict[Platform, EventOdds]) -> None:
    """The integration tests store whatever parses; storage refuses a market only for a reason of
    market_problem, which none of these has."""
    fixed = [m for event in parsed.values() for m in event.markets if m.market_id in FIXED]
    assert len({m.market_id for m in fixed}) >= 20
    assert [market_problem(m) for m in fixed] == [None] * len(fixed)
