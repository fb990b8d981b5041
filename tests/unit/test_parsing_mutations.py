"""Mutated genuine payloads (a key deleted, a value of the wrong type) either parse, with what they lost
counted, or raise ParseError: never KeyError, TypeError, AttributeError or anything else."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oddsstore.models import EventOdds, Platform
from oddsstore.parsing import ParseError, parse_discovery_page, parse_event, parse_tree

FIXTURES = Path(__file__).parent.parent / "fixtures"
Path_ = tuple[str | int, ...]


def load(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text("utf-8"))


def _small_betpawa(name: str) -> Any:
    raw = load(name)
    raw["markets"] = raw["markets"][:12]
    return raw


def _small_sportybet() -> Any:
    raw = load("sportybet/event_prematch_68995116.json")
    raw["data"]["markets"] = raw["data"]["markets"][:25]
    return raw


def _small_bet9ja() -> Any:
    raw = load("bet9ja/event_prematch_68995116.json")
    data = raw["D"]
    keep = sorted(data["O"])[:80]
    raw["D"] = {k: v for k, v in data.items() if k not in ("MK", "TRANS", "AUX")}
    raw["D"]["O"] = {k: data["O"][k] for k in keep}
    return raw


def _small_tree() -> Any:
    raw = load("betpawa/categories_list_2.json")
    raw["withRegions"][0]["regions"] = raw["withRegions"][0]["regions"][:4]
    return raw


def _small_list() -> Any:
    raw = load("betpawa/events_by_queries_skip0.json")
    for event in raw["responses"][0]["responses"]:
        event["markets"] = []
    raw["responses"][0]["responses"] = raw["responses"][0]["responses"][:4]
    return raw


def _sportybet_list() -> Any:
    raw = load("sportybet/list_wapConfigurableEventsByOrder_trimmed.json")
    del raw["_TRIMMED_NOTE"]
    for block in raw["data"]:
        for event in block["events"]:
            event["markets"] = []
    return raw


def _bet9ja_group() -> Any:
    """A GetEventsInGroupV2-shaped page built from the captured event's facts."""
    event = load("bet9ja/event_prematch_68995116.json")["D"]
    item = {k: event[k] for k in ("ID", "C", "EXTID", "DS", "STARTDATE", "GN", "GID")}
    return {"R": "OK", "D": {"E": [item, {**item, "ID": 1, "EXTID": "2"}]}}


def _bet9ja_tree() -> Any:
    groups = {"G": {"1414963": {"G_DESC": "Chinese Super League"}, "7": {"G_DESC": "FA Cup"}}}
    return {"R": "OK", "D": {"PAL": {"1": {"SG": {"12016": {"SG_DESC": "China", **groups}}}}}}


def paths(value: Any, prefix: Path_ = ()) -> list[Path_]:
    found: list[Path_] = []
    if isinstance(value, dict):
        for key, child in value.items():
            found.append((*prefix, key))
            found.extend(paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found.append((*prefix, i))
            found.extend(paths(child, (*prefix, i)))
    return found


REPLACEMENTS: list[Any] = [None, [], {}, "", "x", 0, -1, 1.5, True, float("nan"), float("inf"), [1], {"a": 1}]


def mutate(payload: Any, path: Path_, replacement: int) -> Any:
    mutated = copy.deepcopy(payload)
    parent = mutated
    for step in path[:-1]:
        parent = parent[step]
    if replacement < 0:
        del parent[path[-1]]
    else:
        parent[path[-1]] = copy.deepcopy(REPLACEMENTS[replacement])
    return mutated


def check(parse: Callable[[Any], Any], payload: Any, path: Path_, replacement: int) -> None:
    try:
        result = parse(mutate(payload, path, replacement))
    except ParseError as error:
        assert error.path  # always names where it went wrong
        return
    if isinstance(result, EventOdds):
        assert result.markets_mapped == len(result.markets)
        assert all(v > 0 for v in result.skipped.values())


CASES: list[tuple[str, Callable[[Any], Any], Any]] = [
    (
        "betpawa v3",
        lambda p: parse_event(Platform.BETPAWA, p),
        _small_betpawa("betpawa/event_v3_prematch_68995116.json"),
    ),
    (
        "betpawa v4",
        lambda p: parse_event(Platform.BETPAWA, p),
        _small_betpawa("betpawa/event_v4_prematch_67691078.json"),
    ),
    ("sportybet", lambda p: parse_event(Platform.SPORTYBET, p), _small_sportybet()),
    ("bet9ja", lambda p: parse_event(Platform.BET9JA, p), _small_bet9ja()),
    ("betpawa tree", lambda p: parse_tree(Platform.BETPAWA, p), _small_tree()),
    ("betpawa list", lambda p: parse_discovery_page(Platform.BETPAWA, p), _small_list()),
    ("sportybet list", lambda p: parse_discovery_page(Platform.SPORTYBET, p), _sportybet_list()),
    ("bet9ja group", lambda p: parse_discovery_page(Platform.BET9JA, p), _bet9ja_group()),
    ("bet9ja tree", lambda p: parse_tree(Platform.BET9JA, p), _bet9ja_tree()),
]


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_payloads_parse_or_raise_parse_error(data: st.DataObject) -> None:
    _, parse, payload = data.draw(st.sampled_from(CASES))
    path = data.draw(st.sampled_from(paths(payload)))
    replacement = data.draw(st.integers(-1, len(REPLACEMENTS) - 1))
    check(parse, payload, path, replacement)


def test_every_single_key_deletion_is_handled() -> None:
    """Exhaustive for the smaller payloads: each key deleted in turn."""
    checked = 0
    for _, parse, payload in CASES[3:]:
        for path in paths(payload):
            check(parse, payload, path, -1)
            checked += 1
    assert checked > 500


def test_a_deleted_market_key_is_counted_not_fatal() -> None:
    payload = _small_betpawa("betpawa/event_v3_prematch_68995116.json")
    intact = parse_event(Platform.BETPAWA, payload)
    broken = mutate(payload, ("markets", 0, "marketType"), -1)
    event = parse_event(Platform.BETPAWA, broken)
    assert event.skipped["malformed_market"] == 1
    assert len(event.markets) == len(intact.markets) - 1
