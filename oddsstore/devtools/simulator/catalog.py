"""The simulator's market catalogue, built from the package's ``market_mapping.csv``.

For each site it lists the source markets an event offers: the site's own key (BetPawa market type id,
SportyBet market id, Bet9ja odds-key market), its lines, and its outcome names as that site spells them,
plus filler markets that map to nothing (every real site offers many of those).
"""

from __future__ import annotations

import csv
import io
import zlib
from collections.abc import Mapping
from importlib import resources

import attrs

from oddsstore.models import Platform
from oddsstore.parsing.mapping import SPORTYBET_TOTAL_IDS

# SportyBet ids whose markets carry a line: the parser's own list of totals (one source of truth), and
# the Asian and European handicaps (the parser keeps those in one set; the simulator needs the type).
TOTAL_IDS = SPORTYBET_TOTAL_IDS
ASIAN_IDS = frozenset({"16", "66", "88", "165", "176"})
EUROPEAN_IDS = frozenset({"14", "65", "87"})

_LINES: Mapping[str, tuple[float, ...]] = {
    "over_under_ft": (0.5, 1.5, 2.5, 3.5, 4.5, 5.5),
    "corners_over_under_ft": (7.5, 8.5, 9.5, 10.5, 11.5, 12.5),
    "corners_over_under_1h": (3.5, 4.5, 5.5),
    "bookings_over_under_ft": (2.5, 3.5, 4.5, 5.5),
    "asian_handicap_ft": (-1.0, -0.5, 0.0, 0.5, 1.0),
    "corner_handicap_ft": (-1.5, -0.5, 0.5, 1.5),
    "handicap_3way_ft": (-2.0, -1.0, 1.0, 2.0),
}
_DEFAULT_LINES: Mapping[str, tuple[float, ...]] = {
    "total": (0.5, 1.5, 2.5),
    "asian": (-0.5, 0.0, 0.5),
    "european": (-1.0, 1.0),
    "plain": (),
}
# how many source markets an event offers per site (the production figures)
TARGETS: Mapping[Platform, int] = {Platform.BETPAWA: 170, Platform.SPORTYBET: 190, Platform.BET9JA: 165}
# unmapped filler markets added at least (SportyBet's real share of unmapped source markets is ~48%)
MIN_FILLER: Mapping[Platform, int] = {Platform.BETPAWA: 4, Platform.SPORTYBET: 12, Platform.BET9JA: 0}


def int_key(text: str) -> int:
    return zlib.crc32(text.encode())


@attrs.frozen(slots=True)
class SiteOutcome:
    name: str  # as the site spells it (BetPawa name, SportyBet desc, Bet9ja suffix)
    group: int  # outcomes of one group share one probability distribution
    key: int  # stable across sites for the same bet


@attrs.frozen(slots=True)
class SiteMarket:
    key: str  # BetPawa marketType.id, SportyBet market id or Bet9ja odds-key market (S_OU)
    name: str
    kind: str  # plain, total, asian, european
    lines: tuple[float | None, ...]
    outcomes: tuple[SiteOutcome, ...]
    tabs: tuple[str, ...] = ("all", "other")
    mapped: bool = True
    # derived once, read for every priced line
    hkey: int = attrs.field(
        init=False, default=attrs.Factory(lambda self: int_key(self.key), takes_self=True)
    )
    single_group: bool = attrs.field(
        init=False,
        default=attrs.Factory(lambda self: len({o.group for o in self.outcomes}) <= 1, takes_self=True),
    )


@attrs.frozen(slots=True)
class _Row:
    canonical: str
    name: str
    betpawa: str
    sportybet: str
    bet9ja: str
    outcome: str
    betpawa_outcome: str
    sportybet_desc: str
    bet9ja_suffix: str


def _rows() -> list[_Row]:
    text = (resources.files("oddsstore") / "parsing" / "data" / "market_mapping.csv").read_text("utf-8")
    return [
        _Row(
            r["canonical_id"],
            r["market_name"],
            r["betpawa_market_id"],
            r["sportybet_market_id"],
            r["bet9ja_key"],
            r["outcome_canonical_id"],
            r["betpawa_outcome"],
            r["sportybet_desc"],
            r["bet9ja_suffix"],
        )
        for r in csv.DictReader(io.StringIO(text))
    ]


def _kind(rows: list[_Row]) -> str:
    ids = {r.sportybet for r in rows}
    if ids & ASIAN_IDS:
        return "asian"
    if ids & EUROPEAN_IDS:
        return "european"
    if ids & TOTAL_IDS or rows[0].canonical == "haou_combined":
        return "total"
    return "plain"


