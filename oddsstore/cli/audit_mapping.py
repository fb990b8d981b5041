"""``oddsstore audit-mapping BETPAWA.json SPORTYBET.json BET9JA.json``: how one match's competitor markets
line up with BetPawa's under the shipped mapping table (``oddsstore.parsing.audit``).

Exit 0 once the three files are read and parsed, whatever the audit finds; 2 with a one-line error when a
file cannot be read, is not JSON or is not that site's event.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from oddsstore.models import ALL_PLATFORMS, EventOdds, Platform
from oddsstore.parsing import ParseError, parse_event
from oddsstore.parsing.audit import FAR_RATIO, SHORT_ODDS, CompetitorAudit, Key, MappingAudit, audit_mapping

_NAMES = {Platform.BETPAWA: "BetPawa", Platform.SPORTYBET: "SportyBet", Platform.BET9JA: "Bet9ja"}
_TOP_UNMAPPED = 15


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "audit-mapping", help="audit the market mapping on one match's payloads from the three sites"
    )
    for platform in ALL_PLATFORMS:
        parser.add_argument(platform.value, type=Path, metavar=f"{platform.value.upper()}.json")
    parser.add_argument("--json", action="store_true", help="print the audit as one JSON object")
    parser.set_defaults(func=run)


class _Unusable(Exception):
    pass


def _load(path: Path) -> Any:
    try:
        raw = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise _Unusable(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except orjson.JSONDecodeError as exc:
        raise _Unusable(f"{path}: not JSON: {exc}") from exc
    return raw


def run(args: argparse.Namespace) -> int:
    raw: dict[Platform, Any] = {}
    parsed: dict[Platform, EventOdds] = {}
    try:
        for platform in ALL_PLATFORMS:
            path: Path = getattr(args, platform.value)
            raw[platform] = _load(path)
            try:
                parsed[platform] = parse_event(platform, raw[platform])
            except ParseError as exc:
                raise _Unusable(f"{path}: not a {_NAMES[platform]} event: {exc}") from exc
    except _Unusable as exc:
        print(f"oddsstore audit-mapping: {exc}", file=sys.stderr)
        return 2
    audit = audit_mapping(parsed, raw)
    print(orjson.dumps(audit.to_dict()).decode() if args.json else format_audit(audit))
    return 0


# --- the readable report -----------------------------------------------------------------------------


def _line(line: float | None) -> str:
    return "-" if line is None else f"{line:g}"


def _grouped(keys: Iterable[Key]) -> str:
    lines: dict[str, list[str]] = {}
    for market_id, line in keys:
        lines.setdefault(market_id, []).append(_line(line))
    return ", ".join(f"{m} ({' '.join(ls)})" if ls != ["-"] else m for m, ls in lines.items()) or "none"


def _competitor(c: CompetitorAudit) -> list[str]:
    name = _NAMES[c.platform]
    out = [
        f"{name}: {c.market_lines} market-lines, {len(c.shared)} shared with BetPawa",
        f"  BetPawa market-lines {name} does not share ({len(c.betpawa_only)}): {_grouped(c.betpawa_only)}",
        f"  common outcomes compared (both active, under {SHORT_ODDS:g}): {c.compared};"
        f" more than x{FAR_RATIO:g} apart: {len(c.far_apart)}",
    ]
    out += [
        f"    {f.market_id} line {_line(f.line)} {f.outcome!r}:"
        f" BetPawa {f.betpawa:g}, {name} {f.competitor:g} (x{f.ratio:.2f})"
        for f in c.far_apart
    ]
    sided = sum(len(o.betpawa_only) + len(o.competitor_only) for o in c.one_sided)
    out.append(
        f"  outcomes one side prices that the other cannot join: {sided} in {len(c.one_sided)} market-lines"
    )
    for o in c.one_sided:
        parts = []
        if o.betpawa_only:
            parts.append("BetPawa only " + ", ".join(o.betpawa_only))
        if o.competitor_only:
            parts.append(f"{name} only " + ", ".join(o.competitor_only))
        out.append(f"    {o.market_id} line {_line(o.line)}: " + "; ".join(parts))
    out.append(f"  source outcomes of mapped markets the parser could not place: {c.dropped_outcomes}")
    outcomes = sum(r.outcomes for r in c.unmapped)
    out.append(
        f"  raw markets that map to nothing: {len(c.unmapped)} ({outcomes} priced outcomes), largest first:"
    )
    out += [
        f"    {r.key}{f' {r.name.strip()}' if r.name else ''}: {r.lines} line(s), {r.outcomes} outcomes"
        for r in c.unmapped[:_TOP_UNMAPPED]
    ]
    if len(c.unmapped) > _TOP_UNMAPPED:
        out.append(f"    ... {len(c.unmapped) - _TOP_UNMAPPED} more (--json lists them all)")
    return out


def format_audit(audit: MappingAudit) -> str:
    ids = ", ".join(f"{_NAMES[p]} {sr}" for p, sr in audit.sportradar_ids.items())
    out = [f"Mapping audit, SportRadar ids: {ids}"]
    if not audit.same_match:
        out.append("WARNING: the three payloads are not one match; the comparison means nothing")
    out.append(f"BetPawa: {audit.betpawa_market_lines} market-lines")
    for competitor in audit.competitors:
        out += ["", *_competitor(competitor)]
    out += ["", "Table keys that none of the given payloads uses:"]
    out += [
        f"  {_NAMES[u.platform]}: {len(u.keys)} keys in {u.rows} rows: {', '.join(u.keys) or 'none'}"
        for u in audit.unseen
    ]
    return "\n".join(out)
