"""Discovery pages and competition trees of the three sites."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from oddsstore.models import Platform
from oddsstore.parsing import ParseError, TreeEntry, parse_discovery, parse_discovery_page, parse_tree

FIXTURES = Path(__file__).parent.parent / "fixtures"


def load(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text("utf-8"))


def _sr_widget(item: dict[str, Any]) -> str | None:
    return next((w["id"] for w in item.get("widgets", []) if w["type"] == "SPORTRADAR"), None)


# --- BetPawa -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["events_by_queries_skip0.json", "events_by_queries_skip20.json"])
def test_betpawa_list_gives_every_event_with_its_sportradar_id(name: str) -> None:
    raw = load(f"betpawa/{name}")
    items = raw["responses"][0]["responses"]
    events = parse_discovery(Platform.BETPAWA, raw)
    assert [e.platform_event_id for e in events] == [i["id"] for i in items]
    for event, item in zip(events, items, strict=True):
        assert event.platform is Platform.BETPAWA
        assert event.sportradar_id == _sr_widget(item)
        assert event.kickoff == datetime.fromisoformat(item["startTime"]) and event.kickoff.tzinfo == UTC
        home = next(p["name"] for p in item["participants"] if p["position"] == 1)
        away = next(p["name"] for p in item["participants"] if p["position"] == 2)
        assert (event.home_team, event.away_team) == (home, away)
        assert (event.tournament, event.tournament_id, event.country) == (
            item["competition"]["name"],
            item["competition"]["id"],
            item["region"]["name"],
        )


def test_betpawa_items_without_sportradar_widget_are_listed_for_the_client() -> None:
    raw = load("betpawa/events_by_queries_skip0.json")
    items = raw["responses"][0]["responses"]
    for item in items[:3]:
        item["widgets"] = [w for w in item["widgets"] if w["type"] != "SPORTRADAR"]
    del items[3]["widgets"]
    page = parse_discovery_page(Platform.BETPAWA, raw)
    assert page.missing_sportradar == tuple(i["id"] for i in items[:4])
    assert [e.platform_event_id for e in page.events] == [i["id"] for i in items[4:]]
    assert page.skipped == {}


def test_betpawa_malformed_item_is_counted_and_the_rest_kept() -> None:
    raw = load("betpawa/events_by_queries_skip0.json")
    items = raw["responses"][0]["responses"]
    del items[0]["participants"]
    items[1]["startTime"] = "tomorrow"
    page = parse_discovery_page(Platform.BETPAWA, raw)
    assert page.skipped == {"malformed_event": 2}
    assert len(page.events) == len(items) - 2


def test_started_events_are_kept_by_the_parser() -> None:
    raw = load("betpawa/events_by_queries_skip0.json")  # captured 2025-09-27: long started
    events = parse_discovery(Platform.BETPAWA, raw)
    assert events and all(e.kickoff < datetime.now(UTC) for e in events)


def test_betpawa_tree_lists_every_competition_with_its_region() -> None:
    raw = load("betpawa/categories_list_2.json")
    entries = parse_tree(Platform.BETPAWA, raw)
    regions = raw["withRegions"][0]["regions"]
    expected = [
        TreeEntry(id=c["competition"]["id"], name=c["competition"]["name"], country=r["region"]["name"])
        for r in regions
        for c in r["competitions"]
    ]
    assert entries == expected
    assert len(entries) > 100


def test_betpawa_tree_of_the_old_shape_raises_naming_the_path() -> None:
    """The drift that once made discovery find 0 events silently: competitions[].id at the top level."""
    raw = {
        "withRegions": [{"regions": [{"region": {"name": "X"}, "competitions": [{"id": "1", "name": "L"}]}]}]
    }
    with pytest.raises(ParseError) as info:
        parse_tree(Platform.BETPAWA, raw)
    assert info.value.path == "withRegions[0].regions[0].competitions[0].competition"


# --- SportyBet ---------------------------------------------------------------------------------------


def _sportybet_events() -> Any:
    raw = load("sportybet/list_wapConfigurableEventsByOrder_trimmed.json")
    del raw["_TRIMMED_NOTE"]
    return raw


def test_sportybet_reads_every_tournament_block() -> None:
    raw = _sportybet_events()
    events = parse_discovery(Platform.SPORTYBET, raw)
    items = [(block, e) for block in raw["data"] for e in block["events"]]
    assert len(raw["data"]) > 1 and len(events) == len(items)
    for event, (block, item) in zip(events, items, strict=True):
        assert event.platform_event_id == item["eventId"]
        assert f"sr:match:{event.sportradar_id}" == item["eventId"]
        assert event.kickoff == datetime.fromtimestamp(item["estimateStartTime"] / 1000, UTC)
        assert (event.home_team, event.away_team) == (item["homeTeamName"], item["awayTeamName"])
        assert event.tournament_id == block["id"]
        assert event.country == item["sport"]["category"]["name"]


def test_sportybet_non_match_ids_are_counted() -> None:
    raw = _sportybet_events()
    raw["data"][0]["events"][0]["eventId"] = "sr:simulated:1"
    page = parse_discovery_page(Platform.SPORTYBET, raw)
    assert page.skipped == {"no_sportradar_id": 1}
    assert page.missing_sportradar == ("sr:simulated:1",)


def test_sportybet_tree_reads_football_only() -> None:
    raw: dict[str, Any] = {
        "bizCode": 10000,
        "data": {
            "sportList": [
                {
                    "id": "sr:sport:2",
                    "categories": [{"name": "USA", "tournaments": [{"id": "t:9", "name": "NBA"}]}],
                },
                {
                    "id": "sr:sport:1",
                    "categories": [
                        {
                            "name": "England",
                            "tournaments": [{"id": "sr:tournament:17", "name": "Premier League"}],
                        },
                        {"name": "Spain", "tournaments": [{"id": "sr:tournament:8", "name": "LaLiga"}]},
                    ],
                },
            ]
        },
    }
    assert parse_tree(Platform.SPORTYBET, raw) == [
        TreeEntry("sr:tournament:17", "Premier League", "England"),
        TreeEntry("sr:tournament:8", "LaLiga", "Spain"),
    ]
    del raw["data"]["sportList"][1]
    with pytest.raises(ParseError) as info:
        parse_tree(Platform.SPORTYBET, raw)
    assert info.value.path == "data.sportList"


# --- Bet9ja ------------------------------------------------------------------------------------------


def _bet9ja_group() -> dict[str, Any]:
    return {
        "R": "OK",
        "D": {
            "E": [
                {
                    "ID": 769895636,
                    "C": "4905",
                    "EXTID": "68995116",
                    "DS": "Wuhan Three Towns - Qingdao Hainiu FC",
                    "STARTDATE": "2026-05-06 11:00:00",
                    "GN": "Chinese Super League",
                    "GID": 1414963,
                    "O": {},
                },
                {
                    "ID": 769895637,
                    "C": "4906",
                    "DS": "A - B - C",
                    "STARTDATE": "2026-05-06 13:30:00",
                    "O": {},
                },
                {
                    "ID": 769895638,
                    "C": "4907",
                    "EXTID": "",
                    "DS": "E - F",
                    "STARTDATE": "2026-05-06 13:30:00",
                },
                {"ID": 769895639, "EXTID": "1", "DS": "no separator", "STARTDATE": "2026-05-06 13:30:00"},
            ]
        },
    }


def test_bet9ja_group_events() -> None:
    page = parse_discovery_page(Platform.BET9JA, _bet9ja_group())
    (event,) = page.events
    assert (event.sportradar_id, event.platform_event_id) == ("68995116", "769895636")
    assert (event.home_team, event.away_team) == ("Wuhan Three Towns", "Qingdao Hainiu FC")
    assert event.kickoff == datetime(2026, 5, 6, 11, 0, tzinfo=UTC)
    assert (event.tournament, event.tournament_id) == ("Chinese Super League", "1414963")
    assert page.skipped == {"no_sportradar_id": 2, "malformed_event": 1}
    assert page.missing_sportradar == ("769895637", "769895638")


def test_bet9ja_splits_teams_on_the_first_separator() -> None:
    raw = _bet9ja_group()
    raw["D"]["E"][1]["EXTID"] = "5"
    events = parse_discovery(Platform.BET9JA, raw)
    assert (events[1].home_team, events[1].away_team) == ("A", "B - C")


def test_bet9ja_tree_lists_groups_with_their_country() -> None:
    raw: dict[str, Any] = {
        "R": "OK",
        "D": {
            "PAL": {
                "1": {
                    "SG": {
                        "12016": {"SG_DESC": "China", "G": {"1414963": {"G_DESC": "Chinese Super League"}}},
                        "170880": {
                            "SG_DESC": "England",
                            "G": {
                                "170881": {"G_DESC": "Premier League"},
                                "170882": {"G_DESC": "Championship"},
                            },
                        },
                    }
                },
                "2": {"SG": {"1": {"SG_DESC": "USA", "G": {"9": {"G_DESC": "NBA"}}}}},
            }
        },
    }
    assert parse_tree(Platform.BET9JA, raw) == [
        TreeEntry("1414963", "Chinese Super League", "China"),
        TreeEntry("170881", "Premier League", "England"),
        TreeEntry("170882", "Championship", "England"),
    ]
    del raw["D"]["PAL"]["1"]
    with pytest.raises(ParseError) as info:
        parse_tree(Platform.BET9JA, raw)
    assert info.value.path == "D.PAL.1"


# --- wrong shapes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "payload", "path"),
    [
        (Platform.BETPAWA, {"responses": []}, "responses[0]"),
        (Platform.BETPAWA, {"responses": [{"request": {}}]}, "responses[0].responses"),
        (Platform.BETPAWA, {}, "responses"),
        (Platform.SPORTYBET, {"bizCode": 10000, "data": {}}, "data"),
        (Platform.SPORTYBET, {"bizCode": 10000, "data": [{"id": "t"}]}, "data[0].events"),
        (Platform.BET9JA, {"R": "OK", "D": {}}, "D.E"),
        (Platform.BET9JA, {"R": "OK", "D": {"E": {}}}, "D.E"),
    ],
)
def test_wrong_discovery_shapes_raise_with_the_path(platform: Platform, payload: Any, path: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_discovery_page(platform, payload)
    assert info.value.path == path


@pytest.mark.parametrize("platform", list(Platform))
@pytest.mark.parametrize("payload", [None, [], "x", {"unrelated": 1}])
def test_not_a_tree_raises_parse_error(platform: Platform, payload: Any) -> None:
    with pytest.raises(ParseError):
        parse_tree(platform, payload)
