"""The shipped mapping table: every comparable market of the CSV is covered, and lookups do not collide."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from oddsstore.parsing.mapping import (
    BET9JA_TEAM_TOTAL_SPLITS,
    HANDICAP_TYPES,
    build_table,
    market_table,
    table_text,
)

HEADER = [
    "canonical_id", "market_name", "betpawa_market_id", "sportybet_market_id", "bet9ja_key",
    "outcome_canonical_id", "betpawa_outcome", "sportybet_desc", "bet9ja_suffix", "position",
]  # fmt: skip


def rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(table_text())))


def test_csv_keeps_its_columns() -> None:
    assert next(csv.reader(io.StringIO(table_text()))) == HEADER


def test_every_market_with_a_betpawa_id_and_outcome_names_is_covered() -> None:
    by_market: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows():
        by_market[row["canonical_id"]].append(row)
    table = market_table()
    comparable = 0
    for market_rows in by_market.values():
        first = market_rows[0]
        named = {r["betpawa_outcome"] for r in market_rows if r["betpawa_outcome"]}
        if not first["betpawa_market_id"] or not named:
            assert first["betpawa_market_id"] not in table.betpawa or not first["betpawa_market_id"]
            continue
        comparable += 1
        market = table.betpawa[first["betpawa_market_id"]]
        assert set(market.positions) == named
        if first["sportybet_market_id"] and any(r["sportybet_desc"] for r in market_rows):
            assert table.sportybet[first["sportybet_market_id"]].market is market
        for r in market_rows:
            if r["bet9ja_key"] and r["bet9ja_suffix"]:
                ref = table.bet9ja[r["bet9ja_key"]][r["bet9ja_suffix"]]
                assert ref.market is market
                assert ref.name == (r["betpawa_outcome"] or None)
    # markets.md: the reference table has 99 comparable markets; issue 11 pairs more from the payloads
    assert comparable == len(table.betpawa) >= 99


def test_bet9ja_keys_and_suffixes_never_point_at_two_markets() -> None:
    seen: dict[tuple[str, str], str] = {}
    for row in rows():
        if row["bet9ja_key"] and row["bet9ja_suffix"] and row["betpawa_market_id"]:
            key = (row["bet9ja_key"], row["bet9ja_suffix"])
            assert seen.setdefault(key, row["betpawa_market_id"]) == row["betpawa_market_id"], key


def test_team_total_split_points_at_betpawa_home_and_away_markets() -> None:
    refs = market_table().bet9ja["S_HAOU"]
    assert set(refs) == set(BET9JA_TEAM_TOTAL_SPLITS["S_HAOU"])
    assert {(r.market.market_id, r.name) for r in refs.values()} == {
        ("5006", "Over"),
        ("5006", "Under"),
        ("5003", "Over"),
        ("5003", "Under"),
    }
    first_half = market_table().bet9ja["S_HA1HOU"]
    assert {s: r.market.market_id for s, r in first_half.items()} == {
        "HO": "4964",
        "HU": "4964",
        "AO": "4961",
        "AU": "4961",
    }


def test_handicap_markets_are_typed() -> None:
    table = market_table()
    assert {m.market_id for m in table.betpawa.values() if m.handicap_type} == set(HANDICAP_TYPES)


def test_table_is_built_once() -> None:
    assert market_table() is market_table()
    rebuilt = build_table(table_text())
    assert rebuilt.betpawa.keys() == market_table().betpawa.keys()


def test_unmapped_rows_stay_unmapped() -> None:
    """HT/FT & Over/Under (818, S_HTFTOU) has no BetPawa outcome names; First Corner (163) has no BetPawa id.
    (Multiscores, 551, was the example here until issue 11 gave it BetPawa's names.)"""
    table = market_table()
    assert "818" not in table.sportybet and "163" not in table.sportybet
    assert "S_HTFTOU" not in table.bet9ja and "S_1STCORNER" not in table.bet9ja
