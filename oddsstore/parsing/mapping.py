"""The market mapping table: SportyBet and Bet9ja markets onto BetPawa market ids and outcome names.

The table ships as ``data/market_mapping.csv`` (one row per outcome). It is read once, on first use,
into lookup dicts keyed the way each parser looks markets up: BetPawa market id, SportyBet market id,
Bet9ja odds-key market (then outcome suffix). Only markets with a BetPawa id and at least one BetPawa
outcome name are comparable and kept; an outcome without a BetPawa name is known but unmapped.
"""

from __future__ import annotations

import csv
import functools
import io
from collections import defaultdict
from collections.abc import Mapping
from importlib import resources

import attrs

ASIAN = "asian"
EUROPEAN = "european"

# BetPawa ids of handicap markets (lines are the home handicap). Bet9ja keys carry no type: this decides.
HANDICAP_TYPES: Mapping[str, str] = {
    "3774": ASIAN, "3747": ASIAN, "3756": ASIAN, "1096785": ASIAN, "1096786": ASIAN,
    "4724": EUROPEAN, "4716": EUROPEAN, "4720": EUROPEAN,
}  # fmt: skip

# SportyBet market ids whose specifier must carry a total (markets.md), and those that must carry hcp.
SPORTYBET_TOTAL_IDS = frozenset(
    ["18", "68", "90", "19", "20", "69", "70", "91", "92", "166", "177", "139", "152"]
    + ["37", "547", "818", "36"]  # combos
    + [str(i) for i in range(900300, 900308)]
)
SPORTYBET_HANDICAP_IDS = frozenset(["14", "16", "65", "66", "87", "88", "165", "176"])
TOTAL, HANDICAP = "total", "hcp"
# The specifier key that carries each line market's line (a SportyBet market without one here takes its
# total, else its home handicap, when it has either). Next Goal's line is the goal number, as BetPawa's
# 28000224 "Goal {handicap}" row carries it ("1st Goal", goalnr=1, is BetPawa's line 1).
SPORTYBET_LINE_KEYS: Mapping[str, str] = {
    **{market_id: TOTAL for market_id in SPORTYBET_TOTAL_IDS},
    **{market_id: HANDICAP for market_id in SPORTYBET_HANDICAP_IDS},
    "8": "goalnr",
}

# Bet9ja keys without a parameter whose market has a line all the same: "First Team to Score" is BetPawa's
# Next Goal for goal number 1.
BET9JA_FIXED_LINES: Mapping[str, float] = {"S_1STGOAL": 1.0}

# Bet9ja holds home and away team totals in one key: split them into BetPawa's two markets.
# (odds-key market, outcome suffix) -> (BetPawa market id, BetPawa outcome name)
BET9JA_TEAM_TOTAL_SPLITS: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "S_HAOU": {
        "OH": ("5006", "Over"),
        "UH": ("5006", "Under"),
        "OA": ("5003", "Over"),
        "UA": ("5003", "Under"),
    },
}

# Markets whose outcomes are players: no table can list them, they join by the player's name. SportyBet
# market id -> (BetPawa market id, name). SportyBet spells a player "Surname, Given (Team)" where BetPawa
# has "Given Surname": all 49 Anytime Goalscorer names of SR 68995116 meet once turned round.
SPORTYBET_PLAYER_MARKETS: Mapping[str, tuple[str, str]] = {"40": ("129108", "Anytime Goalscorer")}


# BetPawa's own payloads name a few outcomes differently from the table's betpawa_outcome column; these
# aliases (seen in the captured v3/v4 events) land them on the table's names so the sites join.
BETPAWA_OUTCOME_ALIASES: Mapping[str, Mapping[str, str]] = {
    "4870": {"1": "Home", "2": "Away"},
    "1096782": {
        "Home": "Home Team Only",
        "Away": "Away Team Only",
        "Both": "Both Teams",
        "No Goal": "Neither",
    },
}

# Likewise SportyBet descs seen in the captured events that differ from the table's sportybet_desc.
SPORTYBET_DESC_ALIASES: Mapping[str, Mapping[str, str]] = {
    "9": {"None": "No Goal"},
    "30": {"Only Home": "Home only", "Only Away": "Away only", "None": "Neither"},
}


def normalise_name(name: str) -> str:
    """Loose form of an outcome name, so that BetPawa's "1 - Over" meets the table's "1 & Over"."""
    return " ".join(name.lower().replace(" & ", " - ").split())


@attrs.frozen(slots=True)
class MarketDef:
    """One comparable market in BetPawa's taxonomy."""

    market_id: str
    name: str
    handicap_type: str | None
    positions: Mapping[str, int]  # BetPawa outcome name -> position
    aliases: Mapping[str, str]  # normalise_name(name) -> BetPawa outcome name


@attrs.frozen(slots=True)
class OutcomeRef:
    """A source outcome resolved to the table: its market, BetPawa name (None: no counterpart), position."""

    market: MarketDef
    name: str | None
    position: int


