"""The columns ``board`` and ``event`` print: one layout, at most 80 characters a line.

::

    columns  0-30: label (market name and line; outcomes indented 2, labels up to 29 characters)
            31-60: betpawa, sportybet, bet9ja, 10 characters each (prices; margins on a market line)
            62-70: the best competitor          71-77: BetPawa's gap in %     79: "<" when behind

A site cell is blank where the site does not list the market and ``-`` where it lists it without an
open price (closed, a placeholder) or, for a margin or fair odds, without a complete set of prices.
A market's label too long for its column gets a line of its own above the margins; other text too
long for its column ends in an ellipsis; numbers too wide for theirs fall back to fewer digits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from oddsstore.models import ALL_PLATFORMS, Platform
from oddsstore.reads import BoardOutcome
from oddsstore.reads.common import MarketKey

__all__ = [
    "WIDTH",
    "clip",
    "column_titles",
    "count",
    "event_title",
    "fair_row",
    "kickoff_text",
    "line_text",
    "market_label",
    "market_rows",
    "outcome_row",
    "price",
]

WIDTH = 80
INDENT = 2
LABEL = 29  # an outcome's label; a market's label has the indent as well
SITE = 10
BEST = 9
GAP = 7
ELLIPSIS = "…"
# A cell: a value shown, "-" (listed, no value), or absent from the mapping (not listed: blank).
Cells = Mapping[Platform, str]


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, the last one an ellipsis when anything was cut."""
    return text if len(text) <= width else text[: width - 1] + ELLIPSIS


def _fit(text: str, value: float, width: int) -> str:
    """``text``, or ``value`` with fewer digits when ``text`` would fill its column (no gap left)."""
    return text if len(text) < width else f"{value:.3g}"


def price(odds: float) -> str:
    """A price as stored: two decimals, three when the price has them (``1.333``)."""
    for digits in (2, 3):
        text = f"{odds:.{digits}f}"
        if float(text) == odds:
            return text
    return f"{odds:g}"


def count(n: int, noun: str) -> str:
    """``1 event``, ``2 events``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def kickoff_text(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def event_title(kickoff: datetime, sportradar_id: str, home: str, away: str, tournament: str | None) -> str:
    """An event's header line: kickoff (UTC), SportRadar id, the teams and the tournament."""
    where = f"  ({tournament})" if tournament else ""
    return clip(f"{kickoff_text(kickoff)}  {sportradar_id}  {home} v {away}{where}", WIDTH)


def line_text(key: MarketKey) -> tuple[str, str] | None:
    """``("line", "2.5")``, ``("handicap", "-0.5/+0.5")`` (home/away), or ``None`` without a line."""
    _, line, handicap_type, home, away = key
    if handicap_type is not None and home is not None and away is not None:
        return "handicap", f"{home:+g}/{away:+g}"
    return None if line is None else ("line", f"{line:g}")


def market_label(key: MarketKey, name: str, width: int = WIDTH) -> str:
    """A market's name with its line, or its handicaps (home/away) for a handicap market, in at most
    ``width`` characters: a long name is cut, never the line."""
    shown = line_text(key)
    suffix = "" if shown is None else f" {shown[1]}"
    return clip(name, max(width - len(suffix), 1)) + suffix


def _sites(cells: Cells) -> str:
    return "".join(f"{cells.get(p, ''):>{SITE}}" for p in ALL_PLATFORMS)


def _row(label: str, cells: Cells, tail: str = "") -> str:
    return f"{label:<{INDENT + LABEL}}{_sites(cells)}{tail}".rstrip()


def _cell(value: float | None, spec: str) -> str:
    """A site cell: ``value`` in format ``spec``, or "-" for no value."""
    return "-" if value is None else _fit(spec.format(value), value, SITE)


def _gap(gap: float) -> str:
    """BetPawa's gap in % (above -100 always; shown up to +999.9)."""
    return f"{gap:+.1f}" if gap < 999.95 else ">+999"


def column_titles() -> str:
    titles = {p: p.value for p in ALL_PLATFORMS}
    return _row("", titles, f" {'best':<{BEST}}{'gap %':>{GAP}}")


def market_rows(key: MarketKey, name: str, margins: Mapping[Platform, float | None]) -> list[str]:
    """A market's line: its label and each listing site's margin (``margins``' keys: those sites).
    A label too long for its column goes on a line of its own above (cut at the width if need be)."""
    cells = {p: _cell(m, "{:.2f}%") for p, m in margins.items()}
    label = market_label(key, name)
    if len(label) < INDENT + LABEL:
        return [_row(label, cells, "  margin")]
    return [market_label(key, name, WIDTH), _row("", cells, "  margin")]


def outcome_row(outcome: BoardOutcome) -> str:
    """An outcome's prices on the sites listing its market, the best competitor, the gap, ``<``."""
    cells = {p: "-" if o is None else _fit(price(o), o, SITE) for p, o in outcome.odds.items()}
    best = "" if outcome.best_competitor is None else outcome.best_competitor.value
    gap = "" if outcome.gap_pct is None else _gap(outcome.gap_pct)
    marker = " <" if outcome.behind else ""
    label = " " * INDENT + clip(outcome.name, LABEL)
    return _row(label, cells, f" {best:<{BEST}}{gap:>{GAP}}{marker}")


def fair_row(
    outcome: str, fair: Mapping[Platform, Mapping[str, float] | None], consensus: Mapping[str, float]
) -> str:
    """An outcome's fair odds per listing site (``fair``' keys) and the consensus fair odds."""
    cells = {p: _cell(None if odds is None else odds.get(outcome), "{:.2f}") for p, odds in fair.items()}
    agreed = consensus.get(outcome)
    tail = "" if agreed is None else f" {'consensus':<{BEST}}{_fit(f'{agreed:.2f}', agreed, GAP):>{GAP}}"
    return _row(" " * (2 * INDENT) + "fair", cells, tail)
