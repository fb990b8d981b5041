"""The mapping audit: how one match's SportyBet and Bet9ja markets line up with BetPawa's.

Pure: the three sites' raw payloads of one match and their parsed ``EventOdds`` in, a ``MappingAudit``
out; no I/O. Per competitor it gives

- the **shared market-lines**: ``(market_id, line)`` keys both BetPawa and the competitor produced, and
  BetPawa's market-lines the competitor did not produce;
- the common outcomes (same name, both active, both prices under ``SHORT_ODDS``) priced more than
  ``FAR_RATIO`` apart: two books rarely disagree by a third on a short price, so such a pair is the mark
  of a wrong pairing (unless the raw prices themselves say so);
- the **one-sided outcomes**: in a shared market-line, names one side prices and the other does not, so
  they cannot be joined (a cut-short or misnamed outcome list shows here);
- the **unmapped raw markets**: the competitor's source markets (SportyBet market id, Bet9ja odds-key
  market) that produced no normalised market, largest (most priced outcomes) first;

and, for all three sites, the mapping table's site keys that none of the given payloads uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from oddsstore.models import ALL_PLATFORMS, EventOdds, Market, Platform
from oddsstore.parsing.bet9ja import group_line
from oddsstore.parsing.common import odds_value
from oddsstore.parsing.errors import ParseError
from oddsstore.parsing.mapping import MarketTable, TableRow, market_table, read_rows, table_text
from oddsstore.parsing.oddskeys import split_odds_key
from oddsstore.parsing.specifiers import parse_specifier
from oddsstore.parsing.sportybet import market_line

FAR_RATIO = 1.35
SHORT_ODDS = 6.0
COMPETITORS: tuple[Platform, ...] = (Platform.SPORTYBET, Platform.BET9JA)

Key = tuple[str, float | None]  # (BetPawa market id, line)


def sort_key(key: Key) -> tuple[int, str, bool, float]:
    market_id, line = key
    return (int(market_id) if market_id.isdigit() else -1, market_id, line is not None, line or 0.0)


@attrs.frozen(slots=True)
class FarApart:
    """A common outcome priced more than ``FAR_RATIO`` apart."""

    market_id: str
    line: float | None
    outcome: str
    betpawa: float
    competitor: float

    @property
    def ratio(self) -> float:
        return max(self.betpawa, self.competitor) / min(self.betpawa, self.competitor)


@attrs.frozen(slots=True)
class OneSided:
    """A shared market-line with outcome names only one side prices."""

    market_id: str
    line: float | None
    betpawa_only: tuple[str, ...]
    competitor_only: tuple[str, ...]


@attrs.frozen(slots=True)
class RawMarket:
    """A competitor's source market that produced no normalised market."""

    key: str  # SportyBet market id, or Bet9ja odds-key market ("S_OUA")
    name: str | None  # the site's own description, when the payload gives one
    lines: int  # SportyBet market entries, Bet9ja distinct parameters
    outcomes: int  # priced outcomes over all its lines


@attrs.frozen(slots=True)
class CompetitorAudit:
    platform: Platform
    market_lines: int  # the competitor's normalised markets
    shared: tuple[Key, ...]
    betpawa_only: tuple[Key, ...]  # BetPawa's market-lines this competitor did not produce
    compared: int  # common outcomes whose two prices were compared
    far_apart: tuple[FarApart, ...]
    one_sided: tuple[OneSided, ...]
    dropped_outcomes: int  # source outcomes of mapped markets the parser could not place
    unmapped: tuple[RawMarket, ...]  # largest first


@attrs.frozen(slots=True)
class UnseenKeys:
    """The table's keys of one site that the given payload of that site never uses."""

    platform: Platform
    keys: tuple[str, ...]
    rows: int  # table rows carrying one of them