@attrs.frozen(slots=True)
class SportyMarket:
    market: MarketDef
    by_desc: Mapping[str, OutcomeRef]  # desc.lower() -> outcome
    line_key: str | None  # the specifier key its line must come from (SPORTYBET_LINE_KEYS)
    players: bool = False  # outcomes are players (SPORTYBET_PLAYER_MARKETS), named from their desc


@attrs.frozen(slots=True)
class MarketTable:
    betpawa: Mapping[str, MarketDef]
    sportybet: Mapping[str, SportyMarket]
    bet9ja: Mapping[str, Mapping[str, OutcomeRef]]  # odds-key market ("S_1X2") -> suffix -> outcome


@attrs.frozen(slots=True)
class TableRow:
    """One CSV row: one outcome of one market, with each site's key and spelling."""

    canonical_id: str
    market_name: str
    betpawa_market_id: str
    sportybet_market_id: str
    bet9ja_key: str
    betpawa_outcome: str
    sportybet_desc: str
    bet9ja_suffix: str
    position: int


def read_rows(text: str) -> list[TableRow]:
    """The CSV text as rows, stripped (the audit reads them to find site keys no payload uses)."""
    rows: list[TableRow] = []
    for raw in csv.DictReader(io.StringIO(text)):
        rows.append(
            TableRow(
                canonical_id=raw["canonical_id"].strip(),
                market_name=raw["market_name"].strip(),
                betpawa_market_id=raw["betpawa_market_id"].strip(),
                sportybet_market_id=raw["sportybet_market_id"].strip(),
                bet9ja_key=raw["bet9ja_key"].strip(),
                betpawa_outcome=raw["betpawa_outcome"].strip(),
                sportybet_desc=raw["sportybet_desc"].strip(),
                bet9ja_suffix=raw["bet9ja_suffix"].strip(),
                position=int(raw["position"]),
            )
        )
    return rows


def build_table(text: str) -> MarketTable:
    """Build the lookup dicts from the CSV text (public for tests that check the shipped table)."""
    by_market: dict[str, list[TableRow]] = defaultdict(list)
    for row in read_rows(text):
        by_market[row.canonical_id].append(row)

    betpawa: dict[str, MarketDef] = {}
    sportybet: dict[str, SportyMarket] = {}
    bet9ja: dict[str, dict[str, OutcomeRef]] = defaultdict(dict)
    for rows in by_market.values():
        first = rows[0]
        named = [r for r in rows if r.betpawa_outcome]
        if not first.betpawa_market_id or not named:
            continue  # known, deliberately unmapped market
        positions = {r.betpawa_outcome: r.position for r in named}
        aliases = {normalise_name(n): n for n in positions}
        for alias, canonical in BETPAWA_OUTCOME_ALIASES.get(first.betpawa_market_id, {}).items():
            if canonical in positions:
                aliases[normalise_name(alias)] = canonical
        market = MarketDef(
            market_id=first.betpawa_market_id,
            name=first.market_name,
            handicap_type=HANDICAP_TYPES.get(first.betpawa_market_id),
            positions=positions,
            aliases=aliases,
        )
        betpawa.setdefault(market.market_id, market)

        sporty_rows = sorted((r for r in rows if r.sportybet_desc), key=lambda r: r.position)
        if first.sportybet_market_id and sporty_rows:
            refs = [OutcomeRef(market, r.betpawa_outcome or None, r.position) for r in sporty_rows]
            by_desc = {r.sportybet_desc.lower(): ref for r, ref in zip(sporty_rows, refs, strict=True)}
            for alias, desc in SPORTYBET_DESC_ALIASES.get(first.sportybet_market_id, {}).items():
                if desc.lower() in by_desc:
                    by_desc[alias.lower()] = by_desc[desc.lower()]
            sportybet.setdefault(
                first.sportybet_market_id,
                SportyMarket(
                    market=market,
                    by_desc=by_desc,
                    line_key=SPORTYBET_LINE_KEYS.get(first.sportybet_market_id),
                ),
            )
        for r in rows:
            if r.bet9ja_key and r.bet9ja_suffix:
                bet9ja[r.bet9ja_key].setdefault(
                    r.bet9ja_suffix, OutcomeRef(market, r.betpawa_outcome or None, r.position)
                )

    for key, splits in BET9JA_TEAM_TOTAL_SPLITS.items():
        for suffix, (market_id, outcome) in splits.items():
            split_market = betpawa.get(market_id)
            if split_market is not None and outcome in split_market.positions:
                bet9ja[key][suffix] = OutcomeRef(split_market, outcome, split_market.positions[outcome])

    for sportybet_id, (market_id, name) in SPORTYBET_PLAYER_MARKETS.items():
        players = MarketDef(market_id=market_id, name=name, handicap_type=None, positions={}, aliases={})
        sportybet[sportybet_id] = SportyMarket(market=players, by_desc={}, line_key=None, players=True)

    return MarketTable(betpawa=betpawa, sportybet=sportybet, bet9ja=dict(bet9ja))


def table_text() -> str:
    return resources.files("oddsstore.parsing").joinpath("data", "market_mapping.csv").read_text("utf-8")


@functools.cache
def market_table() -> MarketTable:
    """The shipped table, read once (an immutable value, cached per process)."""
    return build_table(table_text())