def _tabs(canonical: str, kind: str) -> tuple[str, ...]:
    tabs = ["all"]
    if canonical in {"1x2_ft", "double_chance_ft", "btts_ft", "over_under_ft", "handicap_3way_ft"}:
        tabs.append("popular")
    if "corner" in canonical:
        tabs.append("corners")
    elif "booking" in canonical or "card" in canonical or "sending" in canonical:
        tabs.append("cards")
    elif kind in {"asian", "european"}:
        tabs.append("handicaps")
    elif kind == "total" or "goal" in canonical:
        tabs.append("goals")
    if canonical.endswith(("_1h", "_2h")):
        tabs.append("halves")
    if len(tabs) == 1:
        tabs.append("other")
    return tuple(tabs)


def _group_key(row: _Row) -> int:
    # Bet9ja's HAOU holds the home and the away team totals in one market: two distributions
    if row.canonical == "haou_combined":
        return int_key(row.outcome.split("_")[0])
    return int_key(row.canonical)


def _outcome_name(platform: Platform, row: _Row) -> str:
    if platform is Platform.BETPAWA:
        return row.betpawa_outcome or row.sportybet_desc or row.bet9ja_suffix
    if platform is Platform.SPORTYBET:
        return row.sportybet_desc
    return row.bet9ja_suffix


def _site_key(platform: Platform, row: _Row) -> str:
    return {Platform.BETPAWA: row.betpawa, Platform.SPORTYBET: row.sportybet, Platform.BET9JA: row.bet9ja}[
        platform
    ]


def _filler(platform: Platform, index: int) -> SiteMarket:
    """A market no mapping knows: the share of unmapped source markets the real sites have."""
    key = {
        Platform.BETPAWA: str(29_100_000 + index * 10),
        Platform.SPORTYBET: str(700_000 + index),
        Platform.BET9JA: f"S_XSPEC{index}",
    }[platform]
    names = ("Y", "N") if platform is Platform.BET9JA else ("Yes", "No")
    group = int_key(f"filler{index}")
    outcomes = tuple(SiteOutcome(n, group, int_key(f"filler{index}/{n}")) for n in names)
    return SiteMarket(key, f"Special {index}", "plain", (None,), outcomes, ("all", "specials"), mapped=False)


def build_catalog(platform: Platform, target: int | None = None) -> tuple[SiteMarket, ...]:
    """Every market an event offers on ``platform``; its source-market count is about ``target``."""
    by_canonical: dict[str, list[_Row]] = {}
    for row in _rows():
        by_canonical.setdefault(row.canonical, []).append(row)
    # a site market may gather several canonical markets (Bet9ja S_HA1HOU: home and away team totals)
    merged: dict[str, tuple[str, str, str, list[SiteOutcome], tuple[str, ...], bool]] = {}
    for canonical, rows in by_canonical.items():
        kind = _kind(rows)
        mapped = bool(rows[0].betpawa) and all(r.betpawa_outcome for r in rows)
        for row in rows:
            key, name = _site_key(platform, row), _outcome_name(platform, row)
            if not key or not name:
                continue
            entry = merged.setdefault(
                key, (canonical, rows[0].name, kind, [], _tabs(canonical, kind), mapped)
            )
            outcome = SiteOutcome(name, _group_key(row), int_key(f"{canonical}/{row.outcome}"))
            if all(o.name != name for o in entry[3]):
                entry[3].append(outcome)
    markets: list[SiteMarket] = []
    for key, (canonical, name, kind, outcomes, tabs, mapped) in merged.items():
        lines: tuple[float | None, ...] = _LINES.get(canonical, _DEFAULT_LINES[kind]) or (None,)
        markets.append(SiteMarket(key, name, kind, lines, tuple(outcomes), tabs, mapped))
    target = TARGETS[platform] if target is None else target
    index = 0
    while source_markets(platform, markets) < target or index < MIN_FILLER[platform]:
        markets.append(_filler(platform, index))
        index += 1
    return tuple(markets)


def source_markets(platform: Platform, markets: list[SiteMarket] | tuple[SiteMarket, ...]) -> int:
    """Source markets as each site counts them: BetPawa rows, SportyBet (id, specifier) entries,
    Bet9ja odds-key markets."""
    if platform is Platform.BET9JA:
        return len(markets)
    return sum(len(m.lines) for m in markets)
