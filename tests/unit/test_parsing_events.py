"""parse_event on each site's shapes: v3/v4, live, the rules of markets.md, counted skips, wrong shapes."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from oddsstore.models import Platform
from oddsstore.parsing import ParseError, parse_event
from oddsstore.reads.fair import margin as market_margin

FIXTURES = Path(__file__).parent.parent / "fixtures"


def load(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text("utf-8"))


# --- BetPawa -----------------------------------------------------------------------------------------


def test_betpawa_v4_shape_parses_with_odds_and_row_specifiers() -> None:
    raw = load("betpawa/event_v4_prematch_67691078.json")
    event = parse_event(Platform.BETPAWA, raw)
    assert event.sportradar_id == "67691078"
    assert event.platform_event_id == raw["id"]
    assert (event.home_team, event.away_team) == ("Sydney FC Youth", "Rockdale Ilinden FC")
    assert event.tournament == raw["competition"]["name"] and event.country == raw["region"]["name"]
    # Over/Under lines come from the row specifier's total; v4 prices carry "odds" and are active.
    raw_ou = next(m for m in raw["markets"] if m["marketType"]["id"] == "5000")
    expected = {
        float(r["specifier"]["total"]): {p["name"]: p["odds"] for p in r["prices"]} for r in raw_ou["row"]
    }
    got = {m.line: {o.name: o.odds for o in m.outcomes} for m in event.markets if m.market_id == "5000"}
    assert got == expected
    assert all(o.is_active for m in event.markets for o in m.outcomes)
    raw_ah = next(m for m in raw["markets"] if m["marketType"]["id"] == "3774")
    ah_lines = {m.line for m in event.markets if m.market_id == "3774"}
    assert ah_lines == {float(r["specifier"]["hcp"]) for r in raw_ah["row"]}


def test_betpawa_rows_of_one_line_merge_into_one_market() -> None:
    raw = load("betpawa/event_v3_prematch_68995116.json")
    event = parse_event(Platform.BETPAWA, raw)
    raw_cs = next(m for m in raw["markets"] if m["marketType"]["id"] == "4429")
    (correct_score,) = [m for m in event.markets if m.market_id == "4429"]
    assert len(raw_cs["row"]) > 1
    assert {o.name for o in correct_score.outcomes} == {p["name"] for r in raw_cs["row"] for p in r["prices"]}
    # Known outcomes in the table's order: 0-0 comes before 1-0, "Other" last among known ones.
    names = [o.name for o in correct_score.outcomes]
    assert names.index("0-0") < names.index("1-0") < names.index("Other")
    assert "duplicate_market" not in event.skipped


def test_betpawa_groups_are_tabs_without_all_and_outcome_names_follow_the_table() -> None:
    raw = load("betpawa/event_v3_prematch_68995116.json")
    event = parse_event(Platform.BETPAWA, raw)
    by_id = {m.market_id: m for m in event.markets}
    raw_1x2 = next(m for m in raw["markets"] if m["marketType"]["id"] == "3743")
    assert by_id["3743"].groups == tuple(t for t in raw_1x2["marketType"]["tabs"] if t != "all")
    assert all(m.groups and "all" not in m.groups for m in event.markets)
    # "1 - Over" on BetPawa is "1 & Over" in the table: the table's spelling wins so sites can be joined.
    combo = next(m for m in event.markets if m.market_id == "1096755")
    assert "1 & Over" in {o.name for o in combo.outcomes}
    # Aliases for names the payloads spell differently from the table: "1" is "Home" in Last Goal.
    raw_last = next(m for m in raw["markets"] if m["marketType"]["id"] == "4870")
    raw_prices = {p["name"]: p["price"] for r in raw_last["row"] for p in r["prices"]}
    (last_goal,) = [m for m in event.markets if m.market_id == "4870"]
    assert [(o.name, o.odds) for o in last_goal.outcomes] == [
        ("Home", raw_prices["1"]),
        ("No Goal", raw_prices["No Goal"]),
        ("Away", raw_prices["2"]),
    ]


def test_betpawa_live_payload_parses_with_suspended_outcomes_inactive() -> None:
    raw = load("betpawa/event_v3_live_67645534.json")
    event = parse_event(Platform.BETPAWA, raw)
    assert event.sportradar_id == "67645534"
    suspended_without_price = sum(
        1
        for m in raw["markets"]
        for r in m["row"]
        for p in r["prices"]
        if p["suspended"] and p["price"] <= 1.0
    )
    assert event.skipped["inactive_outcome"] == suspended_without_price > 0
    assert all(not o.is_active for m in event.markets for o in m.outcomes)
    assert all(market_margin(m) is None for m in event.markets)


def test_betpawa_without_sportradar_widget_raises_naming_widgets() -> None:
    raw = load("betpawa/event_v3_prematch_68995116.json")
    raw["widgets"] = [w for w in raw["widgets"] if w["type"] != "SPORTRADAR"]
    with pytest.raises(ParseError) as info:
        parse_event(Platform.BETPAWA, raw)
    assert info.value.path == "widgets"
    assert "widgets" in str(info.value)


# --- SportyBet ---------------------------------------------------------------------------------------


def test_sportybet_closed_live_event_yields_no_markets() -> None:
    raw = load("sportybet/event_live_closed_67645534.json")
    event = parse_event(Platform.SPORTYBET, raw)
    assert event.markets == () and event.markets_seen == 0 and event.markets_mapped == 0
    assert event.sportradar_id == "67645534"
    assert event.tournament == raw["data"]["sport"]["category"]["tournament"]["name"]


def test_sportybet_team_totals_and_descs_decorated_with_lines_or_team_names() -> None:
    raw = load("sportybet/event_prematch_71583282.json")
    event = parse_event(Platform.SPORTYBET, raw)
    home_totals = {m.line: m for m in event.markets if m.market_id == "5006"}
    raw_home = [m for m in raw["data"]["markets"] if m["id"] == "19"]
    assert set(home_totals) == {float(m["specifier"].split("=")[1]) for m in raw_home}
    for m in raw_home:
        market = home_totals[float(m["specifier"].split("=")[1])]
        assert [o.name for o in market.outcomes] == ["Over", "Under"]
        assert {o.odds for o in market.outcomes} == {float(o["odds"]) for o in m["outcomes"]}


def test_sportybet_slash_descs_map_to_the_right_combo_outcome() -> None:
    raw = load("sportybet/event_prematch_68995116.json")
    event = parse_event(Platform.SPORTYBET, raw)
    raw_combo = next(m for m in raw["data"]["markets"] if m["id"] == "546")
    by_desc = {o["desc"]: float(o["odds"]) for o in raw_combo["outcomes"]}
    (combo,) = [m for m in event.markets if m.market_id == "28000014"]
    got = {o.name: o.odds for o in combo.outcomes}
    assert got["12 - Yes"] == by_desc["Home/Away & Yes"]
    assert got["X2 - No"] == by_desc["Draw/Away & No"]


def test_sportybet_desc_aliases_reach_the_table_outcomes() -> None:
    raw = load("sportybet/event_prematch_68995116.json")
    event = parse_event(Platform.SPORTYBET, raw)
    raw_last = {
        o["desc"]: float(o["odds"])
        for o in next(m for m in raw["data"]["markets"] if m["id"] == "9")["outcomes"]
    }
    (last_goal,) = [m for m in event.markets if m.market_id == "4870"]
    assert [(o.name, o.odds) for o in last_goal.outcomes] == [
        ("Home", raw_last["Home"]),
        ("No Goal", raw_last["None"]),
        ("Away", raw_last["Away"]),
    ]


def test_sportybet_combo_descs_carrying_the_line_are_resolved() -> None:
    raw = load("sportybet/event_prematch_68995116.json")
    event = parse_event(Platform.SPORTYBET, raw)
    raw_combo = next(m for m in raw["data"]["markets"] if m["id"] == "547" and m["specifier"] == "total=2.5")
    by_desc = {o["desc"]: float(o["odds"]) for o in raw_combo["outcomes"]}
    (combo,) = [m for m in event.markets if m.market_id == "28000089" and m.line == 2.5]
    assert {o.name: o.odds for o in combo.outcomes} == {
        "1X & Over": by_desc["Home/Draw & Over 2.5"],
        "1X & Under": by_desc["Home/Draw & Under 2.5"],
        "X2 & Over": by_desc["Draw/Away & Over 2.5"],
        "X2 & Under": by_desc["Draw/Away & Under 2.5"],
        "12 & Over": by_desc["Home/Away & Over 2.5"],
        "12 & Under": by_desc["Home/Away & Under 2.5"],
    }


def _sportybet_body(markets: list[Any]) -> dict[str, Any]:
    raw: dict[str, Any] = load("sportybet/event_live_closed_67645534.json")
    raw["data"]["markets"] = markets
    return raw


def _ou(spec: Any, odds: Any = "1.90", status: int = 0, market_id: str = "18") -> dict[str, Any]:
    return {
        "id": market_id,
        "specifier": spec,
        "status": status,
        "outcomes": [
            {"desc": "Over 2.5", "odds": odds, "isActive": 1},
            {"desc": "Under 2.5", "odds": "1.95", "isActive": 1},
        ],
    }


def test_sportybet_bad_markets_are_skipped_and_counted_never_fatal() -> None:
    markets = [
        _ou("total=2.5"),
        _ou("total=2.5"),  # duplicate key
        _ou("total=abc"),
        _ou(None),  # an over/under market without its line
        _ou("total=3.5", status=3),  # settled
        _ou("total=4.5", odds="x", market_id="18"),  # one bad outcome only
        {"id": "999999", "outcomes": []},  # unmapped
        {"id": "18", "specifier": "total=5.5", "outcomes": "nope"},  # malformed
        "not a market",
        {"id": "1", "outcomes": [{"desc": "Sideways", "odds": "2", "isActive": 1}]},  # nothing usable
    ]
    event = parse_event(Platform.SPORTYBET, _sportybet_body(markets))
    assert event.markets_seen == len(markets)
    assert [(m.market_id, m.line) for m in event.markets] == [("5000", 2.5), ("5000", 4.5)]
    assert event.skipped == {
        "duplicate_market": 1,
        "bad_specifier": 2,
        "inactive_market": 1,
        "bad_odds": 1,
        "unmapped_market": 1,
        "malformed_market": 2,
        "unknown_outcome": 1,
        "no_valid_outcomes": 1,
    }
    assert [o.name for o in event.markets[1].outcomes] == ["Under"]


def test_sportybet_suspended_market_keeps_its_outcomes_inactive() -> None:
    event = parse_event(Platform.SPORTYBET, _sportybet_body([_ou("total=2.5", status=1)]))
    (market,) = event.markets
    assert [o.is_active for o in market.outcomes] == [False, False]


def test_sportybet_outcomes_ordered_by_the_table_position() -> None:
    market = {
        "id": "10",
        "status": 0,
        "outcomes": [
            {"desc": "Home or Away", "odds": "1.3", "isActive": 1},
            {"desc": "Draw or Away", "odds": "1.5", "isActive": 0},
            {"desc": "Home or Draw", "odds": "1.4", "isActive": 1},
        ],
    }
    (dc,) = parse_event(Platform.SPORTYBET, _sportybet_body([market])).markets
    assert [(o.name, o.odds, o.is_active) for o in dc.outcomes] == [
        ("1X", 1.4, True),
        ("X2", 1.5, False),
        ("12", 1.3, True),
    ]


def test_sportybet_european_handicap_line_is_the_home_handicap() -> None:
    market = {
        "id": "14",
        "specifier": "hcp=0:2",
        "status": 0,
        "outcomes": [
            {"desc": "Home (0:2)", "odds": "11", "isActive": 1},
            {"desc": "Draw (0:2)", "odds": "6.5", "isActive": 1},
            {"desc": "Away (0:2)", "odds": "1.2", "isActive": 1},
        ],
    }
    (m,) = parse_event(Platform.SPORTYBET, _sportybet_body([market])).markets
    assert (m.market_id, m.line, m.handicap_type, m.handicap_home, m.handicap_away) == (
        "4724",
        -2.0,
        "european",
        -2.0,
        2.0,
    )
    assert [o.name for o in m.outcomes] == ["1", "X", "2"]


# --- Bet9ja ------------------------------------------------------------------------------------------


def _bet9ja_body(odds: dict[str, Any]) -> dict[str, Any]:
    raw: dict[str, Any] = load("bet9ja/event_prematch_68995116.json")
    raw["D"]["O"] = odds
    return raw


def test_bet9ja_team_totals_split_into_home_and_away_markets() -> None:
    raw = load("bet9ja/event_prematch_68995116.json")
    event = parse_event(Platform.BET9JA, raw)
    odds = raw["D"]["O"]
    home = {m.line: {o.name: o.odds for o in m.outcomes} for m in event.markets if m.market_id == "5006"}
    away = {m.line: {o.name: o.odds for o in m.outcomes} for m in event.markets if m.market_id == "5003"}
    assert home[1.5] == {"Over": float(odds["S_HAOU@1.5_OH"]), "Under": float(odds["S_HAOU@1.5_UH"])}
    assert away[1.5] == {"Over": float(odds["S_HAOU@1.5_OA"]), "Under": float(odds["S_HAOU@1.5_UA"])}
    first_half_home = {m.line for m in event.markets if m.market_id == "4964"}
    assert first_half_home == {
        float(k.split("@")[1].split("_")[0]) for k in odds if k.startswith("S_HA1HOU@")
    }


def test_bet9ja_keys_never_match_by_prefix() -> None:
    event = parse_event(
        Platform.BET9JA, _bet9ja_body({"S_1X21_11": "2.1", "S_1X21T_1": "3.2", "S_1X2_1": "2.5"})
    )
    by_id = {m.market_id: m for m in event.markets}
    assert [(o.name, o.odds) for o in by_id["3743"].outcomes] == [("1", 2.5)]
    assert [(o.name, o.odds) for o in by_id["3668"].outcomes] == [("1", 3.2)]  # first-half 1X2
    assert [(o.name, o.odds) for o in by_id["28000810"].outcomes] == [("1", 2.1)]  # S_1X21 is 1X2 1UP
    assert event.skipped == {}
    assert event.markets_seen == 3


def test_bet9ja_bad_keys_and_values_are_counted() -> None:
    odds = {
        "S_OU@2.5_O": "1.9",
        "S_OU@2.5_U": "bad",
        "S_OU@x_O": "1.9",  # non-numeric line
        "S_1X2_Q": "3.0",  # unknown outcome
        "S_CSFT_3:4": "60",  # known, no BetPawa outcome
        "nonsense": "1.5",
        "S_AH@-0.5_1": {"v": 1},  # live-shape value
        "S_AH@-0.5_2": "1.6",
    }
    event = parse_event(Platform.BET9JA, _bet9ja_body(odds))
    assert {(m.market_id, m.line) for m in event.markets} == {("5000", 2.5), ("3774", -0.5)}
    assert event.skipped == {
        "bad_odds": 2,
        "bad_specifier": 1,
        "unknown_outcome": 1,
        "unmapped_outcome": 1,
        "bad_odds_key": 1,
    }
    ah = next(m for m in event.markets if m.market_id == "3774")
    assert (ah.handicap_type, ah.handicap_home, ah.handicap_away) == ("asian", -0.5, 0.5)


def test_bet9ja_live_shape_raises_parse_error_cleanly() -> None:
    """The live endpoint has no event facts at D (they sit in D.AA) and no prices in D.O: refused."""
    with pytest.raises(ParseError) as info:
        parse_event(Platform.BET9JA, load("bet9ja/event_live_67645534.json"))
    assert info.value.path == "D.ID"


# --- wrong shapes ------------------------------------------------------------------------------------

CASES = [
    (Platform.BETPAWA, "betpawa/event_v3_prematch_68995116.json", ["markets"], "markets"),
    (Platform.BETPAWA, "betpawa/event_v3_prematch_68995116.json", ["startTime"], "startTime"),
    (Platform.BETPAWA, "betpawa/event_v3_prematch_68995116.json", ["participants"], "participants"),
    (Platform.BETPAWA, "betpawa/event_v4_prematch_67691078.json", ["id"], "id"),
    (Platform.SPORTYBET, "sportybet/event_prematch_68995116.json", ["data"], "data"),
    (Platform.SPORTYBET, "sportybet/event_prematch_68995116.json", ["data", "markets"], "data.markets"),
    (Platform.SPORTYBET, "sportybet/event_prematch_68995116.json", ["data", "eventId"], "data.eventId"),
    (
        Platform.SPORTYBET,
        "sportybet/event_prematch_68995116.json",
        ["data", "homeTeamName"],
        "data.homeTeamName",
    ),
    (Platform.BET9JA, "bet9ja/event_prematch_68995116.json", ["D"], "D"),
    (Platform.BET9JA, "bet9ja/event_prematch_68995116.json", ["D", "O"], "D.O"),
    (Platform.BET9JA, "bet9ja/event_prematch_68995116.json", ["D", "EXTID"], "D.EXTID"),
    (Platform.BET9JA, "bet9ja/event_prematch_68995116.json", ["D", "STARTDATE"], "D.STARTDATE"),
]


@pytest.mark.parametrize(("platform", "fixture", "keys", "path"), CASES)
def test_missing_top_level_key_raises_with_its_path(
    platform: Platform, fixture: str, keys: list[str], path: str
) -> None:
    raw = load(fixture)
    parent = raw
    for key in keys[:-1]:
        parent = parent[key]
    del parent[keys[-1]]
    with pytest.raises(ParseError) as info:
        parse_event(platform, raw)
    assert info.value.path == path
    assert path in str(info.value)


@pytest.mark.parametrize(("platform", "fixture", "keys", "path"), CASES)
def test_wrong_type_at_top_level_key_raises_with_its_path(
    platform: Platform, fixture: str, keys: list[str], path: str
) -> None:
    raw = load(fixture)
    parent = raw
    for key in keys[:-1]:
        parent = parent[key]
    parent[keys[-1]] = [] if not isinstance(parent[keys[-1]], list) else {"a": 1}
    with pytest.raises(ParseError) as info:
        parse_event(platform, raw)
    assert info.value.path.startswith(path)


@pytest.mark.parametrize("payload", [None, [], "text", 3, {"unrelated": True}])
@pytest.mark.parametrize("platform", list(Platform))
def test_not_an_event_at_all_raises_parse_error(platform: Platform, payload: Any) -> None:
    with pytest.raises(ParseError):
        parse_event(platform, payload)


def test_parse_error_is_a_value_error_and_pickles() -> None:
    import pickle

    error = ParseError("data.markets[3].outcomes", "missing")
    assert isinstance(error, ValueError)
    copy_ = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object
    assert (copy_.path, str(copy_)) == (error.path, str(error))
    assert "data.markets[3].outcomes" in str(error)


def test_naive_betpawa_start_time_is_refused() -> None:
    raw = load("betpawa/event_v4_prematch_67691078.json")
    raw["startTime"] = "2026-08-21T09:30:00"
    with pytest.raises(ParseError) as info:
        parse_event(Platform.BETPAWA, raw)
    assert info.value.path == "startTime"


def test_payload_is_not_modified() -> None:
    raw = load("bet9ja/event_prematch_68995116.json")
    before = copy.deepcopy(raw)
    parse_event(Platform.BET9JA, raw)
    assert raw == before


@pytest.mark.parametrize(
    ("startdate", "expected"),
    [
        ("2026-05-06 11:00:00", datetime(2026, 5, 6, 11, 0, tzinfo=UTC)),
        ("2026-05-06T11:00:00", datetime(2026, 5, 6, 11, 0, tzinfo=UTC)),
        ("2026-05-06 12:00:00+01:00", datetime(2026, 5, 6, 11, 0, tzinfo=UTC)),
    ],
)
def test_bet9ja_start_date_is_read_as_utc(startdate: str, expected: datetime) -> None:
    raw = load("bet9ja/event_prematch_68995116.json")
    raw["D"]["STARTDATE"] = startdate
    event = parse_event(Platform.BET9JA, raw)
    assert event.kickoff == expected and event.kickoff.utcoffset() == timedelta(0)


@pytest.mark.parametrize("startdate", ["06/05/2026 11:00", "", "2026-13-06 11:00:00", 20260506])
def test_bet9ja_bad_start_date_raises_naming_it(startdate: Any) -> None:
    raw = load("bet9ja/event_prematch_68995116.json")
    raw["D"]["STARTDATE"] = startdate
    with pytest.raises(ParseError) as info:
        parse_event(Platform.BET9JA, raw)
    assert info.value.path == "D.STARTDATE"


@pytest.mark.parametrize("start", [1778065200000, "1778065200000", 1778065200000.0])
def test_sportybet_start_time_in_unix_ms(start: Any) -> None:
    raw = load("sportybet/event_live_closed_67645534.json")
    raw["data"]["estimateStartTime"] = start
    assert parse_event(Platform.SPORTYBET, raw).kickoff == datetime(2026, 5, 6, 11, 0, tzinfo=UTC)


@pytest.mark.parametrize("start", [True, "soon", -1e30, 10**30, "\uff11\uff12"])
def test_sportybet_bad_start_time_raises_naming_it(start: Any) -> None:
    raw = load("sportybet/event_live_closed_67645534.json")
    raw["data"]["estimateStartTime"] = start
    with pytest.raises(ParseError) as info:
        parse_event(Platform.SPORTYBET, raw)
    assert info.value.path == "data.estimateStartTime"