@attrs.frozen(slots=True)
class MappingAudit:
    sportradar_ids: Mapping[Platform, str]
    betpawa_market_lines: int
    competitors: tuple[CompetitorAudit, ...]
    unseen: tuple[UnseenKeys, ...]

    @property
    def same_match(self) -> bool:
        return len(set(self.sportradar_ids.values())) == 1

    def competitor(self, platform: Platform) -> CompetitorAudit:
        return next(c for c in self.competitors if c.platform is platform)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form: platforms by their value, lines as numbers or null."""
        return {
            "sportradar_ids": {p.value: sr for p, sr in self.sportradar_ids.items()},
            "same_match": self.same_match,
            "betpawa_market_lines": self.betpawa_market_lines,
            "competitors": {c.platform.value: _competitor_dict(c) for c in self.competitors},
            "unseen_table_keys": {
                u.platform.value: {"keys": list(u.keys), "rows": u.rows} for u in self.unseen
            },
        }


def _key_dict(key: Key) -> dict[str, Any]:
    return {"market_id": key[0], "line": key[1]}


def _competitor_dict(c: CompetitorAudit) -> dict[str, Any]:
    return {
        "market_lines": c.market_lines,
        "shared_market_lines": len(c.shared),
        "shared": [_key_dict(k) for k in c.shared],
        "betpawa_only_market_lines": [_key_dict(k) for k in c.betpawa_only],
        "compared_outcomes": c.compared,
        "far_apart": [{**attrs.asdict(f), "ratio": round(f.ratio, 4)} for f in c.far_apart],
        "one_sided": [
            {
                **attrs.asdict(o),
                "betpawa_only": list(o.betpawa_only),
                "competitor_only": list(o.competitor_only),
            }
            for o in c.one_sided
        ],
        "one_sided_outcomes": sum(len(o.betpawa_only) + len(o.competitor_only) for o in c.one_sided),
        "dropped_outcomes": c.dropped_outcomes,
        "unmapped_raw_markets": [attrs.asdict(r) for r in c.unmapped],
        "unmapped_raw_outcomes": sum(r.outcomes for r in c.unmapped),
    }


# --- comparing two parsed events ---------------------------------------------------------------------


def _by_key(event: EventOdds) -> dict[Key, Market]:
    return {(m.market_id, m.line): m for m in event.markets}


def _compare_outcomes(key: Key, ours: Market, theirs: Market) -> tuple[int, list[FarApart], OneSided | None]:
    mine = {o.name: o for o in ours.outcomes}
    other = {o.name: o for o in theirs.outcomes}
    compared, far = 0, []
    for name, a in mine.items():
        b = other.get(name)
        if b is None or not (a.is_active and b.is_active) or max(a.odds, b.odds) >= SHORT_ODDS:
            continue
        compared += 1
        pair = FarApart(key[0], key[1], name, a.odds, b.odds)
        if pair.ratio > FAR_RATIO:
            far.append(pair)
    betpawa_only = tuple(n for n in mine if n not in other)
    competitor_only = tuple(n for n in other if n not in mine)
    one_sided = (
        OneSided(key[0], key[1], betpawa_only, competitor_only) if betpawa_only or competitor_only else None
    )
    return compared, far, one_sided


def _competitor(betpawa: EventOdds, event: EventOdds, sources: Iterable[_Source]) -> CompetitorAudit:
    ours, theirs = _by_key(betpawa), _by_key(event)
    shared = sorted(ours.keys() & theirs.keys(), key=sort_key)
    compared, far, one_sided = 0, [], []
    for key in shared:
        n, pairs, sided = _compare_outcomes(key, ours[key], theirs[key])
        compared += n
        far.extend(pairs)
        if sided is not None:
            one_sided.append(sided)
    produced = set(theirs)
    unmapped = [s.raw_market() for s in sources if not s.targets & produced]
    unmapped.sort(key=lambda r: (-r.outcomes, r.key))
    return CompetitorAudit(
        platform=event.platform,
        market_lines=len(theirs),
        shared=tuple(shared),
        betpawa_only=tuple(sorted(ours.keys() - theirs.keys(), key=sort_key)),
        compared=compared,
        far_apart=tuple(far),
        one_sided=tuple(one_sided),
        dropped_outcomes=event.skipped.get("unknown_outcome", 0) + event.skipped.get("unmapped_outcome", 0),
        unmapped=tuple(unmapped),
    )


# --- the competitors' raw source markets -------------------------------------------------------------


@attrs.define(slots=True)
class _Source:
    key: str
    name: str | None = None
    lines: set[str | None] = attrs.field(factory=set)
    outcomes: int = 0
    targets: set[Key] = attrs.field(factory=set)  # the normalised keys the table sends its lines to

    def raw_market(self) -> RawMarket:
        return RawMarket(self.key, self.name, len(self.lines), self.outcomes)


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _sportybet_sources(raw: Any, table: MarketTable) -> list[_Source]:
    data = raw.get("data") if isinstance(raw, Mapping) else None
    sources: dict[str, _Source] = {}
    for market in _items(data.get("markets") if isinstance(data, Mapping) else None):
        if not isinstance(market, Mapping):
            continue
        market_id = str(market.get("id"))
        desc = market.get("desc")
        source = sources.setdefault(market_id, _Source(market_id, desc if isinstance(desc, str) else None))
        specifier = market.get("specifier")
        source.lines.add(specifier if isinstance(specifier, str) else None)
        source.outcomes += sum(
            1 for o in _items(market.get("outcomes")) if isinstance(o, Mapping) and odds_value(o.get("odds"))
        )
        sm = table.sportybet.get(market_id)
        if sm is None:
            continue
        try:
            line = market_line(sm, parse_specifier(market.get("specifier")))
        except ParseError:
            continue
        source.targets.add((sm.market.market_id, line))
    return list(sources.values())


def _bet9ja_names(data: Mapping[str, Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for entry in _items(data.get("MK")):  # the payload's market catalogue
        if (
            isinstance(entry, Mapping)
            and isinstance(entry.get("ID"), str)
            and isinstance(entry.get("DS"), str)
        ):
            names[entry["ID"]] = entry["DS"]
    return names


def _bet9ja_sources(raw: Any, table: MarketTable) -> list[_Source]:
    data = raw.get("D") if isinstance(raw, Mapping) else None
    if not isinstance(data, Mapping) or not isinstance(data.get("O"), Mapping):
        return []
    names = _bet9ja_names(data)
    sources: dict[str, _Source] = {}
    for odds_key, value in data["O"].items():
        try:
            market, param, _ = split_odds_key(odds_key)
        except ParseError:
            continue
        source = sources.setdefault(market, _Source(market, names.get(market)))
        source.lines.add(param)
        source.outcomes += odds_value(value) is not None
        refs = table.bet9ja.get(market, {})
        try:
            line = group_line(market, param)
        except ParseError:
            continue
        source.targets.update((ref.market.market_id, line) for ref in refs.values() if ref.name is not None)
    return list(sources.values())


# --- table keys the payloads never use ---------------------------------------------------------------


def _payload_keys(platform: Platform, raw: Any) -> set[str]:
    if platform is Platform.BETPAWA:
        markets = _items(raw.get("markets")) if isinstance(raw, Mapping) else []
        types = (m.get("marketType") for m in markets if isinstance(m, Mapping))
        return {str(t.get("id")) for t in types if isinstance(t, Mapping)}
    if platform is Platform.SPORTYBET:
        return {s.key for s in _sportybet_sources(raw, MarketTable({}, {}, {}))}
    return {s.key for s in _bet9ja_sources(raw, MarketTable({}, {}, {}))}


_COLUMN = {
    Platform.BETPAWA: "betpawa_market_id",
    Platform.SPORTYBET: "sportybet_market_id",
    Platform.BET9JA: "bet9ja_key",
}


def _unseen(platform: Platform, raw: Any, rows: Sequence[TableRow]) -> UnseenKeys:
    used = _payload_keys(platform, raw)
    keyed = [getattr(r, _COLUMN[platform]) for r in rows]
    missing = [k for k in keyed if k and k not in used]
    return UnseenKeys(platform, tuple(sorted(set(missing))), len(missing))


# --- entry point -------------------------------------------------------------------------------------


def audit_mapping(
    parsed: Mapping[Platform, EventOdds],
    raw: Mapping[Platform, Any],
    *,
    table: MarketTable | None = None,
    rows: Sequence[TableRow] | None = None,
) -> MappingAudit:
    """Audit one match: ``parsed`` and ``raw`` hold the three sites' parsed events and raw payloads.

    ``table`` and ``rows`` default to the shipped mapping table (the one the parsers used).
    """
    table = market_table() if table is None else table
    rows = read_rows(table_text()) if rows is None else rows
    betpawa = parsed[Platform.BETPAWA]
    sources = {
        Platform.SPORTYBET: _sportybet_sources(raw[Platform.SPORTYBET], table),
        Platform.BET9JA: _bet9ja_sources(raw[Platform.BET9JA], table),
    }
    return MappingAudit(
        sportradar_ids={p: parsed[p].sportradar_id for p in ALL_PLATFORMS},
        betpawa_market_lines=len(_by_key(betpawa)),
        competitors=tuple(_competitor(betpawa, parsed[p], sources[p]) for p in COMPETITORS),
        unseen=tuple(_unseen(p, raw[p], rows) for p in ALL_PLATFORMS),
    )
